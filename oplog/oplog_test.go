package oplog_test

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync/oplog"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// entries are log entries of every shape opsync writes; their values are
// already clean (one line, trimmed) and their durations already rounded
// the way FormatDuration rounds, so Parse(Format(e)) must give them back.
var entries = map[string]oplog.Entry{
	"deploy": {
		Line: "abra app deploy foo.example.org 1.2.0+1.21", Command: "app deploy",
		App: "foo.example.org", Server: "server1.example.org", Exit: 0, Duration: 41200 * time.Millisecond,
		Operator: "Alice <alice@example.org> on laptop", Version: "0.1.0",
	},
	"deployed-chaos": {
		Line: "abra app deploy foo.example.org --chaos", Command: "app deploy",
		App: "foo.example.org", Server: "s1", Exit: 0, Duration: 2 * time.Second,
		Deployed: "custom-html:1a2b3c4d+U", Operator: "Alice <alice@example.org> on laptop", Version: "0.1.0",
	},
	"failed": {
		Line: "abra app upgrade foo.example.org --no-input", Command: "app upgrade",
		App: "foo.example.org", Server: "s1", Exit: 1, Duration: 3*time.Minute + 5*time.Second,
		Operator: "Bob <bob@example.org> on ops-box", Version: "0.1.0",
	},
	"zero-duration": {
		Line: "abra app secret insert foo.example.org db v1 <redacted>", Command: "app secret insert",
		App: "foo.example.org", Server: "s1", Exit: 0, Duration: 0,
		Operator: "Alice <alice@example.org> on laptop", Version: "dev",
	},
	"move-old-side": {
		Line: "abra app move foo.example.org s2", Command: "app move", App: "foo.example.org", Server: "s1",
		Exit: 0, Duration: 250 * time.Millisecond, Operator: "Alice <alice@example.org> on laptop", Version: "0.1.0",
		MovedTo: "s2",
	},
	"move-new-side": {
		Line: "abra app move foo.example.org s2", Command: "app move", App: "foo.example.org", Server: "s2",
		Exit: 0, Duration: 250 * time.Millisecond, Operator: "Alice <alice@example.org> on laptop", Version: "0.1.0",
		MovedFrom: "s1",
	},
	"move-one-repo": {
		Line: "abra app move foo.example.org s2", Command: "app move", App: "foo.example.org", Server: "s1",
		Exit: 0, Duration: 2 * time.Second, Operator: "Alice <alice@example.org> on laptop", Version: "0.1.0",
		MovedFrom: "s1", MovedTo: "s2",
	},
	"resolved-and-extra": {
		Line: "abra app undeploy foo.example.org", Command: "app undeploy", App: "foo.example.org", Server: "s1",
		Exit: 130, Duration: 999 * time.Millisecond, Operator: "Carol Ann <carol@example.org> on on-call.example.org",
		Version: "0.2.0", Session: "migrate-db-2026-05",
		Resolved: []string{"merged s1/bar.example.org.env from origin/main", "second resolution"},
		Extra:    []oplog.Trailer{{Key: "Opsync-Ticket", Value: "OPS-42"}, {Key: "Opsync-Future-Key", Value: "a: b: c"}},
	},
	"no-app": {
		Line: "abra app new wordpress --secrets", Command: "app new", Exit: 1,
		Duration: 7 * time.Millisecond, Operator: "unknown", Version: "dev",
	},
	"negative-exit": {
		Line: "abra app restart foo.example.org", Command: "app restart", App: "foo.example.org", Server: "s1",
		Exit: -1, Duration: time.Hour + 2*time.Minute, Operator: "Dan <d@example.org> on h", Version: "0.1.0",
	},
}

func TestFormatGolden(t *testing.T) {
	for name, e := range entries {
		got := oplog.Format(e)
		path := filepath.Join("testdata", name+".golden")
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("Format(%s):\n--- got\n%s--- want\n%s", name, got, want)
		}
	}
}

func TestFormatParseRoundTrip(t *testing.T) {
	for name, e := range entries {
		msg := oplog.Format(e)
		got, ok := oplog.Parse(msg)
		if !ok {
			t.Errorf("%s: Parse(Format(e)) not ok:\n%s", name, msg)
			continue
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("%s: Parse(Format(e)) =\n%#v\nwant\n%#v", name, got, e)
		}
		// git may hand a message back with CRLF line ends (a Windows
		// editor, core.autocrlf on a mirror) and with a final newline more
		// or less; it reads the same.
		for _, variant := range []string{
			strings.ReplaceAll(msg, "\n", "\r\n"),
			strings.TrimRight(msg, "\n"),
			msg + "\n\n",
			"\n" + msg,
		} {
			again, ok := oplog.Parse(variant)
			if !ok || !reflect.DeepEqual(again, e) {
				t.Errorf("%s: Parse of a variant %q =\n%#v, %v\nwant\n%#v", name, variant, again, ok, e)
			}
		}
	}
}

func TestFormatShape(t *testing.T) {
	msg := oplog.Format(entries["deploy"])
	lines := strings.Split(msg, "\n")
	if lines[0] != "abra app deploy foo.example.org 1.2.0+1.21" || lines[1] != "" || lines[2] != "exit 0, took 41.2s" {
		t.Errorf("subject, blank line, result expected first:\n%s", msg)
	}
	if !strings.HasSuffix(msg, "Opsync-Version: 0.1.0\n") {
		t.Errorf("message should end with the version trailer and one newline:\n%q", msg)
	}
	// No command line at all: the subject is still an abra command.
	msg = oplog.Format(oplog.Entry{Command: "app deploy", App: "x"})
	if first, _, _ := strings.Cut(msg, "\n"); first != "abra app deploy" {
		t.Errorf("subject without Line = %q, want %q", first, "abra app deploy")
	}
}

// git reads the trailers of a formatted message exactly as Trailers lists
// them: opsync log and plain `git log --format=%(trailers)` agree.
func TestTrailersAsGitReadsThem(t *testing.T) {
	for name, e := range entries {
		cmd := exec.Command("git", "interpret-trailers", "--parse")
		cmd.Stdin = strings.NewReader(oplog.Format(e))
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, tr := range e.Trailers() {
			want = append(want, tr.Key+": "+tr.Value)
		}
		if got := strings.Split(strings.TrimRight(string(out), "\n"), "\n"); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: git reads the trailers as\n%q\nwant\n%q", name, got, want)
		}
	}
}

// A commit made by hand, or by a tool that is not opsync, is not an entry.
func TestParseNotAnEntry(t *testing.T) {
	for _, msg := range []string{
		"",
		"Fix typo in s1/foo.example.org.env",
		"Fix typo\n\nSigned-off-by: Alice <alice@example.org>\n",
		"Update env\n\nsome text\n\nOpsync-App: foo.example.org\n",
		// The trailer must be in the last paragraph, as git reads trailers.
		"Subject\n\nOpsync-Command: app deploy\n\nA paragraph written after it.\n",
		// A subject alone has no trailers, whatever it says.
		"Opsync-Command: app deploy",
		"Merge branch 'main' of example.org:ops/servers\n",
	} {
		if e, ok := oplog.Parse(msg); ok {
			t.Errorf("Parse(%q) = %+v, ok; want not ok", msg, e)
		}
	}
}

func TestParseByHandWithTrailers(t *testing.T) {
	// Written by hand or by another tool: git's trailer rules apply: keys
	// case-insensitive, a value folded onto the next line (RFC 822 style),
	// other trailers mixed in, unknown Opsync-* kept.
	msg := "abra app deploy foo.example.org\r\n\r\nexit 0\r\n\r\n" +
		"opsync-command: app deploy\r\n" +
		"OPSYNC-APP:   foo.example.org  \r\n" +
		"Signed-off-by: Alice <alice@example.org>\r\n" +
		"Opsync-Operator: Alice\r\n   <alice@example.org>\r\n\ton laptop\r\n" +
		"Opsync-Exit: 2\r\n" +
		"Opsync-Duration: 1m30s\r\n" +
		"Opsync-Ticket: OPS-1\r\n"
	e, ok := oplog.Parse(msg)
	if !ok {
		t.Fatalf("Parse not ok")
	}
	want := oplog.Entry{
		Line: "abra app deploy foo.example.org", Command: "app deploy", App: "foo.example.org", Exit: 2,
		Duration: 90 * time.Second, Operator: "Alice <alice@example.org> on laptop",
		Extra: []oplog.Trailer{{Key: "Opsync-Ticket", Value: "OPS-1"}},
	}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("Parse =\n%#v\nwant\n%#v", e, want)
	}
}

func TestParseTrailers(t *testing.T) {
	got := oplog.ParseTrailers("subject\n\nbody\n\nKey: v\nopsync-exit: 3\nnot a trailer line\n  folded\nA b: not a key\nX:\n")
	want := []oplog.Trailer{{Key: "Key", Value: "v"}, {Key: oplog.KeyExit, Value: "3 folded"}, {Key: "X", Value: ""}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseTrailers = %#v, want %#v", got, want)
	}
	if got := oplog.ParseTrailers("subject only\n"); got != nil {
		t.Errorf("ParseTrailers(subject only) = %#v, want nil", got)
	}
}

// Values come from the command line, git config and the host name; none
// of them may break the message's structure: no newline splits a trailer,
// no control character reaches the terminal of someone reading the log.
func TestFormatCleansValues(t *testing.T) {
	e := oplog.Entry{
		Line:     "abra app deploy x\nOpsync-Exit: 0\r\n",
		Command:  "app deploy",
		App:      "x\nOpsync-Exit: 0",
		Server:   "\ts1\x1b[31m ",
		Exit:     1,
		Operator: "Eve <eve@example.org>\x00 on host\x7f",
		Version:  "1.0\n",
		MovedTo:  "s2\nOpsync-App: other",
		Extra:    []oplog.Trailer{{Key: "Opsync-Note", Value: "two\nlines"}},
	}
	msg := oplog.Format(e)
	for _, bad := range []string{"\r", "\x00", "\x1b", "\x7f", "\t"} {
		if strings.Contains(msg, bad) {
			t.Errorf("Format left %q in the message:\n%q", bad, msg)
		}
	}
	if strings.Count(msg, "\nOpsync-Exit:") != 1 || strings.Count(msg, "\nOpsync-App:") != 1 {
		t.Errorf("a value injected a trailer:\n%s", msg)
	}
	got, ok := oplog.Parse(msg)
	if !ok {
		t.Fatalf("Parse not ok:\n%s", msg)
	}
	want := oplog.Entry{
		Line: "abra app deploy x Opsync-Exit: 0", Command: "app deploy", App: "x Opsync-Exit: 0",
		Server: "s1[31m", Exit: 1, Operator: "Eve <eve@example.org> on host", Version: "1.0",
		MovedTo: "s2 Opsync-App: other", Extra: []oplog.Trailer{{Key: "Opsync-Note", Value: "two lines"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse(Format(e)) =\n%#v\nwant\n%#v", got, want)
	}
}

func TestResultAndDuration(t *testing.T) {
	for _, tt := range []struct {
		exit int
		d    time.Duration
		want string
	}{
		{0, 0, "exit 0"},
		{0, 41234 * time.Millisecond, "exit 0, took 41.2s"},
		{1, 0, "exit 1, failed"},
		{1, 250 * time.Millisecond, "exit 1, failed, took 250ms"},
		{2, 3*time.Minute + 5400*time.Millisecond, "exit 2, failed, took 3m5s"},
	} {
		e := oplog.Entry{Exit: tt.exit, Duration: tt.d}
		if got := e.Result(); got != tt.want {
			t.Errorf("Result(exit %d, %s) = %q, want %q", tt.exit, tt.d, got, tt.want)
		}
		if e.Failed() != (tt.exit != 0) {
			t.Errorf("Failed(exit %d) = %v", tt.exit, e.Failed())
		}
	}
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{1500 * time.Microsecond, "2ms"},
		{999 * time.Millisecond, "999ms"},
		{time.Second, "1s"},
		{41249 * time.Millisecond, "41.2s"},
		{59960 * time.Millisecond, "1m0s"},
		{3*time.Minute + 5499*time.Millisecond, "3m5s"},
		{2*time.Hour + 30*time.Second, "2h0m30s"},
	} {
		if got := oplog.FormatDuration(tt.d); got != tt.want {
			t.Errorf("FormatDuration(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestOperatorNameAndHost(t *testing.T) {
	for _, tt := range []struct{ op, name, host string }{
		{"Alice <alice@example.org> on laptop", "Alice <alice@example.org>", "laptop"},
		{"Alice <alice@example.org>", "Alice <alice@example.org>", ""},
		{"Ron on Call <ron@example.org> on box on the shelf", "Ron on Call <ron@example.org>", "box on the shelf"},
		{"A <a@x> on b <c> on host", "A <a@x> on b <c>", "host"},
		{"", "", ""},
	} {
		if got := oplog.OperatorName(tt.op); got != tt.name {
			t.Errorf("OperatorName(%q) = %q, want %q", tt.op, got, tt.name)
		}
		if got := oplog.OperatorHost(tt.op); got != tt.host {
			t.Errorf("OperatorHost(%q) = %q, want %q", tt.op, got, tt.host)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for name, e := range entries {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatal(err)
		}
		if raw["duration_seconds"] != e.Duration.Seconds() {
			t.Errorf("%s: duration_seconds = %v, want %v (%s)", name, raw["duration_seconds"], e.Duration.Seconds(), b)
		}
		if raw["line"] != e.Line || raw["command"] != e.Command || raw["exit"] != float64(e.Exit) {
			t.Errorf("%s: JSON %s lacks line, command or exit", name, b)
		}
		var back oplog.Entry
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, e) {
			t.Errorf("%s: JSON round trip =\n%#v\nwant\n%#v\n(%s)", name, back, e, b)
		}
	}
	// Every millisecond duration reads back exactly (seconds are a float
	// in the JSON: 1.001 must not become 1.000999999s).
	for ms := 0; ms < 5000; ms++ {
		e := oplog.Entry{Duration: time.Duration(ms) * time.Millisecond}
		b, _ := json.Marshal(e)
		var back oplog.Entry
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.Duration != e.Duration {
			t.Errorf("duration %s reads back from %s as %s", e.Duration, b, back.Duration)
			break
		}
	}
	// Empty optional fields are left out; the duration is always there.
	b, _ := json.Marshal(oplog.Entry{Line: "abra app ps x", Command: "app ps"})
	if got, want := string(b), `{"line":"abra app ps x","command":"app ps","exit":0,"operator":"","duration_seconds":0}`; got != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
	var e oplog.Entry
	if err := json.Unmarshal([]byte(`{"exit":"zero"}`), &e); err == nil {
		t.Error("Unmarshal of a bad exit succeeded")
	}
}

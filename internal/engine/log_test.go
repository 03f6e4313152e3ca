package engine

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/oplog"
)

// logKeys are the keys of `opsync log --json`, in order, as the README
// documents them. Changing them breaks operators' scripts.
var logKeys = []string{"commit", "time", "author", "email", "manual", "merge", "failed", "repo",
	"line", "command", "app", "server", "deployed", "exit", "exit_unknown", "duration_seconds", "operator", "opsync_version",
	"moved_to", "moved_from", "session", "session_summary", "reason", "resolved", "extra", "unreadable", "signature"}

func keysInOrder(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	var keys []string
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", b)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestLogEntryJSONHasEveryKeyInAFixedOrder(t *testing.T) {
	when := time.Date(2026, 11, 25, 14, 2, 0, 0, time.FixedZone("", 3600))
	entry := LogEntry{Commit: "3f2a9c1", Time: when, Author: "Alice", Email: "alice@example.org", Repo: "/r",
		Entry: oplog.Entry{Line: "abra app secret insert wiki.example.org db_password v2 <redacted>", Command: "app secret insert",
			App: "wiki.example.org", Server: "s1", Exit: 1, Duration: 1500 * time.Millisecond,
			Operator: "Alice <alice@example.org> on laptop", Version: "v0.1.0"}}
	manual := LogEntry{Commit: "0c0ffee", Time: when, Author: "Bob", Email: "bob@example.org", Manual: true,
		Entry: oplog.Entry{Line: "fix a typo by hand"}}
	for _, le := range []LogEntry{entry, manual} {
		b, err := json.Marshal(le)
		if err != nil {
			t.Fatal(err)
		}
		if got := keysInOrder(t, b); !slices.Equal(got, logKeys) {
			t.Errorf("keys %v\nwant %v", got, logKeys)
		}
	}

	b, _ := json.Marshal(entry)
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"commit": "3f2a9c1", "time": "2026-11-25T14:02:00+01:00", "author": "Alice",
		"email": "alice@example.org", "manual": false, "merge": false, "failed": true, "repo": "/r",
		"line": "abra app secret insert wiki.example.org db_password v2 <redacted>", "command": "app secret insert",
		"app": "wiki.example.org", "server": "s1", "deployed": "", "exit": 1.0, "exit_unknown": false, "duration_seconds": 1.5,
		"operator": "Alice <alice@example.org> on laptop", "opsync_version": "v0.1.0", "moved_to": "", "moved_from": "",
		"session": "", "session_summary": "", "reason": "", "resolved": []any{}, "extra": []any{}, "unreadable": []any{}, "signature": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	// An encoder that does not escape HTML (as opsync log's) gets the
	// subject as it is.
	var raw bytes.Buffer
	enc := json.NewEncoder(&raw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(entry); err != nil || !bytes.Contains(raw.Bytes(), []byte(`v2 <redacted>"`)) {
		t.Errorf("angle brackets were escaped: %s (%v)", raw.Bytes(), err)
	}

	b, _ = json.Marshal(manual)
	got = nil
	json.Unmarshal(b, &got)
	if got["exit"] != nil || got["duration_seconds"] != nil || got["manual"] != true || got["failed"] != false {
		t.Errorf("manual commit: %s", b)
	}
}

func TestLogQueryPassesWhatGitCanFilterToGit(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	q := LogQuery{Limit: 5}
	f, err := q.gitFilter(now)
	if err != nil {
		t.Fatal(err)
	}
	if args, want := f.Args(), []string{"--no-merges", "--max-count=5", "--end-of-options", "HEAD"}; !slices.Equal(args, want) {
		t.Errorf("limit alone: %q, want %q", args, want)
	}

	q = LogQuery{App: "wiki.example.org", Server: "s1", Failed: true, Operator: "al+ce", Since: "2026-11-01", Merges: true, Limit: 5}
	f, err = q.gitFilter(now)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"--since=2026-11-01 00:00:00 +0000", "--extended-regexp", "--regexp-ignore-case", "--all-match",
		`--grep=^Opsync-App: *wiki\.example\.org *$`,
		`--grep=^(Opsync-Server|Opsync-Moved-To|Opsync-Moved-From): *s1 *$`,
		`--grep=^Opsync-Exit: *(-|[1-9]|unknown)`,
		`--author=al\+ce`,
		"--end-of-options", "HEAD", // no --max-count: the exact filters run after git's
	}
	if args := f.Args(); !slices.Equal(args, want) {
		t.Errorf("got  %q\nwant %q", args, want)
	}
}

func TestLogQueryMatchesExactly(t *testing.T) {
	op := LogEntry{Author: "Alice Liddell", Email: "alice@example.org",
		Entry: oplog.Entry{Command: "app move", App: "wiki.example.org", Server: "s1", MovedTo: "s2", MovedFrom: "s1", Exit: 0}}
	manual := LogEntry{Author: "Bob", Email: "bob@example.org", Manual: true, Entry: oplog.Entry{Line: "Opsync-App: wiki.example.org"}}
	cases := []struct {
		q      LogQuery
		op, mn bool
	}{
		{LogQuery{}, true, true},
		{LogQuery{App: "WIKI.example.org"}, true, false},
		{LogQuery{App: "wiki.example"}, false, false},
		{LogQuery{Server: "s2"}, true, false},
		{LogQuery{Server: "s3"}, false, false},
		{LogQuery{Operator: "LIDDELL"}, true, false},
		{LogQuery{Operator: "bob@"}, false, true},
		{LogQuery{Failed: true}, false, false},
	}
	for _, c := range cases {
		if got := c.q.matches(op); got != c.op {
			t.Errorf("%+v on an entry: %v", c.q, got)
		}
		if got := c.q.matches(manual); got != c.mn {
			t.Errorf("%+v on a manual commit: %v", c.q, got)
		}
	}
}

func TestLogQueryCommandGrepSession(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"deploy": "app deploy", "d": "app deploy", "app d": "app deploy", "abra a d": "app deploy",
		"secret insert": "app secret insert", "a s i": "app secret insert", "app secret": "app secret",
		"server add": "server add", "  up ": "app upgrade",
	} {
		if got, ok := ResolveCommand(in); !ok || got != want {
			t.Errorf("ResolveCommand(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "abra", "deploi", "app deploy now", "--help"} {
		if got, ok := ResolveCommand(in); ok {
			t.Errorf("ResolveCommand(%q) = %q, want not a command", in, got)
		}
	}

	q := LogQuery{Command: "a s i", Session: "s-1", Grep: "Disk (full)"}
	f, err := q.gitFilter(now)
	if err != nil {
		t.Fatal(err)
	}
	args := f.Args()
	want := []string{"--no-merges", "--extended-regexp", "--regexp-ignore-case", "--all-match",
		`--grep=^Opsync-Command: *app secret insert( .*)? *$`, `--grep=^Opsync-Session: *s-1 *$`,
		`--grep=Disk \(full\)`, "--end-of-options", "HEAD"}
	if !slices.Equal(args, want) {
		t.Errorf("got  %q\nwant %q", args, want)
	}
	// Text git would fold otherwise, or match line by line: no pre-filter.
	q = LogQuery{Grep: "ÉTÉ", Session: "a\nb"}
	if f, _ = q.gitFilter(now); !slices.Equal(f.Args(), []string{"--no-merges", "--end-of-options", "HEAD"}) {
		t.Errorf("non-ASCII grep: %q", f.Args())
	}
	if _, err := (&LogQuery{Command: "deploi"}).gitFilter(now); err == nil {
		t.Error("--command deploi accepted")
	}

	rp := &Repository{Path: "/r"}
	msg := oplog.Format(oplog.Entry{Line: "abra app secret insert wiki.example.org db v2 <redacted>", Command: "app secret insert",
		App: "wiki.example.org", Server: "s1", Operator: "Alice <alice@example.org> on laptop", Session: "s-1",
		Reason: "Rotate after the DISK FULL (incident)"})
	entry := rp.entry(git.Commit{ID: "1", Message: msg, AuthorName: "Alice"})
	manual := rp.entry(git.Commit{ID: "2", Message: "notes by hand\n\nthe disk full (again)\nOpsync-Session: s-1\n", AuthorName: "Bob"})
	deploy := rp.entry(git.Commit{ID: "3", Message: oplog.Format(oplog.Entry{Line: "abra app deploy x", Command: "app deploy"})})
	cases := []struct {
		q               LogQuery
		entry, man, dep bool
	}{
		{LogQuery{Command: "app secret insert"}, true, false, false},
		{LogQuery{Command: "app secret"}, true, false, false},
		{LogQuery{Command: "app"}, true, false, true},
		{LogQuery{Command: "d"}, false, false, true},
		{LogQuery{Session: "s-1"}, true, false, false},
		{LogQuery{Session: "S-1"}, false, false, false},
		{LogQuery{Grep: "disk full (INCIDENT)"}, true, false, false},
		{LogQuery{Grep: "disk full ("}, true, true, false},
		{LogQuery{Grep: "alice@example.org"}, false, false, false}, // trailers are not searched
		{LogQuery{Grep: "wiki.example.org db"}, true, false, false},
		{LogQuery{Grep: "app"}, true, false, true},
	}
	for _, c := range cases {
		if _, err := c.q.gitFilter(now); err != nil {
			t.Fatal(err)
		}
		for _, x := range []struct {
			le   LogEntry
			want bool
		}{{entry, c.entry}, {manual, c.man}, {deploy, c.dep}} {
			if got := c.q.matches(x.le); got != x.want {
				t.Errorf("%+v on %s: %v, want %v", c.q, x.le.Entry.Line, got, x.want)
			}
		}
	}
}

func TestSyncExitCodeTakesTheMostSerious(t *testing.T) {
	for _, c := range []struct {
		codes []int
		want  int
	}{
		{nil, 0},
		{[]int{0, 0}, 0},
		{[]int{0, ExitNotPushed}, ExitNotPushed},
		{[]int{ExitSyncFailed, ExitNotPushed}, ExitSyncFailed},
		{[]int{ExitNotPushed, ExitSyncFailed, 0}, ExitSyncFailed},
	} {
		var rs []SyncResult
		for _, code := range c.codes {
			rs = append(rs, SyncResult{Code: code})
		}
		if got := SyncExitCode(rs); got != c.want {
			t.Errorf("%v: %d, want %d", c.codes, got, c.want)
		}
	}
}

// A commit whose author line or date opsync could not read keeps every
// key, with the unreadable ones empty and named; a year RFC 3339 cannot
// write leaves time empty and is named "time" too.
func TestLogEntryJSONOfAnUnreadableCommit(t *testing.T) {
	for _, tc := range []struct {
		le       LogEntry
		time     string
		unreadAs []any
	}{
		{LogEntry{Commit: "1", Manual: true, Unreadable: []string{"author"}}, "", []any{"author"}},
		{LogEntry{Commit: "2", Manual: true, Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "", []any{"time"}},
		{LogEntry{Commit: "3", Manual: true, Time: time.Unix(1764684001, 0).UTC(), Unreadable: []string{"zone"}},
			"2025-12-02T14:00:01Z", []any{"zone"}},
	} {
		b, err := json.Marshal(tc.le)
		if err != nil {
			t.Fatal(err)
		}
		if got := keysInOrder(t, b); !slices.Equal(got, logKeys) {
			t.Errorf("keys %v\nwant %v", got, logKeys)
		}
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got["time"] != tc.time || !reflect.DeepEqual(got["unreadable"], tc.unreadAs) {
			t.Errorf("%s: time %q unreadable %v, want %q %v", b, got["time"], got["unreadable"], tc.time, tc.unreadAs)
		}
	}
}

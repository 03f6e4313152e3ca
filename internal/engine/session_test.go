package engine

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync/oplog"
)

func TestSessionIDs(t *testing.T) {
	now := time.Date(2026, 12, 2, 23, 30, 0, 0, time.FixedZone("x", -3600))
	seen := map[string]bool{}
	for range 100 {
		id := NewSessionID(now)
		if !regexp.MustCompile(`^20261203-[0-9a-f]{8}$`).MatchString(id) { // the UTC date
			t.Fatalf("id %q is not the UTC date and 8 hex digits", id)
		}
		if err := ValidSessionID(id); err != nil {
			t.Fatalf("opsync's own id %q refused: %v", id, err)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
	}
	for _, ok := range []string{"migrate-7", "ci.run_42", "A", strings.Repeat("a", 64)} {
		if err := ValidSessionID(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-rf", ".hidden", "_x", "a b", "a;b", "a\nb", "x\x1b[2J", "ünï", "a/b", "a:b",
		strings.Repeat("a", 65), "--end-of-options"} {
		if err := ValidSessionID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSessionSummary(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"  upgrade the wikis  ", "upgrade the wikis"},
		{"mirror https://tok@git.example.org/x.git now", "mirror https://<redacted>@git.example.org/x.git now"},
		{"ssh://alice@host/x stays", "ssh://alice@host/x stays"},
		{strings.Repeat("é", MaxSummary), strings.Repeat("é", MaxSummary)},
	} {
		got, err := CheckSummary(c.in)
		if err != nil || got != c.want {
			t.Errorf("CheckSummary(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "   ", "two\nlines", "cr\rx", "tab\there", "bell\a", "rlo\u202e", "zw\u200b",
		"bad\xffutf8", strings.Repeat("a", MaxSummary+1)} {
		if got, err := CheckSummary(bad); err == nil {
			t.Errorf("CheckSummary(%q) accepted as %q", bad, got)
		}
	}
	// What it accepts goes into the subject as it is: oplog's cleaning
	// changes nothing of it.
	s, _ := CheckSummary("deploy: wiki (1.3) — ok")
	if got := oplog.Format(oplog.Entry{Line: sessionStartCommand + ": " + s, Command: sessionStartCommand}); !strings.HasPrefix(got, "opsync session start: deploy: wiki (1.3) — ok\n") {
		t.Errorf("subject: %q", got)
	}
}

func TestSessionFor(t *testing.T) {
	for _, d := range []time.Duration{MinSessionFor, DefaultSessionFor, MaxSessionFor} {
		if err := CheckSessionFor(d); err != nil {
			t.Errorf("%s refused: %v", d, err)
		}
	}
	for _, d := range []time.Duration{0, -time.Hour, MinSessionFor - time.Second, MaxSessionFor + time.Second} {
		if err := CheckSessionFor(d); err == nil {
			t.Errorf("%s accepted", d)
		}
	}
}

// The session is kept per user, in the state directory; OPSYNC_SESSION
// wins over it, an expired one is not applied, and a file that is not
// opsync's is named with the way out.
func TestEntrySession(t *testing.T) {
	home := t.TempDir()
	vars := map[string]string{"HOME": home}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	var events []Event
	e := New(Options{Dir: home, Getenv: func(k string) string { return vars[k] }, Now: func() time.Time { return now },
		Report: func(ev Event) { events = append(events, ev) }})
	if got := e.sessionFile(); got != filepath.Join(home, ".local", "state", "opsync", "session.json") {
		t.Errorf("session file without XDG_STATE_HOME: %s", got)
	}
	if id, exp, err := e.EntrySession(); id != "" || exp != nil || err != nil {
		t.Errorf("no session: %q %v %v", id, exp, err)
	}
	s := &Session{ID: "20261202-00000001", Summary: "wikis", Started: now, Until: now.Add(time.Hour)}
	if err := e.storeSession(s); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(e.sessionFile()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("session file: %v %v", fi, err)
	}
	if id, _, _ := e.EntrySession(); id != s.ID {
		t.Errorf("stored session not applied: %q", id)
	}
	vars["OPSYNC_SESSION"] = "ci-42"
	if id, _, _ := e.EntrySession(); id != "ci-42" {
		t.Errorf("OPSYNC_SESSION does not win: %q", id)
	}
	vars["OPSYNC_SESSION"] = "x y"
	var ee *Error
	if _, _, err := e.EntrySession(); !errors.As(err, &ee) || ee.Code != ExitConfig {
		t.Errorf("invalid OPSYNC_SESSION: %v", err)
	}
	delete(vars, "OPSYNC_SESSION")
	now = now.Add(time.Hour) // Until is not in the session any more
	if id, exp, _ := e.EntrySession(); id != "" || exp == nil || exp.ID != s.ID {
		t.Errorf("expired session: %q %v", id, exp)
	}
	os.WriteFile(e.sessionFile(), []byte(`{"id":"x y","until":"2026-12-02T10:00:00Z"}`), 0o600)
	if _, err := e.StoredSession(); err == nil || !strings.Contains(err.Error(), "remove it") {
		t.Errorf("foreign session file: %v", err)
	}
	if id, _, err := e.EntrySession(); id != "" || err != nil || len(events) != 1 || events[0].Kind != EventWarning {
		t.Errorf("a foreign file is a warning, not a stop: %q %v %v", id, err, events)
	}
	vars["XDG_STATE_HOME"] = filepath.Join(home, "state")
	if got := e.sessionFile(); got != filepath.Join(home, "state", "opsync", "session.json") {
		t.Errorf("session file with XDG_STATE_HOME: %s", got)
	}
	vars["XDG_STATE_HOME"] = "relative" // ignored, as the XDG spec says
	if got := e.sessionFile(); !strings.HasPrefix(got, home+"/.local") {
		t.Errorf("relative XDG_STATE_HOME used: %s", got)
	}
}

func TestSessionSummaryOf(t *testing.T) {
	for in, want := range map[string]string{
		"opsync session start: wikis":  "wikis",
		"opsync session start:wikis ":  "wikis",
		"abra app deploy foo":          "",
		"opsync session end: wikis":    "",
		"opsync session start: a: b c": "a: b c",
	} {
		if got := sessionSummaryOf(in); got != want {
			t.Errorf("sessionSummaryOf(%q) = %q, want %q", in, got, want)
		}
	}
}

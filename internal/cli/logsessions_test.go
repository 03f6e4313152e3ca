package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/ui"
	"coopcloud.tech/opsync/oplog"
)

// sessionLog is a log as opsync log streams it, newest first: Alice's
// session s1 interrupted by Bob's entry, an entry of no session, an entry
// of a session whose start entry is not in the log, and a manual commit.
func sessionLog() []engine.LogEntry {
	at := func(min int) time.Time { return time.Date(2026, 12, 2, 14, min, 0, 0, time.Local) }
	entry := func(id, author, line, session, summary string, exit, min int) engine.LogEntry {
		return engine.LogEntry{Commit: id + "000000000", Author: author, Time: at(min), SessionSummary: summary,
			Entry: oplog.Entry{Line: line, Command: "x", Session: session, Exit: exit}}
	}
	return []engine.LogEntry{
		entry("a000009", "Alice", "opsync session end: wikis", "s1", "wikis", 0, 9),
		entry("a000008", "Alice", "abra app upgrade b", "s1", "wikis", 1, 8),
		entry("b000007", "Bob", "abra app deploy c", "", "", 0, 7),
		entry("a000006", "Alice", "abra app upgrade a", "s1", "wikis", 0, 6),
		entry("a000005", "Alice", "opsync session start: wikis", "s1", "wikis", 0, 5),
		entry("c000004", "Carol", "abra app deploy d", "s2", "", 0, 4),
		{Commit: "d000003000000000", Author: "Dana", Time: at(3), Manual: true, Entry: oplog.Entry{Line: "by hand"}},
	}
}

func printSessions(t *testing.T, oneline bool, les []engine.LogEntry) string {
	t.Helper()
	var b bytes.Buffer
	sp := &sessionPrinter{w: &b, p: ui.Palette{}, oneline: oneline}
	for _, le := range les {
		if err := sp.entry(le); err != nil {
			t.Fatal(err)
		}
	}
	if err := sp.flush(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A session's consecutive entries go under one header, indented; another
// operator's entry between them stays where it is and the header is
// repeated below it; entries outside sessions are not indented.
func TestLogGroupsSessionRuns(t *testing.T) {
	got := printSessions(t, false, sessionLog())
	want := `session s1  wikis
  a000009 2026-12-02 14:09  Alice     opsync session end: wikis  exit 0
  a000008 2026-12-02 14:08  Alice     abra app upgrade b  exit 1, failed
b000007 2026-12-02 14:07  Bob       abra app deploy c  exit 0
session s1  wikis
  a000006 2026-12-02 14:06  Alice     abra app upgrade a  exit 0
  a000005 2026-12-02 14:05  Alice     opsync session start: wikis  exit 0
session s2  (its start entry is not in this log)
  c000004 2026-12-02 14:04  Carol     abra app deploy d  exit 0
d000003 2026-12-02 14:03  Dana      by hand  (manual)
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// --oneline: each run is one line, with the newest entry's id and time,
// its authors, the count (and failures) and the times it spans.
func TestLogOnelineCollapsesSessionRuns(t *testing.T) {
	got := printSessions(t, true, sessionLog())
	want := `a000009 2026-12-02 14:09  Alice     session s1  wikis  2 entries, 1 failed  14:08–14:09
b000007 2026-12-02 14:07  Bob       abra app deploy c  exit 0
a000006 2026-12-02 14:06  Alice     session s1  wikis  2 entries  14:05–14:06
c000004 2026-12-02 14:04  Carol     session s2  (its start entry is not in this log)  1 entry  14:04–14:04
d000003 2026-12-02 14:03  Dana      by hand  (manual)
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// Two sessions back to back are two runs; the summary and id, a
// teammate's text, are escaped.
func TestLogSessionHeadersEscaped(t *testing.T) {
	les := []engine.LogEntry{
		{Commit: "e1", Author: "Eve", Entry: oplog.Entry{Line: "x", Command: "x", Session: "s3"}, SessionSummary: "evil\x1b[2Jsummary"},
		{Commit: "e2", Author: "Eve", Entry: oplog.Entry{Line: "y", Command: "y", Session: "s4"}, SessionSummary: "other"},
	}
	got := printSessions(t, false, les)
	if strings.Contains(got, "\x1b") || !strings.Contains(got, `session s3  evil\x1b[2Jsummary`) {
		t.Errorf("summary not escaped:\n%q", got)
	}
	if strings.Count(got, "session s") != 2 {
		t.Errorf("want two headers:\n%s", got)
	}
}

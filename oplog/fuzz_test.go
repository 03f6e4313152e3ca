package oplog

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzParse: any commit message — an entry, a commit made by hand, noise
// — is read without a panic, and an entry read from it is a fixed point of
// Format and Parse: written out and read back it is the same entry, and
// written out again the same message.
func FuzzParse(f *testing.F) {
	f.Add(Format(Entry{Line: "abra app deploy foo.example.org 1.2.0+1.21", Command: "app deploy", App: "foo.example.org",
		Server: "s1", Exit: 0, Duration: 41200 * time.Millisecond, Operator: "Alice <a@example.org> on laptop", Version: "0.1.0"}))
	f.Add("fix a typo by hand\n\nSigned-off-by: Bob <b@example.org>\n")
	f.Add("subject\n\nbody\n\nOpsync-Command: app undeploy\nopsync-exit: 3\n  folded\nOpsync-Future: x\n")
	f.Add("\r\n\r\nOpsync-Command:\r\n")
	f.Fuzz(func(t *testing.T, msg string) {
		ParseTrailers(msg)
		e, ok := Parse(msg)
		if !ok {
			return
		}
		m1 := Format(e)
		e2, ok2 := Parse(m1)
		if !ok2 {
			t.Fatalf("Format(Parse(%q)) = %q, which is not an entry", msg, m1)
		}
		if m2 := Format(e2); m2 != m1 {
			t.Fatalf("Format∘Parse is not stable for %q:\n%q\nthen\n%q", msg, m1, m2)
		}
		if e3, _ := Parse(Format(e2)); !reflect.DeepEqual(e3, e2) {
			t.Fatalf("Parse(Format(e)) != e for e = %#v: %#v", e2, e3)
		}
	})
}

// FuzzFormatParse: an entry built from any field values is written as a
// commit message whose subject is one line and whose trailers git reads as
// trailers (the last paragraph, "Key: value" lines), and Parse reads back
// exactly what Format wrote: every value cleaned to one line, the duration
// as rounded for people.
func FuzzFormatParse(f *testing.F) {
	f.Add("abra app deploy foo 1.2.0", "app deploy", "foo", "s1", "Alice <a@example.org> on laptop", "0.1.0", "", "", "", "", 0, int64(41200*time.Millisecond))
	f.Add("abra app move foo s2", "app move", "foo", "s1", "Bob <b@b> on x", "dev", "s2", "s1", "sess", "TYPE kept local 1, remote had 2", 1, int64(-1))
	f.Add("", "\n", "a\x00b", "\u2028", " ", "\xff", "x\ny", "\r", "\t", "\n", -130, int64(1<<62))
	f.Fuzz(func(t *testing.T, line, command, app, server, operator, version, movedTo, movedFrom, session, resolved string, exit int, duration int64) {
		e := Entry{Line: line, Command: command, App: app, Server: server, Exit: exit, Duration: time.Duration(duration),
			Operator: operator, Version: version, MovedTo: movedTo, MovedFrom: movedFrom, Session: session}
		if resolved != "" {
			e.Resolved = []string{resolved}
		}
		msg := Format(e)
		subject, rest, _ := strings.Cut(msg, "\n")
		if subject == "" || strings.ContainsAny(subject, "\r\u2028\u2029\u0085") || !strings.HasPrefix(rest, "\n") {
			t.Fatalf("Format(%#v): subject %q is not one line followed by a blank line", e, subject)
		}
		paragraphs := strings.Split(strings.TrimRight(msg, "\n"), "\n\n")
		for _, l := range strings.Split(paragraphs[len(paragraphs)-1], "\n") {
			k, _, found := strings.Cut(l, ": ")
			if !found || !strings.HasPrefix(k, "Opsync-") || strings.ContainsAny(k, " \t") {
				t.Fatalf("Format(%#v): %q in the trailer paragraph is not a trailer:\n%s", e, l, msg)
			}
		}
		got, ok := Parse(msg)
		if !ok {
			t.Fatalf("Parse(Format(%#v)) is not an entry:\n%s", e, msg)
		}
		want := Entry{Line: subject, Command: clean(command), App: clean(app), Server: clean(server), Exit: exit,
			Operator: clean(operator), Version: clean(version), MovedTo: clean(movedTo), MovedFrom: clean(movedFrom),
			Session: clean(session)}
		if e.Duration > 0 {
			want.Duration, _ = time.ParseDuration(FormatDuration(e.Duration))
		}
		if clean(resolved) != "" {
			want.Resolved = []string{clean(resolved)}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse(Format(e)):\n got %#v\nwant %#v\nmessage:\n%s", got, want, msg)
		}
	})
}

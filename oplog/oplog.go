// Package oplog is the operator log's format: one git commit per logged abra
// command, whose message is readable by people (the subject is the command
// as typed, canonicalised and with secrets redacted; the body says how it
// ended) and by programs (git trailers, one per line, all named Opsync-*).
//
//	abra app deploy foo.example.org 1.2.0+1.21
//
//	exit 0, took 41.2s
//
//	Opsync-Command: app deploy
//	Opsync-App: foo.example.org
//	Opsync-Server: server1.example.org
//	Opsync-Exit: 0
//	Opsync-Duration: 41.2s
//	Opsync-Deployed: foo:1.2.0+1.21
//	Opsync-Operator: Alice <alice@example.org> on laptop
//	Opsync-Version: 0.1.0
//
// Format and Parse are inverses; trailers opsync does not know are kept in
// Extra, so entries written by a newer opsync read back whole.
package oplog

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Trailer keys.
const (
	KeyCommand  = "Opsync-Command"
	KeyApp      = "Opsync-App"
	KeyServer   = "Opsync-Server"
	KeyExit     = "Opsync-Exit"
	KeyDuration = "Opsync-Duration"
	KeyOperator = "Opsync-Operator"
	KeyVersion  = "Opsync-Version"
	KeyMovedTo  = "Opsync-Moved-To"
	KeyMoveFrom = "Opsync-Moved-From"
	KeySession  = "Opsync-Session"
	KeyResolved = "Opsync-Resolved"
	KeyReason   = "Opsync-Reason"
	KeyDeployed = "Opsync-Deployed"
)

// Entry is one operator log entry.
type Entry struct {
	// Line is the command as typed, canonicalised and redacted: the subject.
	Line string `json:"line"`
	// Command is the canonical command path, e.g. "app deploy".
	Command string `json:"command"`
	App     string `json:"app,omitempty"`
	Server  string `json:"server,omitempty"`
	// Deployed is what a command that writes the version line (deploy,
	// upgrade, rollback, …) left in the env file: "<recipe>:<version>" as
	// abra wrote it (chaos versions included).
	Deployed string        `json:"deployed,omitempty"`
	Exit     int           `json:"exit"`
	Duration time.Duration `json:"-"`
	// Operator is the git identity and host: "Alice <a@example.org> on laptop".
	Operator string `json:"operator"`
	Version  string `json:"opsync_version,omitempty"`
	// MovedTo is set on the old server's side of app move, MovedFrom on the
	// new server's side (both on a move within one repository).
	MovedTo   string `json:"moved_to,omitempty"`
	MovedFrom string `json:"moved_from,omitempty"`
	// Session groups related entries (a named piece of work).
	Session string `json:"session,omitempty"`
	// Resolved notes a conflict opsync resolved while syncing this entry.
	Resolved []string `json:"resolved,omitempty"`
	// Reason is why the operator ran the command (--reason, opsync commit
	// -m): in the body and an Opsync-Reason trailer.
	Reason string `json:"reason,omitempty"`
	// Notes are more body lines, for people (the keys an edit changed);
	// they are not read back.
	Notes []string `json:"-"`
	// Extra holds Opsync-* trailers this version does not know.
	Extra []Trailer `json:"extra,omitempty"`
}

// Trailer is one "Key: value" line.
type Trailer struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ExitUnknown is the Exit of an entry whose command's end nobody saw:
// opsync stopped (was killed) while abra ran, and a later opsync made the
// entry from what it had written down before abra started
// ("Opsync-Exit: unknown"). No exit status of a process is this number.
const ExitUnknown = math.MinInt32

// Unknown reports whether how the command ended is not known.
func (e Entry) Unknown() bool { return e.Exit == ExitUnknown }

// Failed reports whether the command exited non-zero (an unknown exit
// counts: someone should look at the server).
func (e Entry) Failed() bool { return e.Exit != 0 }

// Result is the body's first line: "exit 0, took 3.2s".
func (e Entry) Result() string {
	if e.Unknown() {
		return "exit unknown: opsync stopped while abra ran, so how abra ended was not seen; " +
			"the env file is as it was found afterwards. Check the app on the server"
	}
	r := fmt.Sprintf("exit %d", e.Exit)
	if e.Exit != 0 {
		r += ", failed"
	}
	if e.Duration > 0 {
		r += ", took " + FormatDuration(e.Duration)
	}
	return r
}

// FormatDuration rounds a duration for people: 41.2s, 3m5s, 250ms.
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// clean makes a value safe for a one-line trailer.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029' || r == '\u0085':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return strings.TrimSpace(s)
}

// Trailers returns the entry's trailers in their fixed order.
func (e Entry) Trailers() []Trailer {
	t := []Trailer{{KeyCommand, e.Command}}
	add := func(k, v string) {
		// A value that cleans away to nothing is left out like an empty
		// one: an empty trailer says nothing.
		if clean(v) != "" {
			t = append(t, Trailer{k, v})
		}
	}
	add(KeyApp, e.App)
	add(KeyServer, e.Server)
	add(KeyMovedTo, e.MovedTo)
	add(KeyMoveFrom, e.MovedFrom)
	exit := strconv.Itoa(e.Exit)
	if e.Unknown() {
		exit = "unknown"
	}
	t = append(t, Trailer{KeyExit, exit})
	if e.Duration > 0 {
		add(KeyDuration, FormatDuration(e.Duration))
	}
	add(KeyDeployed, e.Deployed)
	add(KeyOperator, e.Operator)
	add(KeySession, e.Session)
	add(KeyReason, e.Reason)
	for _, r := range e.Resolved {
		add(KeyResolved, r)
	}
	add(KeyVersion, e.Version)
	t = append(t, e.Extra...)
	for i := range t {
		t[i].Value = clean(t[i].Value)
	}
	return t
}

// Format renders the commit message.
func Format(e Entry) string {
	var b strings.Builder
	subject := clean(e.Line)
	if subject == "" {
		subject = strings.TrimSpace("abra " + clean(e.Command))
	}
	b.WriteString(subject)
	b.WriteString("\n\n")
	b.WriteString(e.Result())
	b.WriteString("\n")
	to, from := clean(e.MovedTo), clean(e.MovedFrom)
	switch {
	case to != "" && from != "":
		fmt.Fprintf(&b, "moved from server %s to server %s\n", from, to)
	case to != "":
		fmt.Fprintf(&b, "moved away from this server to server %s\n", to)
	case from != "":
		fmt.Fprintf(&b, "moved here from server %s\n", from)
	}
	if r := clean(e.Reason); r != "" {
		fmt.Fprintf(&b, "reason: %s\n", r)
	}
	for _, n := range e.Notes {
		if n = clean(n); n != "" {
			b.WriteString(n + "\n")
		}
	}
	b.WriteString("\n")
	for _, t := range e.Trailers() {
		fmt.Fprintf(&b, "%s: %s\n", t.Key, t.Value)
	}
	return b.String()
}

// Parse reads a commit message back. ok is false when the message has no
// Opsync-Command trailer (a commit made by hand).
func Parse(msg string) (e Entry, ok bool) {
	msg = strings.ReplaceAll(msg, "\r\n", "\n")
	subject, _, _ := strings.Cut(strings.TrimLeft(msg, "\n"), "\n")
	e.Line = strings.TrimSpace(subject)
	for _, t := range ParseTrailers(msg) {
		switch t.Key {
		case KeyCommand:
			e.Command, ok = t.Value, true
		case KeyApp:
			e.App = t.Value
		case KeyServer:
			e.Server = t.Value
		case KeyExit:
			if t.Value == "unknown" {
				e.Exit = ExitUnknown
			} else {
				e.Exit, _ = strconv.Atoi(t.Value)
			}
		case KeyDuration:
			e.Duration, _ = time.ParseDuration(t.Value)
		case KeyOperator:
			e.Operator = t.Value
		case KeyVersion:
			e.Version = t.Value
		case KeyMovedTo:
			e.MovedTo = t.Value
		case KeyMoveFrom:
			e.MovedFrom = t.Value
		case KeySession:
			e.Session = t.Value
		case KeyResolved:
			e.Resolved = append(e.Resolved, t.Value)
		case KeyReason:
			e.Reason = t.Value
		case KeyDeployed:
			e.Deployed = t.Value
		default:
			if len(t.Key) > len("Opsync-") && strings.EqualFold(t.Key[:len("Opsync-")], "Opsync-") {
				e.Extra = append(e.Extra, t)
			}
		}
	}
	return e, ok
}

// ParseTrailers returns the "Key: value" lines of the message's last
// paragraph, the way git finds trailers. Keys are compared
// case-insensitively by git; they are returned with opsync's spelling when
// known.
func ParseTrailers(msg string) []Trailer {
	msg = strings.TrimRight(strings.ReplaceAll(msg, "\r\n", "\n"), "\n ")
	i := strings.LastIndex(msg, "\n\n")
	if i < 0 {
		return nil // a subject alone has no trailers
	}
	var out []Trailer
	for _, line := range strings.Split(msg[i+2:], "\n") {
		k, v, found := strings.Cut(line, ":")
		if !found || k == "" || strings.ContainsAny(k, " \t") {
			if len(out) > 0 && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) {
				out[len(out)-1].Value += " " + strings.TrimSpace(line) // folded line
			}
			continue
		}
		out = append(out, Trailer{Key: canonicalKey(k), Value: strings.TrimSpace(v)})
	}
	return out
}

var knownKeys = []string{KeyCommand, KeyApp, KeyServer, KeyExit, KeyDuration, KeyOperator,
	KeyVersion, KeyMovedTo, KeyMoveFrom, KeySession, KeyResolved, KeyReason, KeyDeployed}

func canonicalKey(k string) string {
	for _, known := range knownKeys {
		if strings.EqualFold(k, known) {
			return known
		}
	}
	return k
}

// OperatorName returns the identity part of an Operator value ("Alice
// <a@example.org>"), and OperatorHost the host.
func OperatorName(op string) string {
	if i := strings.LastIndex(op, "> on "); i >= 0 {
		return op[:i+1]
	}
	return op
}

// OperatorHost returns the host of an Operator value, "" if none.
func OperatorHost(op string) string {
	if i := strings.LastIndex(op, "> on "); i >= 0 {
		return op[i+len("> on "):]
	}
	return ""
}

// MarshalJSON adds the duration in seconds.
func (e Entry) MarshalJSON() ([]byte, error) {
	type plain Entry
	return json.Marshal(struct {
		plain
		DurationSeconds float64 `json:"duration_seconds"`
	}{plain(e), e.Duration.Seconds()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *Entry) UnmarshalJSON(b []byte) error {
	type plain Entry
	var v struct {
		plain
		DurationSeconds float64 `json:"duration_seconds"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = Entry(v.plain)
	// Rounded, not truncated: 1.001 seconds is 1000999999.99… ns as a float.
	e.Duration = time.Duration(math.Round(v.DurationSeconds * float64(time.Second)))
	return nil
}

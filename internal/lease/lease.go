// Package lease keeps app leases on a git remote: "alice is deploying
// foo.example.org since 14:02". A lease is a ref,
// refs/opsync/leases/<server>/<app>, pointing at a commit (of the empty
// tree, with no parent) whose message names the holder: lease id,
// operator, host, command, when it started and when it expires.
//
// Nothing but a git remote is needed. Every change is a compare-and-swap
// push: taking a lease pushes with --force-with-lease=<ref>: ("must not
// exist"), taking over an expired one or renewing one names the commit it
// replaces, and releasing or breaking one deletes the ref only if it is
// still that commit. git's receive-pack checks the expected value under
// the ref's lock, so of two operators pushing at once exactly one wins,
// over file://, ssh or a forge's https alike.
//
// A holder renews its lease while its command runs (Heartbeat); a holder
// that dies leaves a lease that simply expires, and the next operator
// takes it over. Clocks are compared: the operators' clocks should be
// right to within a small part of the lease's time to live.
package lease

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/ui"
	"coopcloud.tech/opsync/oplog"
)

// RefPrefix is where leases live on the remote.
const RefPrefix = "refs/opsync/leases/"

// copyPrefix is where a repository keeps its copies of a remote's leases,
// read with fetch (never pushed: it is not under refs/heads or refs/tags).
const copyPrefix = "refs/opsync/remote-leases/"

// DefaultTTL is how long a lease lasts without renewal.
const DefaultTTL = 30 * time.Minute

// Trailer keys of a lease commit's message.
const (
	keyID       = "Opsync-Lease"
	keyApp      = "Opsync-Lease-App"
	keyServer   = "Opsync-Lease-Server"
	keyOperator = "Opsync-Lease-Operator"
	keyHost     = "Opsync-Lease-Host"
	keyPID      = "Opsync-Lease-Pid"
	keyCommand  = "Opsync-Lease-Command"
	keyStarted  = "Opsync-Lease-Started"
	keyRenewed  = "Opsync-Lease-Renewed"
	keyExpires  = "Opsync-Lease-Expires"
)

// Lease is who holds an app, doing what, since and until when.
type Lease struct {
	ID       string    `json:"id"`
	Server   string    `json:"server"`
	App      string    `json:"app"`
	Operator string    `json:"operator"` // git identity, "Alice <alice@example.org>"
	Host     string    `json:"host"`
	PID      int       `json:"pid,omitempty"`
	Command  string    `json:"command"` // redacted abra command line
	Started  time.Time `json:"started"`
	Renewed  time.Time `json:"renewed,omitzero"`
	Expires  time.Time `json:"expires"`
	// Commit is the lease commit the remote's ref points at.
	Commit string `json:"commit,omitempty"`
	// Remote is the remote the lease was read from (List).
	Remote string `json:"remote,omitempty"`
}

// Ref is the lease ref of an app.
func Ref(server, app string) string { return RefPrefix + server + "/" + app }

// Expired reports whether the lease has run out at now.
func (l Lease) Expired(now time.Time) bool { return !now.Before(l.Expires) }

// NewID returns a fresh lease id: 12 hex digits, short enough to type.
func NewID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Holder describes who holds it and doing what, for messages:
// "Alice <alice@example.org> on laptop (pid 123) is running `abra app
// deploy …`".
func (l Lease) Holder() string {
	who := l.Operator
	if l.Host != "" {
		who += " on " + l.Host
	}
	if l.PID > 0 {
		who += fmt.Sprintf(" (pid %d)", l.PID)
	}
	return who
}

// Escaped returns the lease with every text field passed through
// ui.Escape, for printing: a lease ref is a teammate's text, and must not
// move the cursor, clear a line, set the window title or reorder what
// follows it on the terminal. JSON output uses the lease itself.
func (l Lease) Escaped() Lease {
	for _, f := range []*string{&l.ID, &l.Server, &l.App, &l.Operator, &l.Host, &l.Command, &l.Commit, &l.Remote} {
		*f = ui.Escape(*f)
	}
	return l
}

// Message is the lease commit's message.
func (l Lease) Message() string {
	var b strings.Builder
	fmt.Fprintf(&b, "opsync lease: %s on %s\n\n", clean(l.App), clean(l.Server))
	add := func(k, v string) {
		if v = clean(v); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	add(keyID, l.ID)
	add(keyApp, l.App)
	add(keyServer, l.Server)
	add(keyOperator, l.Operator)
	add(keyHost, l.Host)
	if l.PID > 0 {
		add(keyPID, strconv.Itoa(l.PID))
	}
	add(keyCommand, l.Command)
	add(keyStarted, stamp(l.Started))
	if !l.Renewed.IsZero() {
		add(keyRenewed, stamp(l.Renewed))
	}
	add(keyExpires, stamp(l.Expires))
	return b.String()
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func clean(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s))
}

// ErrNotLease means a commit's message is not a lease's.
var ErrNotLease = errors.New("not an opsync lease")

// Parse reads a lease commit's message.
func Parse(msg string) (Lease, error) {
	var l Lease
	var err error
	for _, t := range oplog.ParseTrailers(msg) {
		switch t.Key {
		case keyID:
			l.ID = t.Value
		case keyApp:
			l.App = t.Value
		case keyServer:
			l.Server = t.Value
		case keyOperator:
			l.Operator = t.Value
		case keyHost:
			l.Host = t.Value
		case keyPID:
			l.PID, _ = strconv.Atoi(t.Value)
		case keyCommand:
			l.Command = t.Value
		case keyStarted:
			l.Started, err = time.Parse(time.RFC3339, t.Value)
		case keyRenewed:
			l.Renewed, err = time.Parse(time.RFC3339, t.Value)
		case keyExpires:
			l.Expires, err = time.Parse(time.RFC3339, t.Value)
		}
		if err != nil {
			return Lease{}, fmt.Errorf("%w: %s: %v", ErrNotLease, t.Key, err)
		}
	}
	if l.ID == "" || l.Expires.IsZero() {
		return Lease{}, ErrNotLease
	}
	return l, nil
}

// Clock formats a time for messages: "14:02:03" today, else with the date.
func Clock(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04:05")
}

// CheckName reports whether a server and app name can be parts of a lease
// ref (git's rules for ref names).
func CheckName(server, app string) error {
	for _, n := range []string{server, app} {
		if n == "" || n[0] == '.' || strings.HasSuffix(n, ".lock") || strings.HasSuffix(n, ".") ||
			strings.Contains(n, "..") || strings.Contains(n, "@{") || n == "@" ||
			strings.ContainsAny(n, " ~^:?*[\\/") || strings.IndexFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			return fmt.Errorf("%q cannot be part of a git ref name", n)
		}
	}
	return nil
}

package engine

import "fmt"

// The kinds of Event. The root package gives them to embedders as
// opsync.EventKind values; the CLI renders them as `opsync:` lines.
const (
	EventPulled          = "pulled"            // a pull brought changes (or, verbosely, nothing)
	EventLogged          = "logged"            // a log entry was committed (and pushed, or why not)
	EventUnchanged       = "unchanged"         // an edit left the env file as it was: nothing logged
	EventWaitingForLock  = "waiting-for-lock"  // another opsync runs git in the repository
	EventWaitingForLease = "waiting-for-lease" // a teammate's lease on the app (--wait)
	EventLeaseTakenOver  = "lease-taken-over"  // an expired lease was taken over
	EventLeaseReleased   = "lease-released"    // a lease an interrupted command held was released
	EventResolved        = "conflict-resolved" // a version-line conflict was settled (Opsync-Resolved)
	EventNote            = "note"              // something the operator should know
	EventWarning         = "warning"           // something went wrong; the command goes on
	EventError           = "error"             // something went wrong after abra ran
)

// Event is one thing the engine tells the operator. Message is a sentence
// (sometimes several lines) for people, without any prefix: how to show it
// — and the "warning:" or "error:" before it — is the reporter's.
type Event struct {
	Kind    string
	Message string
}

func (e *Engine) event(kind, format string, args ...any) {
	e.o.Report(Event{Kind: kind, Message: fmt.Sprintf(format, args...)})
}

func (e *Engine) warn(format string, args ...any)     { e.event(EventWarning, format, args...) }
func (e *Engine) note(format string, args ...any)     { e.event(EventNote, format, args...) }
func (e *Engine) sayError(format string, args ...any) { e.event(EventError, format, args...) }

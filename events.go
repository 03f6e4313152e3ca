package opsync

import "coopcloud.tech/opsync/internal/engine"

// EventKind says what an Event is about.
type EventKind string

// The kinds of Event.
const (
	EventPulled          EventKind = engine.EventPulled          // a pull brought changes
	EventLogged          EventKind = engine.EventLogged          // a log entry was committed, and pushed or why not
	EventUnchanged       EventKind = engine.EventUnchanged       // an edit left the env file as it was: nothing logged
	EventWaitingForLock  EventKind = engine.EventWaitingForLock  // another opsync runs git in the repository
	EventWaitingForLease EventKind = engine.EventWaitingForLease // a teammate holds a lease on the app (--wait)
	EventLeaseTakenOver  EventKind = engine.EventLeaseTakenOver  // an expired lease was taken over
	EventLeaseReleased   EventKind = engine.EventLeaseReleased   // the lease of an interrupted command was released
	EventResolved        EventKind = engine.EventResolved        // a version-line conflict was settled (Opsync-Resolved)
	EventNote            EventKind = engine.EventNote            // something the operator should know
	EventWarning         EventKind = engine.EventWarning         // something went wrong; the command goes on
	EventError           EventKind = engine.EventError           // something went wrong after the command ran
)

// Event is one thing opsync tells the operator while it works. Message is
// for people: a sentence, sometimes several lines, without a prefix. The
// opsync program prints it as "opsync: <message>" ("opsync: warning: …"
// for EventWarning, EventError and EventNote); abra would give it to its
// own logger, at the level the kind suggests.
type Event struct {
	Kind    EventKind
	Message string
}

// Reporter receives Events. Report is called from the goroutine that
// called Before or After, and from the lease heartbeat while the command
// runs: it must be safe for concurrent use.
type Reporter interface{ Report(Event) }

// ReporterFunc is a Reporter that is a function.
type ReporterFunc func(Event)

// Report calls f(ev).
func (f ReporterFunc) Report(ev Event) { f(ev) }

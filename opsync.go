package opsync

import (
	"context"
	"errors"
	"time"

	"coopcloud.tech/opsync/internal/engine"
)

// Exit statuses opsync uses for itself. Whenever abra ran, its own status
// wins, except that a successful abra whose log entry could not be pushed
// or committed ends with ExitNotPushed or ExitNotLogged.
const (
	ExitUsage      = engine.ExitUsage      // 64: the command line was refused (bad app name, app not found, ambiguous app)
	ExitNoAbra     = engine.ExitNoAbra     // 69: the real abra was not found, or the one found is opsync itself
	ExitInternal   = engine.ExitInternal   // 70: a bug in opsync
	ExitNotPushed  = engine.ExitNotPushed  // 75: abra succeeded; the log entry is committed locally but not pushed
	ExitNotLogged  = engine.ExitNotLogged  // 76: abra succeeded; the log entry could not be committed
	ExitSyncFailed = engine.ExitSyncFailed // 77: the pull before a modifying command failed; abra was not run
	ExitConfig     = engine.ExitConfig     // 78: abra.yml (operator_sync:) or OPSYNC* variables are invalid
)

// Options configure an Engine. The zero value works: it uses the process's
// working directory and environment, and tells nothing. Getenv also gives
// entries the operator's session, as the opsync program's: OPSYNC_SESSION,
// else the one `opsync session start` keeps under XDG_STATE_HOME or HOME.
type Options struct {
	Dir    string              // where abra.yml is looked for; "" = working directory
	Getenv func(string) string // nil = os.Getenv
	Now    func() time.Time    // nil = time.Now
	// After is Now's timer (nil = time.After): it paces lease renewals
	// and the polls of a lease being waited for.
	After   func(time.Duration) <-chan time.Time
	Version string // the embedder's version, for the Opsync-Version trailer
	Host    string // host name for Opsync-Operator; "" = os.Hostname
	GitPath string // git program; "" = git from PATH
	// GitTrace is called before every git process opsync starts (for
	// tests and benchmarks that count them).
	GitTrace func(args []string)
	// Reporter receives what opsync tells the operator; nil = nothing.
	Reporter Reporter
	// MergeDriver is the git merge driver command for env files that
	// opsync's pulls pass to git: a command that calls MergeDriver (as
	// `opsync merge-driver %O %A %B %P` does); "" leaves env files to
	// git's line merge.
	MergeDriver string
	// ShareSSH lets a command's git processes share one ssh connection to
	// an ssh remote, where the operator's own set-up allows it. The caller
	// must then call Engine.Close when done, or the shared connection
	// lingers (up to two minutes) after it exits.
	ShareSSH bool
}

// Engine plans and carries out operator sync around abra commands.
type Engine struct{ e *engine.Engine }

// New returns an Engine.
func New(o Options) *Engine {
	eo := engine.Options{Dir: o.Dir, Getenv: o.Getenv, Now: o.Now, After: o.After, Version: o.Version, Host: o.Host,
		GitPath: o.GitPath, GitTrace: o.GitTrace, MergeDriver: o.MergeDriver, ShareSSH: o.ShareSSH}
	if r := o.Reporter; r != nil {
		eo.Report = func(ev engine.Event) { r.Report(Event{Kind: EventKind(ev.Kind), Message: ev.Message}) }
	}
	return &Engine{e: engine.New(eo)}
}

// Close ends the ssh connection the engine's git processes shared, if they
// shared one (Options.ShareSSH). It does nothing otherwise.
func (e *Engine) Close() { e.e.Close() }

// Error is an error opsync reports instead of running abra (or the
// command), with the exit status to end with.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// publicError turns the engine's errors into Error.
func publicError(err error) error {
	var ee *engine.Error
	if errors.As(err, &ee) {
		return &Error{Code: ee.Code, Err: ee.Err}
	}
	return err
}

// MergeDriver is opsync's env-aware git merge driver, for an embedder to
// offer as a command of its own (`opsync merge-driver %O %A %B %P` is one):
// it merges the three files git gives a merge driver (base, ours, theirs),
// writes the result into ours, and names the conflicts it marked there, by
// key and never by value; none for a clean merge. git expects the driver
// to exit 0 for a clean merge and 1 for a conflict.
func MergeDriver(ctx context.Context, base, ours, theirs string) (conflicts []string, err error) {
	return engine.MergeFiles(ctx, base, ours, theirs)
}

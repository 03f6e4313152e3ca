package engine

import (
	"fmt"
	"os"
	"time"

	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/ui"
)

// Exit statuses opsync uses for itself. Whenever abra ran, its own status
// wins, except that a successful abra whose log entry could not be pushed
// or committed ends with ExitNotPushed or ExitNotLogged.
const (
	ExitUsage      = 64 // the command line was refused (bad app name, app not found, ambiguous app)
	ExitNoAbra     = 69 // the real abra was not found, or the one found is opsync itself
	ExitInternal   = 70 // a bug in opsync
	ExitNotPushed  = 75 // abra succeeded; the log entry is committed locally but not pushed (opsync sync: pulled, the push failed)
	ExitNotLogged  = 76 // abra succeeded; the log entry could not be committed
	ExitSyncFailed = 77 // the pull before a modifying command failed; abra was not run (opsync sync: a repository could not be synced)
	ExitConfig     = 78 // abra.yml (operator_sync:) or OPSYNC* variables are invalid (opsync sync, log: nothing is set up for sync)
)

// Options configure an Engine. The zero value works: it uses the process's
// working directory, environment and stderr.
type Options struct {
	Dir    string              // where abra.yml is looked for; "" = working directory
	Getenv func(string) string // nil = os.Getenv
	// Report receives what the engine tells the operator (pulled, logged,
	// waiting for a lock, warnings…); nil = nothing is told.
	Report   func(Event)
	Now      func() time.Time    // nil = time.Now
	Version  string              // opsync's version, for the Opsync-Version trailer
	Host     string              // host name for Opsync-Operator; "" = os.Hostname
	GitPath  string              // git program; "" = git from PATH
	GitTrace func(args []string) // called before every git process (tests, benchmarks)
	// After is Now's timer (nil = time.After): it paces the renewals of a
	// lease while abra runs and the polls of a lease being waited for, so a
	// test clock that jumps drives them too.
	After func(time.Duration) <-chan time.Time
	// MergeDriver is the git merge driver command for env files that
	// opsync's pulls pass to git (MergeDriverCommand of the opsync
	// program); "" leaves env files to git's line merge.
	MergeDriver string
	// ShareSSH lets a command's git processes share one ssh connection to
	// an ssh remote (git.SSHShare), where the operator's own set-up allows
	// it. The caller must then call Engine.Close when done, or the shared
	// connection lingers (up to two minutes) after it exits.
	ShareSSH bool
}

// Engine plans and carries out operator sync around abra commands.
type Engine struct {
	o   Options
	ssh *git.SSHShare // nil unless Options.ShareSSH
}

// New returns an Engine.
func New(o Options) *Engine {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Report == nil {
		o.Report = func(Event) {}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Dir == "" {
		o.Dir, _ = os.Getwd()
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	e := &Engine{o: o}
	if o.ShareSSH {
		e.ssh = &git.SSHShare{}
	}
	return e
}

// Close ends the ssh connection the engine's git processes shared, if they
// shared one (Options.ShareSSH), so that nothing of opsync's outlives it.
// It does nothing otherwise.
func (e *Engine) Close() { e.ssh.Close() }

// Error is an error opsync reports instead of running abra, with the exit
// status to end with.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func refuse(code int, format string, args ...any) *Error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// display shortens a path under the home directory to ~/….
func (e *Engine) display(path string) string { return ui.HomePath(path, e.o.Getenv("HOME")) }

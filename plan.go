package opsync

import (
	"context"
	"time"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/oplog"
)

// Command is an abra command as abra itself has parsed it: what abra
// passes to PlanCommand when it embeds opsync, instead of its command line.
type Command struct {
	// Path is the command's path below abra, aliases resolved: the words
	// of cobra's CommandPath() after "abra", e.g. ["app", "deploy"].
	Path []string
	// Args are the positional arguments (cobra's args), in order.
	Args []string
	// ArgsLenAtDash is cobra's ArgsLenAtDash(): how many of Args came
	// before a "--", or -1 when there was none.
	ArgsLenAtDash int
	// Flags are the flags set on the command line (cobra's Flags().Visit),
	// by long name, with their values as pflag prints them ("true" for a
	// boolean). opsync's own flags (no-operator-sync, no-operator-log,
	// force-sync, lease, no-lease, wait, reason) may be among them.
	Flags map[string]string
	// AbraDir is abra's directory as abra resolved it; "" = found as abra
	// finds it.
	AbraDir string
}

// PlanArgs reads an abra command line (without the program name) and
// decides what opsync does around it: the opsync wrapper's way in. It runs
// neither git nor abra; it reads abra.yml, lists server directories and
// reads small files in git directories. A refused command line is an
// *Error.
func (e *Engine) PlanArgs(argv []string) (*Plan, error) {
	p, err := e.e.Plan(argv)
	if err != nil {
		return nil, publicError(err)
	}
	return &Plan{p: p}, nil
}

// PlanCommand is PlanArgs for a command abra has parsed itself: abra's way
// in when it embeds opsync. It decides exactly what PlanArgs decides for
// the same command line.
func (e *Engine) PlanCommand(c Command) (*Plan, error) {
	p, err := e.e.PlanIn(abra.CommandLine(c.Path, c.Args, c.ArgsLenAtDash, c.Flags), c.AbraDir)
	if err != nil {
		return nil, publicError(err)
	}
	return &Plan{p: p}, nil
}

// Plan is what opsync will do around one abra command, and then what it
// did: Before runs before the command, After after it.
type Plan struct {
	p   *engine.Plan
	run *engine.Run // from Before on
}

// carriedOut is the run that carries the plan out, begun by the first step
// that needs it.
func (p *Plan) carriedOut() *engine.Run {
	if p.run == nil {
		p.run = p.p.Run()
	}
	return p.run
}

// Active reports whether opsync does anything around the command; Reason
// says why or why not.
func (p *Plan) Active() bool { return p.p.Active }

// Reason says why opsync does (or does nothing) around the command.
func (p *Plan) Reason() string { return p.p.Reason }

// Modifies reports whether the command changes a server (or edits an env
// file) and is logged.
func (p *Plan) Modifies() bool { return p.p.Modifies }

// Pulls reports whether Before pulls at least one repository.
func (p *Plan) Pulls() bool { return p.p.Pulls() }

// Commits reports whether After commits log entries.
func (p *Plan) Commits() bool { return p.p.Commits() }

// Pushes reports whether After pushes them.
func (p *Plan) Pushes() bool { return p.p.Pushes() }

// TakesLeases reports whether Before takes app leases on the remote.
func (p *Plan) TakesLeases() bool { return p.p.Lease() }

// App is the app the command acts on, "" when none.
func (p *Plan) App() string { return p.p.App() }

// Server is the server the app is on, "" when not known (yet).
func (p *Plan) Server() string { return p.p.Server() }

// CommandName is the canonical command path, aliases resolved ("app deploy").
func (p *Plan) CommandName() string { return p.p.Inv.CommandName() }

// Line is the log entry's subject: the command line, canonical and
// redacted.
func (p *Plan) Line() string { return p.p.Line }

// Paths lists the env files the log entries would commit, as abra names
// them.
func (p *Plan) Paths() []string { return p.p.Paths() }

// AbraArgs is exactly what abra is given (opsync's own flags removed).
func (p *Plan) AbraArgs() []string { return append([]string{}, p.p.AbraArgs...) }

// RedactedAbraArgs is AbraArgs with what the log hides (secret data, what
// `app run` runs on the server) replaced by <redacted>.
func (p *Plan) RedactedAbraArgs() []string { return p.p.Inv.RedactedArgs() }

// Env is what to add to abra's environment: ABRA_DIR, so that abra and
// opsync agree on the directory whatever abra.yml says.
func (p *Plan) Env() []string { return append([]string{}, p.p.Env...) }

// AbraBin is the abra program abra.yml names (operator_sync: abra_bin),
// "" when it names none.
func (p *Plan) AbraBin() string {
	if p.p.Config == nil {
		return ""
	}
	return p.p.Config.Settings.AbraBin
}

// SuggestsSetup reports whether the command is an `abra server add` for
// which operator sync is not set up (a moment to suggest `opsync init`).
func (p *Plan) SuggestsSetup() bool { return p.p.SuggestsSetup() }

// Before runs before the command. For a modifying command it checks that a
// log entry can be made and pulls every repository the command logs to (and
// takes the app's lease when leasing is on); an error (an *Error) means the
// command must not run, and the repositories are as they were. For other
// commands a pull that fails is a warning and Before returns nil.
func (p *Plan) Before(ctx context.Context) error { return publicError(p.carriedOut().Before(ctx)) }

// Starting is called just before the command starts: it writes down what
// is about to run, so that an opsync killed while it runs is logged later
// (as exit unknown) rather than lost.
func (p *Plan) Starting() { p.carriedOut().WriteIntents() }

// Started records the process id of the command when it runs as a child
// (the opsync wrapper's abra): a later opsync waits for it to end before
// logging it. An embedder whose command runs in its own process need not
// call it.
func (p *Plan) Started(pid int) { p.carriedOut().AbraStarted(pid) }

// After runs after the command, whatever its exit status (a failed deploy
// may already have changed the server). For a modifying command it commits
// one log entry per repository, only the app's env file(s), then pushes,
// pulling and retrying when someone pushed first. It never loses a commit
// or leaves a half-done merge; leases are released, then the notify:
// hooks of the entries pushed run, and After waits for them (each within
// its timeout; a failure is a warning Event, never a changed Outcome).
func (p *Plan) After(ctx context.Context, exit int, took time.Duration) *Outcome {
	o := p.carriedOut().After(ctx, exit, took)
	return &Outcome{Entries: o.Entries, NotLogged: o.NotLogged, NotPushed: o.NotPushed}
}

// NotRun ends a plan whose command could not be started: nothing ran, so
// nothing is logged, and the leases Before took are released.
func (p *Plan) NotRun(ctx context.Context) { p.carriedOut().NotRun(ctx) }

// Abandon releases what the plan holds (leases, then locks) when the
// caller stops on a bug of its own (a panic). It is safe on a nil plan,
// more than once, and after After.
func (p *Plan) Abandon(ctx context.Context) {
	if p != nil && p.run != nil {
		p.run.Abandon(ctx) // before Before, nothing is held
	}
}

// Outcome is what After did.
type Outcome struct {
	// Entries are the log entries After made.
	Entries []oplog.Logged
	// NotLogged: an entry the command needed could not be committed.
	NotLogged bool
	// NotPushed: an entry was committed but the push it needed failed.
	NotPushed bool
}

// ExitCode is the status to end with, given the command's: its own when it
// failed; when it succeeded, ExitNotLogged or ExitNotPushed if the log
// could not be completed.
func (o *Outcome) ExitCode(exit int) int {
	if o == nil {
		return exit
	}
	return (&engine.Outcome{NotLogged: o.NotLogged, NotPushed: o.NotPushed}).ExitCode(exit)
}

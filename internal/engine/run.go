package engine

// The pipeline, top to bottom. A Plan (plan.go, scope.go) decides what
// happens around one abra command without running git; a Run carries it
// out in steps, each in a file of its own:
//
//	Before   warnings from planning; interrupted commands' entries (intent.go)
//	         identity and repository checks (checks.go)
//	         app leases, taken before the pull (leases.go)
//	         pulls, settling entries' version-line conflicts (pull.go, pullresolve.go, pulled.go)
//	         what arrived with the pull: located, leased, pulled again (scope.go)
//	         the env files as they were, for the entry (commit.go, edit.go, resolve.go)
//	abra     the caller runs it; WriteIntents before, AbraStarted once it runs (intent.go)
//	After    what abra created (commit.go, serverdirs.go)
//	         locks, commits of only the entries' files (commit.go)
//	         pushes, retried with the retry resolver passed in (push.go, resolve.go)
//	         leases released (leases.go)
//	         notify hooks for the entries pushed, last (notify.go)

import (
	"context"
	"os"
	"reflect"
	"time"

	"coopcloud.tech/opsync/internal/servers"
)

// Run carries out a Plan: Before, the command, After. It holds what
// happens — the scope as found, locks and leases held, the identity that
// authors the entries, what the pull before the command settled — and
// never changes the plan.
type Run struct {
	scope
	ident     string
	leases    []*heldLease // held from Before to After (leases.go)
	envBefore map[string]servers.App
	// pullResolved are the version-line conflicts the pull before the
	// command settled, by repository (pullresolve.go): noted in the
	// command's entry there too.
	pullResolved map[*repo][]string
	intents      []intentFile // written before abra (intent.go)
	session      string       // the Opsync-Session of its entries (session.go)
}

// Run starts carrying out the plan, from a copy of its scope: repositories
// of their own (locks are a run's) and targets of their own.
func (p *Plan) Run() *Run {
	run := &Run{scope: scope{Plan: p, repos: map[string]*repo{}, needFind: p.needFind, detectNew: p.detectNew,
		warnings: p.warnings}}
	for dir, r := range p.repos {
		nr := p.e.newRepo(r.r, r.settings)
		nr.pullBefore = r.pullBefore
		run.repos[dir] = nr
	}
	for _, t := range p.Targets {
		c := *t
		c.repo = run.repos[t.repo.r.WorkTree]
		run.Targets = append(run.Targets, &c)
	}
	return run
}

// Before runs before abra. For a modifying command it checks that a log
// entry can be made (git identity) and pulls every repository the command
// logs to; an error means abra must not run, and the repositories are as
// they were. For other commands a pull that fails is a warning and Before
// returns nil.
//
// When leasing is on (operator_sync: lease, --lease), a modifying command
// first takes a lease on its app on the remote, then pulls: whoever held
// the lease before has pushed their entry by the time it is released, so
// the pull brings it. A lease someone else holds stops the command here.
// The lease is renewed while abra runs and released by After.
func (run *Run) Before(ctx context.Context) (err error) {
	for _, w := range run.warnings {
		run.e.warn("%s", w)
	}
	if !run.Active {
		return nil
	}
	for _, r := range run.sortedRepos(nil) {
		// Entries of commands whose opsync was killed while abra ran; a
		// modifying command's own push carries them.
		r.recoverIntents(ctx, run.syncAllowed() && !run.Modifies)
	}
	defer func() {
		if err != nil {
			run.releaseLeases(ctx)
		}
	}()
	if run.Modifies {
		if err := run.checkIdentity(ctx); err != nil {
			return err
		}
		if err := run.joinSession(); err != nil {
			return err
		}
	}
	if run.leaseWanted() && !run.syncAllowed() {
		run.warnNoLease()
	}
	if run.Modifies && !run.syncAllowed() {
		if err := run.checkStateUnsynced(); err != nil {
			return err
		}
	}
	if run.Modifies {
		if err := run.checkSkipWorktree(); err != nil {
			return err
		}
	}
	if run.Lease() && !run.needFind {
		if err := run.takeLeases(ctx); err != nil {
			return err
		}
	}
	for _, r := range run.sortedRepos(func(r *repo) bool { return r.pullBefore }) {
		if err := run.pullBeforeCommand(ctx, r); err != nil {
			return err
		}
	}
	if run.needFind {
		if err := run.locate(); err != nil {
			return err
		}
		if run.needFind && run.Modifies {
			return run.notFound()
		}
		if run.Lease() && len(run.Targets) > 0 {
			// The app arrived with the pull.
			if err := run.leaseAndPullAgain(ctx); err != nil {
				return err
			}
		}
	}
	if run.Modifies && run.syncAllowed() && !run.Lease() && run.teamChanged() && run.Lease() {
		// The pull brought a team file that turns leasing on.
		if err := run.leaseAndPullAgain(ctx); err != nil {
			return err
		}
	}
	if run.Modifies && !run.edits && !run.Lease() && run.syncAllowed() {
		if err := run.honourLeases(ctx); err != nil {
			return err
		}
	}
	if len(run.leases) > 0 {
		run.startHeartbeats()
	}
	run.recordVersionsBefore()
	run.recordAbsentBefore()
	if run.edits {
		run.recordEditBefore()
	}
	if run.detectNew {
		files, err := run.layout.EnvFiles()
		if err != nil {
			return refuse(ExitConfig, "cannot list the env files in %s: %v", run.layout.Dir(), err)
		}
		run.envBefore = files
	}
	return nil
}

// After runs after abra, whatever its exit status (a failed deploy may
// already have changed the server). For a modifying command it commits one
// log entry per target, only the app's env file(s), then pushes, pulling
// and retrying a bounded number of times when someone pushed first. It
// reports problems on stderr and in the Outcome; it never loses a commit or
// leaves a half-done merge.
//
// App leases Before took are released once the entry is pushed or
// reported as not pushed: the command is over either way. Last, the
// notify hooks of the entries pushed run, and After waits for them
// (notify.go).
func (run *Run) After(ctx context.Context, abraExit int, took time.Duration) *Outcome {
	out := &Outcome{}
	run.stopHeartbeats()
	// Deferred first, so it runs last: the hooks start once the locks and
	// leases are given up (notify.go).
	defer run.notifyPushed(ctx)
	defer run.releaseLeases(ctx)
	if !run.Active || !run.Modifies {
		return out
	}
	if run.detectNew {
		run.findCreated()
	}
	if run.serverAdd != "" {
		run.findServerAdded()
		if len(run.Targets) == 0 {
			return out // nothing new to share (abra failed, or the server was in the log already)
		}
	}
	if len(run.Targets) == 0 {
		run.e.warn("nothing to log for `%s`: no env file of it is in a git repository", run.Line)
		return out
	}
	repos := run.sortedRepos(run.targetsRepo)
	for _, r := range repos {
		if err := r.lockAfterAbra(ctx, run.Line); err != nil {
			run.e.sayError("the log entry for `%s` was not committed: %v", run.Line, err)
			out.NotLogged = true
			run.unlockAll(repos)
			return out
		}
	}
	defer run.unlockAll(repos)

	for _, r := range repos {
		committed := run.commitTargets(ctx, r, abraExit, took, out)
		run.dropIntent(r)
		if committed && run.Pushes() {
			run.push(ctx, r, out)
		} else if committed {
			run.reportLocal(r, out)
		}
	}
	for _, r := range repos {
		for _, t := range run.Targets {
			if t.repo == r && t.logged != nil {
				out.Entries = append(out.Entries, *t.logged)
			}
		}
	}
	return out
}

// leaseAndPullAgain takes the leases a pull has just made due (the app
// arrived with it, or a team file that turns leasing on), then pulls again,
// so nothing the lease's previous holder pushed is missed.
func (run *Run) leaseAndPullAgain(ctx context.Context) error {
	if err := run.takeLeases(ctx); err != nil {
		return err
	}
	for _, r := range run.sortedRepos(run.targetsRepo) {
		if err := run.pullBeforeCommand(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// teamChanged reads again the team file of every repository the command
// logs to, which the pull may have brought or changed, and reports whether
// any repository's settings changed. A team file that can no longer be
// read leaves the settings as they were (the next command refuses).
func (run *Run) teamChanged() bool {
	changed := false
	for _, r := range run.sortedRepos(run.targetsRepo) {
		run.Config.Forget(r.r.WorkTree)
		s, err := run.Config.ForRepo(r.r.WorkTree)
		if err != nil || reflect.DeepEqual(s, r.settings) {
			continue
		}
		r.settings, changed = s, true
	}
	return changed
}

// NotRun ends a plan whose abra could not be started: nothing ran, so
// nothing is logged; the leases Before took are released.
func (run *Run) NotRun(ctx context.Context) {
	for _, f := range run.intents {
		os.Remove(f.path) // nothing to log for a command that never started
	}
	run.releaseLeases(ctx)
}

func (run *Run) unlockAll(rs []*repo) {
	for _, r := range rs {
		r.unlock()
	}
}

// Abandon is for a command that stops on a bug in opsync (a panic): it
// releases what the plan still holds — its app leases on the remotes,
// then its repository locks — so that a crash does not leave the app
// leased to somebody who is no longer running anything. It is safe to call
// on a nil run, more than once, and after After (which releases them
// itself); a failure while releasing is not allowed to end it early.
func (run *Run) Abandon(ctx context.Context) {
	if run == nil {
		return
	}
	func() {
		defer func() { _ = recover() }()
		run.releaseLeases(context.WithoutCancel(ctx))
	}()
	for _, r := range run.repos {
		func() {
			defer func() { _ = recover() }()
			r.unlock()
		}()
	}
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/git"
)

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
func (p *Plan) Before(ctx context.Context) (err error) {
	for _, w := range p.warnings {
		p.e.warn("%s", w)
	}
	if !p.Active {
		return nil
	}
	for _, r := range p.sortedRepos(nil) {
		// Entries of commands whose opsync was killed while abra ran; a
		// modifying command's own push carries them.
		r.recoverIntents(ctx, p.syncAllowed() && !p.Modifies)
	}
	defer func() {
		if err != nil {
			p.releaseLeases(ctx)
		}
	}()
	if p.Modifies {
		if err := p.checkIdentity(ctx); err != nil {
			return err
		}
	}
	if p.leaseWanted() && !p.syncAllowed() {
		p.warnNoLease()
	}
	if p.Modifies && !p.syncAllowed() {
		if err := p.checkStateUnsynced(); err != nil {
			return err
		}
	}
	if p.Modifies {
		if err := p.checkSkipWorktree(); err != nil {
			return err
		}
	}
	if p.Lease() && !p.needFind {
		if err := p.takeLeases(ctx); err != nil {
			return err
		}
	}
	for _, r := range p.sortedRepos(func(r *repo) bool { return r.pullBefore }) {
		if err := p.pullBeforeCommand(ctx, r); err != nil {
			return err
		}
	}
	if p.needFind {
		if err := p.locate(); err != nil {
			return err
		}
		if p.needFind && p.Modifies {
			return p.notFound()
		}
		if p.Lease() && len(p.Targets) > 0 {
			// The app arrived with the pull: lease it, then pull again so
			// nothing its previous holder pushed is missed.
			if err := p.takeLeases(ctx); err != nil {
				return err
			}
			for _, r := range p.sortedRepos(p.targetsRepo) {
				if err := p.pullBeforeCommand(ctx, r); err != nil {
					return err
				}
			}
		}
	}
	if len(p.leases) > 0 {
		p.startHeartbeats()
	}
	p.recordVersionsBefore()
	p.recordAbsentBefore()
	if p.edits {
		p.recordEditBefore()
	}
	if p.detectNew {
		files, err := p.layout.EnvFiles()
		if err != nil {
			return refuse(ExitConfig, "cannot list the env files in %s: %v", p.layout.Dir(), err)
		}
		p.envBefore = files
	}
	return nil
}

func (p *Plan) notFound() error {
	what := fmt.Sprintf("app %s has no env file in any server directory of %s", p.Inv.App, p.e.display(p.layout.Dir()))
	if p.Inv.MoveTo != "" {
		if _, err := p.layout.Server(p.Inv.MoveTo); err != nil {
			what = fmt.Sprintf("server %s has no directory in %s", p.Inv.MoveTo, p.e.display(p.layout.Dir()))
		}
	}
	if p.Inv.Cmd != nil && p.Inv.Cmd.Args.Kind == abra.AppFromFlags {
		what = fmt.Sprintf("server %s has no directory in %s", p.Inv.Server, p.e.display(p.layout.Dir()))
	}
	pulled := "even after pulling every repository there"
	if !p.syncAllowed() {
		pulled = "(nothing was pulled: sync is off for this command)"
	}
	return refuse(ExitUsage, "%s %s, so abra was not run. Check the spelling (`abra app ls` lists the apps), "+
		"or whether a teammate has pushed it yet", what, pulled)
}

// checkIdentity makes sure git can author the log entry, before abra runs
// rather than after.
func (p *Plan) checkIdentity(ctx context.Context) error {
	var r *repo
	if len(p.Targets) > 0 {
		r = p.Targets[0].repo
	} else if rs := p.sortedRepos(nil); len(rs) > 0 {
		r = rs[0]
	}
	if r == nil {
		return nil
	}
	ident, err := r.c.Ident(ctx)
	if err != nil {
		if err == git.ErrNotInstalled {
			return &Error{Code: ExitSyncFailed, Err: err}
		}
		return refuse(ExitSyncFailed, "git cannot make a commit in %s because it does not know who you are, so abra was not run:\n%s\n"+
			"Set your name and email once: `git config --global user.name \"Your Name\"` and "+
			"`git config --global user.email you@example.org`; they author every log entry.",
			r.name(), git.Indent(strings.TrimSpace(git.StderrOf(err))))
	}
	p.ident = ident
	return nil
}

// checkStateUnsynced refuses a modifying command that pulls nothing
// (--no-operator-sync, --offline) in a repository whose state stops the
// log entry's commit (a merge stopped half-way, git's index lock), before
// abra runs: the pull, which checks this otherwise, does not run.
func (p *Plan) checkStateUnsynced() error {
	rs := p.sortedRepos(p.targetsRepo)
	if len(p.Targets) == 0 {
		rs = p.sortedRepos(nil) // app new: the entry goes where abra puts the file
	}
	for _, r := range rs {
		if err := r.stateProblem(); err != nil {
			return refuse(ExitSyncFailed, "cannot log `%s` in %s, so abra was not run.\n%v\n"+
				"To run abra without a log entry this once, add --no-operator-log.", p.Line, r.name(), err)
		}
	}
	return nil
}

// checkSkipWorktree refuses a modifying command whose env file git's index
// marks skip-worktree: git ignores the file on disk, so the entry would be
// empty and abra's change never pushed. It reads the index file (no git
// process); an index it cannot read is left to git.
func (p *Plan) checkSkipWorktree() error {
	for _, t := range p.Targets {
		marked, err := t.repo.r.SkipWorktree(t.rel)
		if err != nil || len(marked) == 0 {
			continue
		}
		return refuse(ExitSyncFailed, "%s is marked skip-worktree in the index of %s (`git ls-files -v` shows it with an S), "+
			"so git ignores the file: the log entry of `%s` would hold none of abra's change, and it would never be pushed. "+
			"abra was not run. Clear the mark, `git -C %s update-index --no-skip-worktree -- %s`, then run the command again "+
			"(or add --no-operator-log to run abra without a log entry this once)",
			strings.Join(marked, ", "), t.repo.name(), p.Line, t.repo.r.WorkTree, strings.Join(marked, " "))
	}
	return nil
}

// pullBeforeCommand pulls one repository under its lock.
func (p *Plan) pullBeforeCommand(ctx context.Context, r *repo) error {
	if err := r.lock(ctx, p.Line); err != nil {
		return p.beforeFailed(r, err)
	}
	res, err := r.pullWith(ctx, r.entryVersionResolver(func(notes []string) {
		if p.pullResolved == nil {
			p.pullResolved = map[*repo][]string{}
		}
		p.pullResolved[r] = append(p.pullResolved[r], notes...)
	}))
	if err == nil && res.changed {
		p.sayPulled(ctx, r, res) // its git log runs under the lock too
	}
	r.unlock()
	if err != nil {
		return p.beforeFailed(r, err)
	}
	return nil
}

// beforeFailed turns a failed pull into the modifying command's error, or a
// one-line warning for any other command.
func (p *Plan) beforeFailed(r *repo, err error) error {
	if !p.Modifies {
		first, _, _ := strings.Cut(strings.TrimSpace(err.Error()), "\n")
		if detail := firstLine(git.StderrOf(err)); detail != "" {
			first = detail
		}
		p.e.warn("could not pull %s (%s); abra runs with the local files, which may be stale. "+
			"`opsync status` shows the state, `opsync sync` retries", r.name(), first)
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "could not pull %s before `%s`, so abra was not run.\n", r.name(), p.Line)
	b.WriteString(err.Error())
	if advice := r.pullAdvice(err); advice != "" {
		b.WriteString("\n" + advice)
	}
	var se *stateError
	switch {
	case errors.Is(err, fs.ErrPermission):
		fmt.Fprintf(&b, "\n%s is not writable by you, and opsync writes there: its lock, the pull, the log entry. "+
			"Make it yours (`ls -ld %s` shows the owner; `sudo chown -R $(id -un) %s` takes it over), "+
			"or add --no-operator-log to run abra without a log entry this once.", r.name(), r.r.CommonDir, r.r.WorkTree)
	case errors.As(err, &se):
		// No commit can be made either until it is dealt with.
		b.WriteString("\nTo run abra without a log entry this once, add --no-operator-log.")
	case pullBlockedLocally(err):
		// The remote is fine: going on without the pull would deploy
		// exactly the stale file opsync is there to prevent.
		b.WriteString("\n--no-operator-sync would run abra on your local file without the changes the pull would bring: " +
			"use it only if that is what you mean.")
	default:
		b.WriteString("\nTo run the command without syncing (it is still logged in a local commit, which `opsync sync` pushes later), add --no-operator-sync.")
	}
	return &Error{Code: ExitSyncFailed, Err: fmt.Errorf("%s", b.String())}
}

// pullBlockedLocally reports whether a pull failed for something in the
// repository (a conflict with a teammate's change, edits or staged files in
// the way), not for the remote.
func pullBlockedLocally(err error) bool {
	var pe *git.PullError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Kind {
	case git.PullConflict, git.PullLocalEdits, git.PullStaged:
		return true
	}
	return false
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		l = strings.TrimPrefix(l, "fatal: ")
		l = strings.TrimPrefix(l, "error: ")
		if l != "" {
			return l
		}
	}
	return ""
}

// recordAbsentBefore notes which of the targets' env files are not on disk
// before abra runs: the ones it creates are new to git.
func (p *Plan) recordAbsentBefore() {
	for _, t := range p.Targets {
		t.absentKnown = true
		for _, rel := range t.rel {
			if _, err := os.Lstat(filepath.Join(t.repo.r.WorkTree, filepath.FromSlash(rel))); err != nil {
				t.absentBefore = append(t.absentBefore, rel)
			}
		}
	}
}

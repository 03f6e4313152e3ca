package engine

import (
	"context"
	"fmt"
	"strings"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/git"
)

// checkIdentity makes sure git can author the log entry, before abra runs
// rather than after.
func (run *Run) checkIdentity(ctx context.Context) error {
	var r *repo
	if len(run.Targets) > 0 {
		r = run.Targets[0].repo
	} else if rs := run.sortedRepos(nil); len(rs) > 0 {
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
			"Set your name and email once, `"+git.IdentityFix+"`: they author every log entry.",
			r.name(), git.Indent(strings.TrimSpace(git.StderrOf(err))))
	}
	run.ident = ident
	return nil
}

// checkStateUnsynced refuses a modifying command that pulls nothing
// (--no-operator-sync, --offline) in a repository whose state stops the
// log entry's commit (a merge stopped half-way, git's index lock), before
// abra runs: the pull, which checks this otherwise, does not run.
func (run *Run) checkStateUnsynced() error {
	rs := run.sortedRepos(run.targetsRepo)
	if len(run.Targets) == 0 {
		rs = run.sortedRepos(nil) // app new: the entry goes where abra puts the file
	}
	for _, r := range rs {
		if err := r.stateProblem(); err != nil {
			return refuse(ExitSyncFailed, "cannot log `%s` in %s, so abra was not run.\n%v\n"+
				"To run abra without a log entry this once, add --no-operator-log.", run.Line, r.name(), err)
		}
	}
	return nil
}

// checkSkipWorktree refuses a modifying command whose env file git's index
// marks skip-worktree: git ignores the file on disk, so the entry would be
// empty and abra's change never pushed. It reads the index file (no git
// process); an index it cannot read is left to git.
func (run *Run) checkSkipWorktree() error {
	for _, t := range run.Targets {
		marked, err := t.repo.r.SkipWorktree(t.rel)
		if err != nil || len(marked) == 0 {
			continue
		}
		return refuse(ExitSyncFailed, "%s is marked skip-worktree in the index of %s (`git ls-files -v` shows it with an S), "+
			"so git ignores the file: the log entry of `%s` would hold none of abra's change, and it would never be pushed. "+
			"abra was not run. Clear the mark, `git -C %s update-index --no-skip-worktree -- %s`, then run the command again "+
			"(or add --no-operator-log to run abra without a log entry this once)",
			strings.Join(marked, ", "), t.repo.name(), run.Line, t.repo.r.WorkTree, strings.Join(marked, " "))
	}
	return nil
}

func (run *Run) notFound() error {
	what := fmt.Sprintf("app %s has no env file in any server directory of %s", run.Inv.App, run.e.display(run.layout.Dir()))
	if run.Inv.MoveTo != "" {
		if _, err := run.layout.Server(run.Inv.MoveTo); err != nil {
			what = fmt.Sprintf("server %s has no directory in %s", run.Inv.MoveTo, run.e.display(run.layout.Dir()))
		}
	}
	if run.Inv.Cmd != nil && run.Inv.Cmd.Args.Kind == abra.AppFromFlags {
		what = fmt.Sprintf("server %s has no directory in %s", run.Inv.Server, run.e.display(run.layout.Dir()))
	}
	pulled := "even after pulling every repository there"
	if !run.syncAllowed() {
		pulled = "(nothing was pulled: sync is off for this command)"
	}
	return refuse(ExitUsage, "%s %s, so abra was not run. Check the spelling (`abra app ls` lists the apps), "+
		"or whether a teammate has pushed it yet", what, pulled)
}

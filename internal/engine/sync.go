package engine

import (
	"context"
	"fmt"

	"coopcloud.tech/opsync/internal/git"
)

// SyncResult is what `opsync sync` did in one repository. The JSON keys are
// part of opsync's interface (README, "opsync sync"); every key is always
// present.
type SyncResult struct {
	Repo   string `json:"repo"`
	Sync   bool   `json:"sync"`   // false: skipped, Reason says why
	Reason string `json:"reason"` // why sync is on or off
	Remote string `json:"remote"` // "origin/main"; "" when the repository has no remote
	// Pulled: new commits arrived, moving HEAD from PulledFrom to PulledTo
	// (PulledFrom is "" when the branch had no commit yet).
	Pulled     bool   `json:"pulled"`
	PulledFrom string `json:"pulled_from"`
	PulledTo   string `json:"pulled_to"`
	// Pushed are the log entries (and manual commits) this sync pushed,
	// newest first, the newest 100 at most; merges are not listed.
	Pushed []LogEntry `json:"pushed"`
	// InStep: the repository and its remote now have the same commits (or
	// there is no remote: the log is local).
	InStep bool `json:"in_step"`
	// Error says why the repository is not in step (a message naming the
	// repository, with what to do); Code is the exit status
	// it calls for: 0, ExitNotPushed (pulled, but the push failed) or
	// ExitSyncFailed (not synced at all: a state opsync must not touch,
	// or the pull failed).
	Error string `json:"error"`
	Code  int    `json:"code"`
}

// SyncExitCode is the exit status of a sync: 0 when every repository is in
// step, else the most serious of their codes (ExitSyncFailed before
// ExitNotPushed).
func SyncExitCode(results []SyncResult) int {
	code := 0
	for _, r := range results {
		if r.Code == ExitSyncFailed || (r.Code != 0 && code == 0) {
			code = r.Code
		}
	}
	return code
}

// Sync pulls and pushes every repository with sync on, now, whatever the
// cooldown: it finishes what a failed push left. Repositories with sync off
// are reported as skipped. It refuses (an *Error with ExitConfig) when no
// repository has sync on.
func (e *Engine) Sync(ctx context.Context) ([]SyncResult, error) {
	rs, err := e.Repos()
	if err != nil {
		return nil, err
	}
	if len(OptedIn(rs)) == 0 {
		return nil, e.nothingToSync(rs)
	}
	out := make([]SyncResult, 0, len(rs))
	for _, rp := range rs {
		out = append(out, rp.Sync(ctx))
	}
	return out, nil
}

func (e *Engine) nothingToSync(rs []*Repository) error {
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	dir := e.display(cfg.AbraDir + "/servers")
	switch {
	case len(rs) == 0:
		return refuse(ExitConfig, "there is nothing to sync: %s holds no server directory in a git repository. "+
			"`opsync init` sets one up", dir)
	case !rs[0].SyncOn && rs[0].Git:
		return refuse(ExitConfig, "there is nothing to sync: %s. Add `sync: true` to abra.yml, or run `opsync init`", rs[0].Reason)
	}
	return refuse(ExitConfig, "there is nothing to sync: no server directory in %s is inside a git repository. "+
		"`opsync init` sets one up", dir)
}

// Sync pulls the repository (a merge, as before any command) and pushes
// what it has that the remote lacks, under the repository's lock. It
// refuses, touching nothing, a repository in the middle of a merge or
// rebase, or with a detached HEAD. A failed pull is undone by pull itself;
// a failed push leaves the entries committed locally. Nothing is lost on
// any path.
func (rp *Repository) Sync(ctx context.Context) SyncResult {
	res := SyncResult{Repo: rp.Path, Sync: rp.SyncOn, Reason: rp.Reason, Pushed: []LogEntry{}}
	if !rp.SyncOn {
		return res
	}
	r := rp.r
	fail := func(code int, format string, args ...any) SyncResult {
		res.Code, res.Error = code, fmt.Sprintf(format, args...)
		return res
	}
	r.recoverIntents(ctx, false) // this sync pushes them
	var pushed []LogEntry
	defer func() { rp.notifySynced(ctx, pushed) }() // deferred before unlock: runs after it (notify.go)
	if err := r.lock(ctx, "opsync sync"); err != nil {
		return fail(ExitSyncFailed, "could not sync %s: %v", rp.Name(), err)
	}
	defer r.unlock()
	if err := r.stateProblem(); err != nil {
		return fail(ExitSyncFailed, "%v", err)
	}
	remote, ref, err := r.upstream(ctx)
	if err != nil {
		return fail(ExitSyncFailed, "%v", err)
	}
	if remote == "" {
		res.InStep = true // a local log: nothing to pull from or push to
		return res
	}
	res.Remote = r.target()
	pulled, err := r.pullWith(ctx, r.entryVersionResolver(nil))
	if err != nil {
		msg := fmt.Sprintf("could not pull %s from %s:\n%s", rp.Name(), res.Remote, indentErr(err))
		if advice := r.pullAdvice(err); advice != "" {
			msg += "\n" + advice
		}
		return fail(ExitSyncFailed, "%s", msg)
	}
	if pulled.changed {
		res.Pulled, res.PulledFrom, res.PulledTo = true, pulled.before, pulled.after
	}
	head, _ := r.r.HeadCommit()
	revs, remoteHead := r.unpushedRevs(remote, ref)
	if head == "" || head == remoteHead {
		res.InStep = true
		return res
	}
	// What the push will carry, for the report (read before pushing: the
	// push moves the remote-tracking branch).
	toPush := []LogEntry{}
	lr := r.c.StartLog(ctx, git.LogFilter{Revs: revs, MaxCount: maxUnpushed})
	for {
		c, ok := lr.Next()
		if !ok {
			break
		}
		toPush = append(toPush, rp.entry(c))
	}
	lr.Close() // the list only informs; the push decides
	if err := r.pushWithRetry(ctx, remote, ref, nil); err != nil {
		return fail(ExitNotPushed, "%s in %s not pushed to %s:\n%s\n"+
			"Nothing is lost: the commits stay in the local repository, which is clean. "+
			"When the problem is fixed, run `opsync sync` again.",
			unpushedWhat(toPush, false), rp.Name(), res.Remote, indentErr(err))
	}
	r.recordPush(rp.e.o.Now())
	res.Pushed, res.InStep = toPush, true
	pushed = toPush
	return res
}

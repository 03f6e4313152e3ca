package engine

import (
	"context"
	"strings"
)

// push pushes the repository's new entries, pulling (a merge) and retrying
// when someone else pushed first. The caller holds the lock.
func (run *Run) push(ctx context.Context, r *repo, out *Outcome) {
	remote, ref, err := r.upstream(ctx)
	if err == nil && remote == "" {
		run.reportLocal(r, out)
		return
	}
	if err == nil {
		err = r.pushWithRetry(ctx, remote, ref, run.retryResolver(r))
	}
	if err != nil {
		out.NotPushed = true
		ids := run.commitsIn(r)
		why := ""
		if advice := r.remoteAdvice(err); advice != "" {
			why = advice + "\n"
		}
		run.e.warn("the log entry for `%s` is committed in %s (%s) but NOT pushed:\n%s\n%s"+
			"Nothing is lost: the entry stays in the local repository, which is clean. "+
			"When the problem is fixed, run `opsync sync` to push it.",
			run.Line, r.name(), ids, indentErr(err), why)
		return
	}
	now := run.e.o.Now()
	r.recordPush(now)
	for _, t := range run.Targets {
		if t.repo == r && t.logged != nil && t.logged.Commit != "" {
			t.logged.Pushed, t.logged.Remote = true, r.target()
		}
	}
	run.e.event(EventLogged, "logged %s in %s and pushed to %s", run.commitsIn(r), r.name(), r.target())
}

// reportLocal tells the operator the entry is only local, and why.
func (run *Run) reportLocal(r *repo, out *Outcome) {
	ids := run.commitsIn(r)
	remote, _, err := r.upstream(context.Background())
	switch {
	case run.Flags.NoSync:
		run.e.event(EventLogged, "logged %s in %s; not pushed (--no-operator-sync); `opsync sync` pushes it", ids, r.name())
	case run.Inv.Offline():
		run.e.event(EventLogged, "logged %s in %s; not pushed (--offline); `opsync sync` pushes it", ids, r.name())
	case err != nil:
		out.NotPushed = true
		run.e.warn("logged %s in %s but NOT pushed: %v", ids, r.name(), err)
	case remote == "":
		run.e.event(EventLogged, "logged %s in %s (no remote: the log is kept locally)", ids, r.name())
	}
}

func (run *Run) commitsIn(r *repo) string {
	var ids []string
	for _, t := range run.Targets {
		if t.repo == r && t.logged != nil && t.logged.Commit != "" {
			ids = append(ids, shortID(t.logged.Commit))
		}
	}
	return strings.Join(ids, ", ")
}

func shortID(id string) string {
	if len(id) > 7 {
		return id[:7]
	}
	return id
}

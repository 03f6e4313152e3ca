package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/state"
)

// pullBeforeCommand pulls one repository under its lock.
func (run *Run) pullBeforeCommand(ctx context.Context, r *repo) error {
	if err := r.lock(ctx, run.Line); err != nil {
		return run.beforeFailed(r, err)
	}
	if !run.Modifies {
		// A read-only command goes on without its pull: it waits for the
		// pull only so long (read_pull_timeout), not a whole git_timeout.
		defer r.limitTimeout(r.settings.ReadPullTimeout)()
	}
	res, err := r.pullWith(ctx, r.entryVersionResolver(func(notes []string) {
		if run.pullResolved == nil {
			run.pullResolved = map[*repo][]string{}
		}
		run.pullResolved[r] = append(run.pullResolved[r], notes...)
	}))
	if err == nil && res.changed {
		run.sayPulled(ctx, r, res) // its git log runs under the lock too
	}
	if err != nil && !run.Modifies {
		r.recordPullFailure()
	}
	r.unlock()
	if err != nil {
		return run.beforeFailed(r, err)
	}
	return nil
}

// beforeFailed turns a failed pull into the modifying command's error, or a
// one-line warning for any other command.
func (run *Run) beforeFailed(r *repo, err error) error {
	if !run.Modifies {
		first, _, _ := strings.Cut(strings.TrimSpace(err.Error()), "\n")
		if detail := firstLine(git.StderrOf(err)); detail != "" {
			first = detail
		}
		backoff := ""
		if left := state.Read(r.r.OpsyncDir()).BackoffLeft(run.e.o.Now()); left > 0 {
			backoff = fmt.Sprintf("; read-only commands skip the pull for the next %s (--force-sync pulls anyway)", left.Round(time.Second))
		}
		run.e.warn("could not pull %s (%s); abra runs with the local files, which may be stale. "+
			"`opsync status` shows the state, `opsync sync` retries%s", r.name(), first, backoff)
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "could not pull %s before `%s`, so abra was not run.\n", r.name(), run.Line)
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

// limitTimeout bounds the repository's git processes to d (when that is
// shorter) until the returned function restores the limit.
func (r *repo) limitTimeout(d time.Duration) (restore func()) {
	old := r.c.Timeout
	if d > 0 && (old <= 0 || d < old) {
		r.c.Timeout = d
	}
	return func() { r.c.Timeout = old }
}

// recordPullFailure counts a failed pull before a read-only command, so
// that the next ones back off (state.BackoffLeft). The caller holds the
// lock.
func (r *repo) recordPullFailure() {
	now := r.e.o.Now()
	if err := state.Update(r.r.OpsyncDir(), func(s *state.State) {
		s.PullFailures++
		s.LastPullFailure = now
	}); err != nil {
		r.e.warn("cannot record the failed pull in %s: %v", r.r.OpsyncDir(), err)
	}
}

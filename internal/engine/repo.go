package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"coopcloud.tech/opsync/internal/config"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/lease"
	"coopcloud.tech/opsync/internal/lock"
	"coopcloud.tech/opsync/internal/state"
)

// repo is one git repository a plan touches.
type repo struct {
	e        *Engine
	r        *git.Repo
	c        *git.Client
	settings config.Settings

	pullBefore bool // Before pulls it

	resolved    bool
	remote, ref string // where to pull from and push to; "" = no remote (local log)
	remoteErr   error

	lkMu sync.Mutex // guards lk: a heartbeat's renewal reads it (exclusiveGit)
	lk   *lock.Lock

	mergeReady bool // c.MergeConfig is prepared
	sshShared  bool // the ssh connection sharing was decided

	memo historyMemo // what the version-line checks learnt from the history
}

func (e *Engine) newRepo(r *git.Repo, s config.Settings) *repo {
	return &repo{e: e, r: r, settings: s, c: &git.Client{
		Dir:     r.WorkTree,
		Path:    e.o.GitPath,
		Timeout: s.GitTimeout,
		Trace:   e.o.GitTrace,
	}}
}

func (r *repo) name() string { return r.e.display(r.r.WorkTree) }

// upstream resolves where the repository syncs to: the operator_sync
// remote if set, else the branch's upstream, else the only remote. No
// remote at all is not an error: the log is then kept locally.
func (r *repo) upstream(ctx context.Context) (remote, ref string, err error) {
	if r.resolved {
		return r.remote, r.ref, r.remoteErr
	}
	r.resolved = true
	r.remote, r.ref, r.remoteErr = r.findUpstream(ctx)
	return r.remote, r.ref, r.remoteErr
}

func (r *repo) findUpstream(ctx context.Context) (string, string, error) {
	branch, detached, err := r.r.Head()
	if err != nil {
		return "", "", fmt.Errorf("cannot read HEAD of %s: %w", r.name(), err)
	}
	if detached {
		return "", "", fmt.Errorf("%s has a detached HEAD (at %.12s), so there is no branch to pull into or push. "+
			"Check out the branch the operator log lives on (e.g. `%s`), then run the command again",
			r.name(), branch, git.DetachedHeadFix(r.r.WorkTree))
	}
	cfg, err := r.r.LoadConfig(ctx, r.c)
	if err != nil {
		return "", "", fmt.Errorf("cannot read the git config of %s: %w", r.name(), err)
	}
	upRemote, upMerge := cfg.Upstream(branch)
	if upRemote == "." {
		upRemote, upMerge = "", ""
	}
	remotes := cfg.Remotes()
	if want := r.settings.Remote; want != "" {
		if !slices.Contains(remotes, want) {
			return "", "", fmt.Errorf("abra.yml sets operator_sync: remote: %s, but %s has no remote of that name (it has: %s). "+
				"Add it with `git -C %s remote add %s URL`, or change the setting",
				want, r.name(), listOrNone(remotes), r.r.WorkTree, want)
		}
		if upRemote == want && upMerge != "" {
			return want, upMerge, nil
		}
		return want, "refs/heads/" + branch, nil
	}
	if upRemote != "" && upMerge != "" {
		return upRemote, upMerge, nil
	}
	switch len(remotes) {
	case 0:
		return "", "", nil
	case 1:
		return remotes[0], "refs/heads/" + branch, nil
	}
	return "", "", fmt.Errorf("branch %s of %s tracks no upstream and the repository has several remotes (%s), "+
		"so opsync cannot tell which one holds the operator log. Set one: `git -C %s branch --set-upstream-to=%s/%s`, "+
		"or `operator_sync: remote: %s` in abra.yml",
		branch, r.name(), strings.Join(remotes, ", "), r.r.WorkTree, remotes[0], branch, remotes[0])
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

// target names remote/branch for messages.
func (r *repo) target() string {
	return r.remote + "/" + strings.TrimPrefix(r.ref, "refs/heads/")
}

// lock takes the repository's lock, saying so when it has to wait.
func (r *repo) lock(ctx context.Context, line string) error {
	return r.lockWaiting(ctx, line, r.settings.LockTimeout)
}

// lockAfterAbra takes the lock to log a command abra has run. Giving up
// then leaves the command unlogged (76), so it waits longer than lock: for
// lock_timeout and push_retry_for too, the time another opsync on the
// repository may hold the lock while its push keeps losing the race.
func (r *repo) lockAfterAbra(ctx context.Context, line string) error {
	return r.lockWaiting(ctx, line, r.settings.LockTimeout+r.settings.PushRetryFor)
}

func (r *repo) lockWaiting(ctx context.Context, line string, timeout time.Duration) error {
	if r.lk != nil {
		return nil
	}
	me := lock.Holder{PID: os.Getpid(), Host: r.e.o.Host, Since: r.e.o.Now(), Command: line}
	lk, err := lock.Acquire(ctx, r.r.OpsyncDir(), me, timeout, func(h lock.Holder) {
		r.e.event(EventWaitingForLock, "waiting for another opsync using %s: %s", r.name(), h)
	})
	if err != nil {
		return err
	}
	r.lkMu.Lock()
	r.lk = lk
	r.lkMu.Unlock()
	return nil
}

func (r *repo) unlock() {
	r.lkMu.Lock()
	defer r.lkMu.Unlock()
	if r.lk != nil {
		r.lk.Release()
		r.lk = nil
	}
}

// exclusiveGit takes the repository's lock for one git process of the
// lease commands (lease.Remote.Exclusive), unless this process holds it
// already: taking, renewing (while abra runs, when the lock is not held)
// and releasing a lease run git under it like the pull and the push do.
// Waiting for it is silent: the renewals happen while abra has the
// terminal.
func (r *repo) exclusiveGit(ctx context.Context) (func(), error) {
	r.lkMu.Lock()
	held := r.lk != nil
	r.lkMu.Unlock()
	if held {
		return func() {}, nil
	}
	me := lock.Holder{PID: os.Getpid(), Host: r.e.o.Host, Since: r.e.o.Now(), Command: "app lease"}
	lk, err := lock.Acquire(ctx, r.r.OpsyncDir(), me, r.settings.LockTimeout, nil)
	if err != nil {
		return nil, err
	}
	return func() { lk.Release() }, nil
}

// stateProblem returns why git must not be touched in the repository now:
// a merge, rebase or similar stopped half-way, which the operator is
// resolving by hand; or git's index lock, held by a git command that is
// running or was killed (checked before abra runs, so that the command is
// not run only for its log entry to fail).
func (r *repo) stateProblem() error {
	if p := r.waitIndexLock(); p != "" {
		return &stateError{fmt.Errorf("%s has a git lock file, %s: another git command is running in the repository, "+
			"or one was stopped abruptly (killed, or the machine went down) and left it behind. "+
			"opsync never removes it, since a running git may own it. Check that no git command is running there "+
			"(`%s` lists them), then remove it: `%s`, and run the command again", r.name(), p, git.IndexLockCheck, git.IndexLockFix(p))}
	}
	if op, ok := r.r.Operation(); ok {
		return &stateError{fmt.Errorf("%s is in the middle of a %s, which opsync will not touch; %s in %s, then run the command again",
			r.name(), op.Name, op.Fix(), r.r.WorkTree)}
	}
	return nil
}

// indexLockWait is how long a git command of the operator's (an editor's
// `git status` refreshing the index) gets to release the index lock before
// opsync calls it a problem.
const indexLockWait = 2 * time.Second

// waitIndexLock returns the index lock's path if it is there and stays
// for indexLockWait, else "".
func (r *repo) waitIndexLock() string {
	deadline := time.Now().Add(indexLockWait)
	for {
		p := r.r.IndexLock()
		if p == "" || time.Now().After(deadline) {
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stateError is a repository state opsync must not touch: git must not
// run there until the operator has dealt with it.
type stateError struct{ Err error }

func (e *stateError) Error() string { return e.Err.Error() }
func (e *stateError) Unwrap() error { return e.Err }

// unwritableDir returns a directory of the work tree top the process
// cannot create or remove files in that a merge writing paths (relative,
// with slashes) would need, "" when there is none: for each path, its
// directory, or, when that is not there yet, the nearest one above that
// is, where git would create it. A merge replaces a file by removing it and
// creating it anew, so this is what decides whether it can finish. Only
// what the merge may write is looked at: an ignored or untracked directory
// (Go's read-only module cache in a repository whose root is $HOME), or a
// tracked one the merge does not touch, is none of its business.
func unwritableDir(top string, paths []string) string {
	seen := map[string]bool{}
	for _, p := range paths {
		d := filepath.Join(top, filepath.FromSlash(path.Dir(p)))
		for d != top && len(d) > len(top) {
			if _, err := os.Lstat(d); err == nil || !errors.Is(err, fs.ErrNotExist) {
				break
			}
			d = filepath.Dir(d)
		}
		if seen[d] {
			continue
		}
		seen[d] = true
		if unix.Access(d, unix.W_OK|unix.X_OK) != nil {
			return d
		}
	}
	return ""
}

// checkMergeWritable is the pull's check between fetch and merge (the
// client's BeforeMerge): that every directory the merge may write in is
// writable. It costs one git process, only when there is something to
// merge.
func (r *repo) checkMergeWritable(ctx context.Context) error {
	paths, err := r.c.MergeWrites(ctx, r.r)
	if err != nil {
		return err
	}
	if dir := unwritableDir(r.r.WorkTree, paths); dir != "" {
		return fmt.Errorf("you cannot write to %s, so a pull that changes files there would stop half-way "+
			"(git leaves the files it had already updated looking like edits of yours); opsync does not start it. "+
			"Make the directory writable (`ls -ld %s` shows its owner and mode), then run the command again", dir, dir)
	}
	return nil
}

// pullResult says what a pull did.
type pullResult struct {
	skipped string // why nothing was pulled ("no remote"), "" when pulled
	changed bool   // new commits arrived
	before  string
	after   string
}

// pull merges the remote into the repository, recording the time of a
// successful pull for the cooldown. The caller holds the lock. On any
// failure the repository is as it was (a conflicted merge is aborted).
func (r *repo) pull(ctx context.Context) (pullResult, error) {
	return r.pullWith(ctx, nil)
}

// pullWith is pull, giving a conflicted merge to resolve before it is
// aborted.
func (r *repo) pullWith(ctx context.Context, resolve git.ConflictResolver) (pullResult, error) {
	if err := r.stateProblem(); err != nil {
		return pullResult{}, err
	}
	remote, ref, err := r.upstream(ctx)
	if err != nil {
		return pullResult{}, err
	}
	if remote == "" {
		return pullResult{skipped: "no remote"}, nil
	}
	before, _ := r.r.HeadCommit()
	r.c.BeforeMerge = r.checkMergeWritable
	// The same fetch brings the remote's app leases (honourLeases).
	r.c.AlsoFetch = []string{lease.PullRefspec(remote)}
	r.shareSSH(ctx, remote)
	if !r.mergeReady {
		r.c.MergeConfig, r.mergeReady = r.mergeConfig(ctx), true
	}
	err = r.c.PullResolving(ctx, r.r, remote, ref, resolve)
	if errors.Is(err, git.ErrNoRemoteBranch) {
		err = nil // an empty remote: the first push creates the branch
	}
	if err != nil {
		return pullResult{}, err
	}
	// A pull that fast-forwarded (HEAD is what was fetched) made no merge
	// commit: nothing to check, and no git process spent on it.
	if after, _ := r.r.HeadCommit(); after != before && before != "" && !r.r.FetchedIsHead() {
		r.settleMergedVersions(ctx, before)
	}
	after, _ := r.r.HeadCommit()
	now := r.e.o.Now()
	if serr := state.Update(r.r.OpsyncDir(), func(s *state.State) {
		s.LastPull, s.LastPullRemote = now, remote
		s.PullFailures, s.LastPullFailure = 0, time.Time{}
	}); serr != nil {
		r.e.warn("cannot record the pull time in %s: %v", r.r.OpsyncDir(), serr)
	}
	return pullResult{changed: before != after, before: before, after: after}, nil
}

// trackingRef is the remote-tracking branch of remote's branch ref.
func trackingRef(remote, ref string) string {
	return "refs/remotes/" + remote + "/" + strings.TrimPrefix(ref, "refs/heads/")
}

// unpushedRevs is the revision range of the commits HEAD has that the
// remote-tracking branch of remote's ref lacks — all of HEAD while there
// is no tracking branch yet — and the tracking branch's commit ("" then).
func (r *repo) unpushedRevs(remote, ref string) (revs, tracked string) {
	tracking := trackingRef(remote, ref)
	if id, _ := r.r.ResolveRef(tracking); id != "" {
		return tracking + "..HEAD", id
	}
	return "HEAD", ""
}

// remoteAdvice explains, from git's message, why the remote could not be
// used and what to do; "" when git's message names no trouble with the
// remote.
func (r *repo) remoteAdvice(err error) string {
	return git.ClassifyRemote(git.StderrOf(err)).Advice("The remote " + r.remote)
}

// pullAdvice explains a failed pull and what the operator can do.
func (r *repo) pullAdvice(err error) string {
	var pe *git.PullError
	if !errors.As(err, &pe) {
		return ""
	}
	switch pe.Kind {
	case git.PullOther:
		if full := r.diskAdvice(); full != "" {
			return full + " Then run the command again."
		}
	case git.PullConflict:
		files := ""
		if len(pe.Files) > 0 {
			files = " in " + strings.Join(pe.Files, ", ")
		}
		return fmt.Sprintf("Your local commits and the changes on %s conflict%s. opsync undid the merge, so %s is as it was. "+
			"Resolve it by hand: `cd %s && git pull --no-rebase`, fix the conflicting files, `git commit`.",
			r.target(), files, r.name(), r.r.WorkTree)
	case git.PullLocalEdits:
		return fmt.Sprintf("Uncommitted edits in %s touch files the pull would change. Commit them (or move them aside) "+
			"yourself; opsync never stashes or overwrites your edits.", r.name())
	case git.PullStaged:
		quoted := make([]string, len(pe.Files))
		for i, f := range pe.Files {
			quoted[i] = shellQuote(f)
		}
		return fmt.Sprintf("Staged changes in %s (%s) block the merge: when a pull is not a fast-forward, git merges only "+
			"with nothing staged, even when the incoming changes do not touch those files. Unstage them "+
			"(`git -C %s restore --staged -- %s`: your edits stay in the files), or commit them, then run the command again.",
			r.name(), strings.Join(pe.Files, ", "), r.r.WorkTree, strings.Join(quoted, " "))
	case git.PullUnreachable:
		return fmt.Sprintf("%s (`git -C %s fetch %s` shows the same error.)",
			r.remoteAdvice(err), r.r.WorkTree, r.remote)
	case git.PullTimeout:
		return fmt.Sprintf("The remote %s did not answer in time (operator_sync: git_timeout is %s).", r.remote, r.settings.GitTimeout)
	}
	return ""
}

// diskFullBelow is the free space under which a failed git command is
// put down to a full disk.
const diskFullBelow = 1 << 20

// diskAdvice says so when the file system holding the repository's git
// directory is full, "" when it is not: git's message for a write that
// failed does not always say why ("couldn't write '…/main.lock'").
func (r *repo) diskAdvice() string {
	var st unix.Statfs_t
	if err := unix.Statfs(r.r.CommonDir, &st); err != nil {
		return ""
	}
	free := uint64(st.Bavail) * uint64(st.Bsize)
	if free >= diskFullBelow {
		return ""
	}
	return fmt.Sprintf("The file system holding %s is full (%d KiB free): free some space there.",
		r.r.CommonDir, free/1024)
}

// pushWithRetry pushes HEAD to the remote, never forcing. When the push
// loses a race to someone else's (git.RaceLost) it pulls (a merge) and
// tries again, after a jittered pause that grows with each try, for up to
// push_retry_for (and at most push_retries times, when that is set). A
// failed pull is aborted by pull itself, so on any error the repository
// holds the local commits and no half-done merge. resolve, when not nil,
// may settle a conflict of a retry's pull first (Run.retryResolver). The
// caller holds the lock.
func (r *repo) pushWithRetry(ctx context.Context, remote, ref string, resolve git.ConflictResolver) (err error) {
	defer func() {
		if err != nil {
			r.recordPushFailure(err)
		}
	}()
	r.shareSSH(ctx, remote)
	start := time.Now()
	deadline := start.Add(r.settings.PushRetryFor)
	noted := false // the operator was told the push is still being retried
	for attempt := 0; ; attempt++ {
		err := r.c.Push(ctx, remote, ref)
		var pe *git.PushError
		if err == nil || !errors.As(err, &pe) || pe.Kind != git.PushRejected {
			return err
		}
		if max := r.settings.PushRetries; max >= 0 && attempt >= max {
			return fmt.Errorf("the push lost the race %d times in a row: each time someone else had pushed to %s first "+
				"(operator_sync: push_retries is %d). Many operators are pushing at once; `opsync sync` tries again:\n%w",
				attempt+1, r.target(), max, err)
		}
		// Someone pushed first: merge their entries and try again, after a
		// random pause that grows with each try, so that operators who
		// keep pushing at the same moment stop meeting.
		pause := retryPauseFor(attempt, time.Since(start), r.settings.PushRetryFor)
		if attempt >= minRetries && time.Now().Add(pause).After(deadline) {
			return fmt.Errorf("the push lost the race %d times in %s: each time someone else had pushed to %s first "+
				"(operator_sync: push_retry_for is %s). Many operators are pushing at once; `opsync sync` tries again:\n%w",
				attempt+1, time.Since(start).Round(100*time.Millisecond), r.target(), r.settings.PushRetryFor, err)
		}
		if !noted && time.Since(start) >= retryNoteAfter {
			noted = true
			r.e.note("others keep pushing to %s first; opsync keeps trying, for up to %s (push_retry_for). "+
				"Interrupting it leaves the entry committed here, for `opsync sync`", r.target(), r.settings.PushRetryFor)
		}
		if err := sleepCtx(ctx, pause); err != nil {
			return err
		}
		// Merge what arrived. Once half of push_retry_for is spent, fetch
		// again, merging what came (quietChecks times at most, until a
		// fetch brings nothing): the merge takes a while, and a push made
		// on a fetch a moment old loses less often than one made on the
		// fetch before the merge.
		for check := 0; ; check++ {
			res, perr := r.pullWith(ctx, firstResolving(resolve, r.entryVersionResolver(nil)))
			if perr != nil {
				err = fmt.Errorf("the push was rejected because %s has new commits, and pulling them failed:\n%w", r.target(), perr)
				if advice := r.pullAdvice(perr); advice != "" {
					err = fmt.Errorf("%w\n%s", err, advice)
				}
				return err
			}
			if !res.changed || check >= quietChecks || !lateInRetries(time.Since(start), r.settings.PushRetryFor) {
				break
			}
		}
	}
}

// Pauses before retrying a lost push: the first up to retryPause, each
// further one up to twice the one before, until maxRetryPause; each is
// drawn at random from the upper half of its range. The jitter keeps
// operators who lost to each other from meeting again, and the growth
// thins a crowd out: every try that loses cost a fetch, a merge and a
// push for nothing, on the remote and on machines that may be busy with
// others' work too (eight clones on one machine pushing at once took
// three times as long with pauses that stopped at 0.4 s).
//
// Growth alone is unfair, though: whoever has just won pushes its next
// entry at once, while those who lost a few times wait seconds between
// tries (the capture effect of Ethernet's back-off), and under eight
// clones pushing at once one operator lost for the whole of
// push_retry_for. So once an operator has waited half of push_retry_for,
// the pauses are short again: the ones close to giving up go first.
//
// Whatever push_retry_for says, a push is tried again minRetries times: on
// a slow machine or remote one round (pull, push) can take longer than
// the whole bound.
//
// For the same reason, once half of push_retry_for is spent, a retry's
// merge is followed by fetches (quietChecks at most, merging each time
// something arrived) until one brings nothing, so that the push goes out
// on the newest state of the remote. Done on every retry, those fetches
// and merges cost more than they win (1.6 times the CPU under eight
// clones); done by the few who are close to giving up, they let them in.
//
// An operator whose push has been retried for retryNoteAfter is told so,
// once: the command's own output is over, and the terminal would
// otherwise say nothing while opsync waits.
const (
	retryNoteAfter = 10 * time.Second
	quietChecks    = 3
	minRetries     = 3
	retryPause     = 100 * time.Millisecond
	maxRetryPause  = 3200 * time.Millisecond
)

// retryPauseFor is the pause before try attempt+1, having waited waited
// of the bound.
func retryPauseFor(attempt int, waited, bound time.Duration) time.Duration {
	d := min(retryPause<<min(attempt, 6), maxRetryPause)
	if lateInRetries(waited, bound) {
		d = retryPause
	}
	return d/2 + rand.N(d/2+1)
}

// lateInRetries reports whether a push that has waited waited of its
// bound (push_retry_for) is in the second half of it, where those close to
// giving up go first: short pauses, and fetches again after each merge.
func lateInRetries(waited, bound time.Duration) bool { return waited >= bound/2 }

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// shareSSH lets the repository's git processes share one ssh connection
// to the remote when it is reached over ssh and the operator's ssh set-up
// allows it (git.SSHShare): the pull before abra and the push after it
// then cost one handshake instead of two.
func (r *repo) shareSSH(ctx context.Context, remote string) {
	if r.sshShared {
		return
	}
	r.sshShared = true
	r.c.Env = append(r.c.Env, r.e.ssh.Env(ctx, r.r, remote)...)
}

// recordPush notes a successful push.
// recordPushFailure remembers why a push failed (state.PushFailure);
// recordPush forgets it. The caller holds the lock.
func (r *repo) recordPushFailure(err error) {
	f := &state.PushFailure{At: r.e.o.Now(), Kind: state.PushRemote}
	var pull *git.PullError
	var push *git.PushError
	switch {
	case errors.As(err, &pull) && pull.Kind == git.PullConflict:
		f.Kind, f.Files = state.PushConflict, pull.Files
	case errors.As(err, &push) && push.Kind == git.PushRejected:
		f.Kind = state.PushRace
	}
	state.Update(r.r.OpsyncDir(), func(s *state.State) { s.PushFailure = f })
}

func (r *repo) recordPush(now time.Time) {
	state.Update(r.r.OpsyncDir(), func(s *state.State) { s.LastPush, s.PushFailure = now, nil })
}

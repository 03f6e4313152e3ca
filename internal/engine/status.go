package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/config"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/lease"
	"coopcloud.tech/opsync/internal/lock"
	"coopcloud.tech/opsync/internal/state"
	"coopcloud.tech/opsync/internal/ui"
)

// RepoStatus is what `opsync status` reports about one repository. The JSON
// keys are part of opsync's interface (README, "opsync status"); every key
// is always present.
type RepoStatus struct {
	Repo    string   `json:"repo"`    // work tree (or the server directory outside git)
	Servers []string `json:"servers"` // server directories it holds
	Git     bool     `json:"git"`
	Sync    bool     `json:"sync"`
	Reason  string   `json:"reason"` // why sync is on or off

	Branch   string `json:"branch"`   // "" when detached or not git
	Detached bool   `json:"detached"` // HEAD is not a branch
	Head     string `json:"head"`     // commit id, "" before the first commit
	// Remote is where opsync pulls from and pushes to ("origin/main"), ""
	// when the repository has no remote (a local log); RemoteError says
	// why it cannot be told (several remotes, detached HEAD, …).
	Remote      string `json:"remote"`
	RemoteError string `json:"remote_error"`
	// Ahead and Behind count commits against the remote branch as last
	// fetched (status does not fetch); null when unknown (no remote, or
	// the remote branch was never fetched).
	Ahead  *int `json:"ahead"`
	Behind *int `json:"behind"`
	// Unpushed are the log entries (and manual commits) not on the remote
	// branch, newest first, merges left out; UnpushedTruncated says the
	// list stops at maxUnpushed.
	Unpushed          []LogEntry `json:"unpushed"`
	UnpushedTruncated bool       `json:"unpushed_truncated"`
	// Changes are the files with uncommitted changes: none of them is in
	// the log.
	Changes []Change `json:"changes"`
	// InProgress names an operation stopped half-way ("merge", "rebase",
	// "cherry-pick", "revert", "bisect"); opsync will not touch the
	// repository until it is finished or aborted.
	InProgress string `json:"in_progress"`

	LastPull *time.Time `json:"last_pull"` // last successful pull by opsync
	// PullFailures counts the pulls before read-only commands that failed
	// in a row (LastPullFailure the last); PullBackoffLeftSeconds is how
	// long read-only commands still skip the pull because of them.
	PullFailures           int        `json:"pull_failures"`
	LastPullFailure        *time.Time `json:"last_pull_failure"`
	PullBackoffLeftSeconds float64    `json:"pull_backoff_left_seconds"`
	LastPush               *time.Time `json:"last_push"`
	// LastPushFailure is why the last push failed, null after one that
	// worked (or when none failed).
	LastPushFailure     *state.PushFailure `json:"last_push_failure"`
	CooldownSeconds     float64            `json:"cooldown_seconds"`      // the configured cooldown
	CooldownLeftSeconds float64            `json:"cooldown_left_seconds"` // whole seconds; 0: the next read-only command pulls
	// Lock is the opsync process running git in the repository right now,
	// null when none.
	Lock *LockHolder `json:"lock"`
	// Leases are the app leases on the remote ("who is deploying what
	// now"), read only when leasing is on (operator_sync: lease: true) or
	// asked for (status --leases), since reading them contacts the remote;
	// null when not read. LeasesError says why they could not be read.
	Leases      []lease.Lease `json:"leases"`
	LeasesError string        `json:"leases_error,omitempty"`

	// Interrupted says what status did about commands whose opsync
	// stopped while abra ran (intent.go).
	Interrupted []string `json:"interrupted,omitempty"`
	// Settings are the repository's effective operator_sync settings and
	// where each comes from (default, the team file, abra.yml).
	Settings []config.Source `json:"settings"`
	// InStep: sync is on, nothing to push, nothing known to pull, nothing
	// blocking.
	InStep bool `json:"in_step"`
	// Problems says what needs the operator, each with what to type.
	Problems []string `json:"problems"`
	// Error is set when the repository's state could not be read.
	Error string `json:"error"`
}

// Change is one uncommitted change.
type Change struct {
	Path     string `json:"path"`
	OrigPath string `json:"orig_path"` // for a staged rename
	State    string `json:"state"`     // "modified", "untracked", "added (staged)", …
}

// LockHolder is the process holding a repository's lock.
type LockHolder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Since   time.Time `json:"since"`
	Command string    `json:"command"` // the abra command it runs for, redacted
}

// maxUnpushed bounds the unpushed list when the remote branch is unknown
// (the whole history would otherwise be listed).
const maxUnpushed = 100

// Status reports on every repository Repos lists.
func (e *Engine) Status(ctx context.Context) ([]RepoStatus, error) {
	rs, err := e.Repos()
	if err != nil {
		return nil, err
	}
	out := make([]RepoStatus, 0, len(rs))
	for _, rp := range rs {
		out = append(out, rp.Status(ctx))
	}
	return out, nil
}

// Status reports on one repository. It reads files in the git directory
// and runs one `git status`, plus a `git rev-list` when git status cannot
// count against opsync's remote and a `git log` when there is something
// unpushed. It never fetches, and takes the lock only to log a command
// whose opsync stopped while abra ran (recoverIntents); otherwise it only
// looks.
func (rp *Repository) Status(ctx context.Context) RepoStatus {
	st := RepoStatus{Repo: rp.Path, Servers: rp.Servers, Git: rp.Git, Sync: rp.SyncOn, Reason: rp.Reason,
		Unpushed: []LogEntry{}, Changes: []Change{}, Problems: []string{}}
	if !rp.Git {
		return st
	}
	r := rp.r
	// Commands whose opsync stopped while abra ran: logged now (the only
	// thing status writes), or said to be waiting for their abra.
	st.Interrupted = r.recoverIntents(ctx, rp.SyncOn)
	settings := r.settings
	st.Settings = rp.Settings()
	if rp.TeamErr != nil {
		st.Problems = append(st.Problems, fmt.Sprintf("the team's settings cannot be read, so commands that log here refuse to run: %v. "+
			"Fix the file and commit the fix (it is the team's: push it too)", rp.TeamErr))
	}
	st.CooldownSeconds = settings.Cooldown.Seconds()
	saved := state.Read(r.r.OpsyncDir())
	if !saved.LastPull.IsZero() {
		t := saved.LastPull
		st.LastPull = &t
	}
	if saved.PullFailures > 0 && !saved.LastPullFailure.IsZero() {
		t := saved.LastPullFailure
		st.PullFailures, st.LastPullFailure = saved.PullFailures, &t
		st.PullBackoffLeftSeconds = saved.BackoffLeft(rp.e.o.Now()).Round(time.Second).Seconds()
	}
	st.LastPushFailure = saved.PushFailure
	if !saved.LastPush.IsZero() {
		t := saved.LastPush
		st.LastPush = &t
	}
	st.CooldownLeftSeconds = saved.CooldownLeft(rp.e.o.Now(), settings.Cooldown).Round(time.Second).Seconds()
	if h, held, err := lock.Inspect(r.r.OpsyncDir()); held {
		st.Lock = &LockHolder{PID: h.PID, Host: h.Host, Since: h.Since, Command: h.Command}
	} else if err != nil {
		st.Problems = append(st.Problems, fmt.Sprintf("cannot read the lock in %s: %v", r.r.OpsyncDir(), err))
	}
	st.InProgress = r.r.InProgress()
	if err := r.stateProblem(); err != nil {
		st.Problems = append(st.Problems, err.Error())
	}

	gs, err := r.c.Status(ctx)
	if err != nil {
		st.Error = err.Error()
		st.Problems = append(st.Problems, "cannot read the repository's state: "+err.Error())
		return st
	}
	st.Head, st.Branch, st.Detached = gs.Head, gs.Branch, gs.Branch == ""
	for _, c := range gs.Entries {
		st.Changes = append(st.Changes, Change{Path: c.Path, OrigPath: c.OrigPath, State: c.Describe()})
	}

	remote, ref, err := r.upstream(ctx)
	if err != nil {
		st.RemoteError = err.Error()
		if !st.Detached || st.InProgress == "" { // a rebase detaches HEAD: say it once
			st.Problems = append(st.Problems, err.Error())
		}
	} else if remote != "" {
		st.Remote = r.target()
		rp.countAgainstRemote(ctx, &st, gs, remote, ref)
		rp.checkOneLog(ctx, &st, remote, ref)
	}
	blocked := st.InProgress != "" || st.Detached // sync refuses: its advice would mislead
	switch {
	case blocked:
	case len(st.Unpushed) > 0:
		st.Problems = append(st.Problems, rp.unpushedAdvice(st, saved.PushFailure))
	case st.Ahead != nil && *st.Ahead > 0:
		st.Problems = append(st.Problems, fmt.Sprintf("%d merge commit%s not pushed to %s: `opsync sync` pushes %s",
			*st.Ahead, plural(*st.Ahead), st.Remote, pronoun(*st.Ahead)))
	}
	if st.Behind != nil && *st.Behind > 0 && !blocked {
		st.Problems = append(st.Problems, fmt.Sprintf("%d new commit%s on %s not pulled yet: `opsync sync` (or the next abra app command) pulls them",
			*st.Behind, plural(*st.Behind), st.Remote))
	}
	st.InStep = st.Sync && len(st.Problems) == 0 && (st.Remote == "" || (st.Ahead != nil && st.Behind != nil))
	return st
}

// countAgainstRemote fills in ahead/behind and the unpushed entries.
func (rp *Repository) countAgainstRemote(ctx context.Context, st *RepoStatus, gs *git.Status, remote, ref string) {
	r := rp.r
	branch := strings.TrimPrefix(ref, "refs/heads/")
	tracking := trackingRef(remote, ref)
	trackingID, _ := r.r.ResolveRef(tracking)
	switch {
	case st.Head == "":
		zero := 0
		st.Ahead = &zero
		if trackingID != "" {
			st.Problems = append(st.Problems, fmt.Sprintf("the branch has no commit yet while %s has: `opsync sync` pulls it", st.Remote))
		} else {
			st.Behind = &zero // both empty: nothing to pull or push
		}
		return
	case trackingID == "":
		// Never fetched, or the remote has no such branch yet: everything
		// local is unpushed.
		rp.unpushed(ctx, st, "HEAD")
		return
	case gs.HasAB && gs.Upstream == remote+"/"+branch:
		st.Ahead, st.Behind = &gs.Ahead, &gs.Behind
	default:
		out, err := r.c.LeftRightCount(ctx, tracking)
		f := strings.Fields(out)
		if err != nil || len(f) != 2 {
			st.Problems = append(st.Problems, fmt.Sprintf("cannot compare with %s: %v", st.Remote, err))
			return
		}
		ahead, _ := strconv.Atoi(f[0])
		behind, _ := strconv.Atoi(f[1])
		st.Ahead, st.Behind = &ahead, &behind
	}
	if *st.Ahead > 0 {
		rp.unpushed(ctx, st, tracking+"..HEAD")
	}
}

// unpushed lists the log entries in revs.
func (rp *Repository) unpushed(ctx context.Context, st *RepoStatus, revs string) {
	lr := rp.r.c.StartLog(ctx, git.LogFilter{Revs: revs, MaxCount: maxUnpushed + 1})
	for {
		c, ok := lr.Next()
		if !ok {
			break
		}
		if len(st.Unpushed) == maxUnpushed {
			st.UnpushedTruncated = true
			break
		}
		st.Unpushed = append(st.Unpushed, rp.entry(c))
	}
	if err := lr.Close(); err != nil {
		st.Problems = append(st.Problems, "cannot list the unpushed entries: "+err.Error())
	}
}

// unpushedWhat names the unpushed commits: log entries, or commits when
// some were made by hand.
func unpushedWhat(les []LogEntry, more bool) string {
	for _, le := range les {
		if le.Manual {
			n := fmt.Sprintf("%d commits", len(les))
			if len(les) == 1 {
				n = "1 commit"
			}
			if more {
				n = "more than " + n
			}
			return n
		}
	}
	return countEntries(len(les), more)
}

func countEntries(n int, more bool) string {
	if more {
		return fmt.Sprintf("more than %d log entries", n)
	}
	switch n {
	case 0:
		return "merge commits"
	case 1:
		return "1 log entry"
	}
	return fmt.Sprintf("%d log entries", n)
}

func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// checkOneLog finds a team log split in two, from what was last fetched (no
// network): the remote's other branches carrying log entries this branch
// does not have (teammates logging to another branch: neither side sees the
// other's entries), or a branch with no history in common with the remote
// branch it tracks. Costs nothing when the remote has one branch and the
// two are not diverged.
func (rp *Repository) checkOneLog(ctx context.Context, st *RepoStatus, remote, ref string) {
	if st.Head == "" {
		return
	}
	r := rp.r
	branch := strings.TrimPrefix(ref, "refs/heads/")
	if st.Ahead != nil && st.Behind != nil && *st.Ahead > 0 && *st.Behind > 0 {
		if related, err := r.c.Related(ctx, "HEAD", "refs/remotes/"+remote+"/"+branch); err == nil && !related {
			st.Problems = append(st.Problems, UnrelatedAdvice(r.r.WorkTree, st.Branch, remote, branch))
		}
	}
	heads, err := r.r.RemoteBranches(remote)
	if err != nil || len(heads) < 2 && heads[branch] != "" {
		return
	}
	var others []string
	for b := range heads {
		if b != branch {
			others = append(others, b)
		}
	}
	split, err := r.c.EntriesElsewhere(ctx, remote, others)
	if err != nil {
		return
	}
	for _, be := range split {
		st.Problems = append(st.Problems, SplitLogAdvice(r.r.WorkTree, st.Branch, remote, branch, be))
	}
}

// SplitLogAdvice says that the team log is split over two branches of the
// remote, and how to join them.
func SplitLogAdvice(dir, local, remote, branch string, be git.BranchEntries) string {
	return fmt.Sprintf("the team log is split: %s/%s has %d log entr%s that this branch (%s, tracking %s/%s) does not have, "+
		"so the operators logging there and you do not see each other's entries. Join the two on one branch (the one the "+
		"remote's HEAD names; `opsync doctor` says which): merge the other into it "+
		"(`git -C %s merge --no-edit --allow-unrelated-histories %s/%s`, then `opsync sync`), delete the other on the remote "+
		"(`git -C %s push %s --delete BRANCH`), and have every operator track the one left (`git -C DIR branch -u %s/BRANCH`)",
		remote, ui.Escape(be.Branch), be.Entries, pluralY(be.Entries), ui.Escape(local), remote, ui.Escape(branch),
		dir, remote, ui.Escape(be.Branch), dir, remote, remote)
}

// UnrelatedAdvice says that a branch and the remote branch it tracks have
// no history in common (a log started beside the team's).
func UnrelatedAdvice(dir, local, remote, branch string) string {
	return fmt.Sprintf("this branch (%s) and %s/%s, which it tracks, share no history: a log was started here beside the team's, "+
		"and pushing it is refused. Merge the team's into it (`git -C %s merge --no-edit --allow-unrelated-histories %s/%s`), "+
		"then `opsync sync`", ui.Escape(local), remote, ui.Escape(branch), dir, remote, ui.Escape(branch))
}

func pluralY(n int) string {
	if n == 1 {
		return "y"
	}
	return "ies"
}

// unpushedAdvice says what pushes the unpushed entries: what will work,
// after the way the last push failed.
func (rp *Repository) unpushedAdvice(st RepoStatus, f *state.PushFailure) string {
	what := unpushedWhat(st.Unpushed, st.UnpushedTruncated)
	if f == nil {
		return fmt.Sprintf("%s not pushed to %s: `opsync sync` pushes %s", what, st.Remote, pronoun(len(st.Unpushed)))
	}
	when := f.At.Local().Format("2006-01-02 15:04")
	switch f.Kind {
	case state.PushConflict:
		files := "the files both sides changed"
		if len(f.Files) > 0 {
			files = ui.Escape(strings.Join(f.Files, ", "))
		}
		return fmt.Sprintf("%s not pushed to %s: the last push (%s) failed because the pull before it conflicted with a teammate's change in %s, "+
			"so `opsync sync` would stop the same way. Merge by hand: `git -C %s pull --no-rebase`, fix %s, `git add` them and `git commit`; "+
			"then `opsync sync` pushes %s", what, st.Remote, when, files, rp.Path, files, pronoun(len(st.Unpushed)))
	case state.PushRace:
		return fmt.Sprintf("%s not pushed to %s: the last push (%s) kept losing to teammates' pushes for longer than push_retry_for; "+
			"`opsync sync` pushes %s", what, st.Remote, when, pronoun(len(st.Unpushed)))
	}
	return fmt.Sprintf("%s not pushed to %s: the last push (%s) could not reach it; once it answers (`opsync doctor` checks), "+
		"`opsync sync` pushes %s", what, st.Remote, when, pronoun(len(st.Unpushed)))
}

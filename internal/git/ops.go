package git

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrNoRemoteBranch means the remote has no such branch yet (a new, empty
// remote): there is nothing to pull, and the first push creates it.
var ErrNoRemoteBranch = errors.New("the remote has no such branch yet")

// PullError is a pull that failed. Kind says why, so the caller can choose
// the message and whether anything must be undone.
type PullError struct {
	Kind  PullFailure
	Err   error    // the *Error from git
	Files []string // for PullConflict: the files that conflicted; for PullStaged: the staged files git names
}

// PullFailure classifies a failed pull.
type PullFailure int

const (
	PullOther       PullFailure = iota
	PullConflict                // the merge stopped with conflicts (and was aborted)
	PullLocalEdits              // uncommitted local edits would be overwritten; nothing changed
	PullUnreachable             // the remote could not be reached or refused access
	PullTimeout                 // the pull did not finish in time
	// PullStaged: the merge is not a fast-forward and the index differs
	// from HEAD, which git refuses whatever files the merge touches
	// ("Your local changes … would be overwritten by merge" naming staged
	// files the merge may not touch at all); nothing changed.
	PullStaged
)

func (e *PullError) Error() string { return e.Err.Error() }
func (e *PullError) Unwrap() error { return e.Err }

// fetchArgs builds the first step of opsync's pull: fetch remote's ref
// (FETCH_HEAD names it afterwards). extra goes before the repository
// argument, and "--" after it: the remote and the ref are never options.
//
// The fetch does not start git's automatic maintenance (a `git maintenance
// run --auto` process after every fetch, since git 2.29; an older git
// ignores the setting): the commit opsync makes after the command starts
// it anyway, and a process between the fetch and the push is time in which
// a teammate's push makes ours lose the race.
func fetchArgs(remote, ref string, also []string, extra ...string) []string {
	args := []string{"-c", "maintenance.auto=false", "fetch", "--quiet"}
	args = append(args, extra...)
	switch {
	case remote != "" && ref != "":
		args = append(append(args, "--", remote, ref), also...)
	case remote != "":
		args = append(args, "--", remote)
	}
	return args
}

// mergeArgs is the one git merge opsync runs, for the pull's second step
// (rev FETCH_HEAD) and for the merge a retry makes (Merge): always a merge
// (the operator's pull.rebase does not apply), fast-forward when possible
// and a merge commit otherwise (merge.ff=only is overridden too, or a
// diverged branch could never sync), no editor, and no autostash: opsync
// never stashes. The autostash is turned off with -c merge.autoStash=false,
// not --no-autostash: git merge learnt --[no-]autostash in 2.27 (its
// release notes: "git merge" learns the "--autostash" option), and opsync
// supports 2.25 (MinVersion), whose merge would refuse the option as
// unknown; an older git ignores the setting, and its merge never stashes.
// The client's MergeConfig (opsync's env merge driver) comes first, as -c
// settings.
func (c *Client) mergeArgs(rev string, message ...string) []string {
	args := make([]string, 0, 2*len(c.MergeConfig)+12)
	for _, kv := range c.MergeConfig {
		args = append(args, "-c", kv)
	}
	args = append(args, "-c", "merge.autoStash=false", "merge", "--ff", "--no-edit", "--no-stat", "--quiet")
	if len(message) > 0 && message[0] != "" {
		args = append(args, "-m", message[0])
	}
	return append(args, "--", rev)
}

// Pull does what `git pull --no-rebase` does, in its two steps: `git
// fetch` of remote's ref, then `git merge FETCH_HEAD` — which is skipped
// when the fetched commit is HEAD already, the usual case when nobody else
// pushed since the operator's last command: `git pull` would start a merge
// process only to say "Already up to date". On a merge conflict it aborts
// the merge, so the repository is left exactly as it was, and reports
// PullConflict.
func (c *Client) Pull(ctx context.Context, r *Repo, remote, ref string) error {
	return c.PullResolving(ctx, r, remote, ref, nil)
}

// ConflictResolver is given a merge that stopped with conflicts, while it
// is still in progress. It either finishes the merge itself (resolving
// and committing it) and returns true, or leaves it untouched and returns
// false, and Pull then aborts it as usual.
type ConflictResolver func(ctx context.Context, files []string) (bool, error)

// PullResolving is Pull, with a chance to resolve a conflicted merge
// before it is aborted. The resolver's error is returned, wrapped in the
// PullConflict error, after the merge is aborted. The client's MergeConfig
// (opsync's env merge driver) applies to the merge step.
func (c *Client) PullResolving(ctx context.Context, r *Repo, remote, ref string, resolve ConflictResolver) error {
	_, err := c.run(ctx, fetchArgs(remote, ref, c.AlsoFetch)...)
	if err == nil && r != nil && r.FetchedIsHead() {
		return nil
	}
	if err == nil && c.BeforeMerge != nil {
		if berr := c.BeforeMerge(ctx); berr != nil {
			return berr
		}
	}
	if err == nil {
		rev, message := "FETCH_HEAD", ""
		if len(c.AlsoFetch) > 0 && ref != "" && r != nil {
			// When FETCH_HEAD names leases too, `git merge FETCH_HEAD`
			// would merge every line: merge the branch's (the first),
			// with the message git would have given it.
			if fh := r.FetchHead(); len(fh) > 1 && fh[0].ForMerge {
				rev, message = fh[0].ID, "Merge "+fh[0].Desc
			}
		}
		_, err = c.run(ctx, c.mergeArgs(rev, message)...)
	}
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNotInstalled) {
		return err
	}
	stderr := StderrOf(err)
	var ge *Error
	errors.As(err, &ge)
	switch {
	case ge != nil && ge.TimedOut:
		// A merge may have been under way when git was stopped.
		c.abortMergeIfAny(ctx, r)
		return &PullError{Kind: PullTimeout, Err: err}
	case strings.Contains(stderr, "couldn't find remote ref"):
		return ErrNoRemoteBranch
	case r != nil && r.InProgress() == "merge":
		files := conflictFiles(ge)
		if resolve != nil {
			done, rerr := resolve(ctx, files)
			if done && rerr == nil {
				return nil
			}
			if rerr != nil {
				err = fmt.Errorf("%w\n%v", err, rerr)
			}
		}
		if aerr := c.abortMergeIfAny(ctx, r); aerr != nil {
			return fmt.Errorf("%w\nand aborting the merge failed too: %v", err, aerr)
		}
		return &PullError{Kind: PullConflict, Err: err, Files: files}
	case strings.Contains(stderr, "would be overwritten by merge"),
		strings.Contains(stderr, "untracked working tree files would be"):
		if staged := c.stagedAmong(ctx, overwrittenFiles(stderr)); len(staged) > 0 {
			return &PullError{Kind: PullStaged, Err: err, Files: staged}
		}
		return &PullError{Kind: PullLocalEdits, Err: err}
	case ClassifyRemote(stderr) != RemoteFine:
		return &PullError{Kind: PullUnreachable, Err: err}
	}
	return &PullError{Kind: PullOther, Err: err}
}

// overwrittenFiles reads the indented file list git prints after "…would
// be overwritten by merge:".
func overwrittenFiles(stderr string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(stderr, "\n") {
		switch {
		case strings.Contains(l, "would be overwritten by merge:"):
			in = true
		case in && (strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "  ")):
			out = append(out, strings.TrimSpace(l))
		default:
			in = false
		}
	}
	return out
}

// stagedAmong returns the files of names that are staged (the index differs
// from HEAD for them): one git process, on this failure path only.
func (c *Client) stagedAmong(ctx context.Context, names []string) []string {
	if len(names) == 0 {
		return nil
	}
	out, err := c.run(ctx, "diff", "--cached", "--name-only", "-z", "--no-renames")
	if err != nil {
		return nil
	}
	staged := map[string]bool{}
	for _, p := range strings.Split(out, "\x00") {
		staged[p] = p != ""
	}
	var hit []string
	for _, n := range names {
		if staged[n] {
			hit = append(hit, n)
		}
	}
	return hit
}

// conflictFiles reads "CONFLICT (content): Merge conflict in <path>" lines.
func conflictFiles(ge *Error) []string {
	if ge == nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(ge.Stdout+"\n"+ge.Stderr, "\n") {
		if !strings.HasPrefix(l, "CONFLICT") {
			continue
		}
		if i := strings.LastIndex(l, "Merge conflict in "); i >= 0 {
			out = append(out, strings.TrimSpace(l[i+len("Merge conflict in "):]))
		}
	}
	return out
}

// abortMergeIfAny undoes a merge git stopped in: `git merge --abort` puts the
// index and files back as they were before the merge, keeping the
// operator's unrelated local edits (git refuses to start a merge over edits
// to the files it touches).
func (c *Client) abortMergeIfAny(ctx context.Context, r *Repo) error {
	if r == nil || r.InProgress() != "merge" {
		return nil
	}
	_, err := c.run(context.WithoutCancel(ctx), "merge", "--abort")
	return err
}

// PushResult classifies a failed push.
type PushFailure int

const (
	PushOther       PushFailure = iota
	PushRejected                // the push lost a race to someone else's (RaceLost): pull and retry
	PushDeclined                // the remote refused it (hook, protected branch): retrying will not help
	PushUnreachable             // no connection
	PushTimeout
)

// PushError is a push that failed.
type PushError struct {
	Kind PushFailure
	Err  error
}

func (e *PushError) Error() string { return e.Err.Error() }
func (e *PushError) Unwrap() error { return e.Err }

// Push pushes HEAD to remote's ref. It never forces. A failure is a
// *PushError, classified by ClassifyPush.
func (c *Client) Push(ctx context.Context, remote, ref string) error {
	out, err := c.run(ctx, "push", "--porcelain", "--", remote, "HEAD:"+ref)
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNotInstalled) {
		return err
	}
	return &PushError{Kind: ClassifyPush(out, err, ref).Kind, Err: err}
}

// CommitOnly commits exactly paths with `git commit --only` semantics: the
// working-tree content of those paths (new, changed or deleted) and nothing
// else. Other staged and unstaged changes stay as they were, staged or not.
// With no paths the commit is empty, which still makes a log entry.
//
// --only takes only paths git knows: the paths in fresh, which the caller
// believes git does not know yet (a new env file: app new, the new side of
// a move), are added first. One git process does in the usual case (the
// env file is tracked). When git still names a path it does not know, a
// path on disk is added (a file created by hand and never committed) and
// a path that is nowhere (a command that failed before writing it) is left
// out, and the commit is tried once more.
func (c *Client) CommitOnly(ctx context.Context, message string, paths, fresh []string) error {
	if len(fresh) > 0 {
		if _, err := c.run(ctx, append([]string{"add", "--"}, fresh...)...); err != nil {
			return err
		}
	}
	err := c.commitOnly(ctx, message, paths)
	unknown := unknownPathspecs(err)
	if len(unknown) == 0 {
		return err
	}
	var add, keep []string
	for _, p := range paths {
		switch _, statErr := os.Lstat(filepath.Join(c.Dir, filepath.FromSlash(p))); {
		case !slices.Contains(unknown, p):
			keep = append(keep, p)
		case statErr == nil:
			add = append(add, p)
			keep = append(keep, p)
		}
	}
	if len(add) > 0 {
		if _, aerr := c.run(ctx, append([]string{"add", "--"}, add...)...); aerr != nil {
			return aerr
		}
	}
	return c.commitOnly(ctx, message, keep)
}

func (c *Client) commitOnly(ctx context.Context, message string, paths []string) error {
	args := []string{"commit", "--only", "--allow-empty", "--cleanup=verbatim", "-F", "-"}
	if len(paths) > 0 {
		args = append(append(args, "--"), paths...)
	}
	_, err := c.runCmd(ctx, cmd{args: args, stdin: strings.NewReader(message)})
	return err
}

// unknownPathspecs reads "error: pathspec 'X' did not match any file(s)
// known to git" lines: the paths a commit was refused for.
func unknownPathspecs(err error) []string {
	var out []string
	for _, l := range strings.Split(StderrOf(err), "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), "error: pathspec '")
		if !ok {
			continue
		}
		if p, _, ok := strings.Cut(rest, "' did not match any file(s) known to git"); ok {
			out = append(out, p)
		}
	}
	return out
}

// Ident returns the operator's git identity, "Name <email>", the way git
// will use it for the author of a commit; an error when it is not set.
// When the identity is set explicitly in the environment or the config
// files it is read from them (see identFromFiles); otherwise, and when
// that is not certain, `git var GIT_AUTHOR_IDENT` decides.
func (c *Client) Ident(ctx context.Context) (string, error) {
	if id, ok := c.identFromFiles(); ok {
		return id, nil
	}
	out, err := c.run(ctx, "var", "GIT_AUTHOR_IDENT")
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(out)
	// "Name <email> 1700000000 +0100": drop the time stamp.
	if i := strings.LastIndex(s, ">"); i >= 0 {
		s = s[:i+1]
	}
	return s, nil
}

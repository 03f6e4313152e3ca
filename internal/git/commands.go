package git

import (
	"context"
	"fmt"
	"strings"
)

// The typed commands below are every git command line opsync runs outside
// the pull, push, commit and log machinery of this package: the set-up
// (opsync init), doctor, leases, the env merge driver and the engine's
// readings of history. Each builds its argument list here, once, with the
// repository's words (remotes, URLs, branches, paths, revisions) after
// "--" or "--end-of-options", or attached to a constant ("HEAD:"+path),
// so that none of them can be read by git as an option. No other package
// builds a git argument list (TestNoRawGitArgvOutsideGit, in the root
// package, fails when one does).
//
// Methods that return git's output return it as git printed it (callers
// trim or split it), unless they say otherwise.

// --- repositories, remotes, branches (opsync init) ---

// Init makes dir a git repository (git init).
func (c *Client) Init(ctx context.Context, dir string) error {
	_, err := c.run(ctx, "init", "--quiet", "--", dir)
	return err
}

// Clone clones url into dir, naming the remote origin and checking out
// branch.
func (c *Client) Clone(ctx context.Context, url, dir, origin, branch string) error {
	_, err := c.run(ctx, "clone", "--quiet", "--origin", origin, "--branch="+branch, "--", url, dir)
	return err
}

// CloneBare makes dir a bare clone of url.
func (c *Client) CloneBare(ctx context.Context, url, dir string) error {
	_, err := c.run(ctx, "clone", "--quiet", "--bare", "--", url, dir)
	return err
}

// AddRemote adds the remote name with url.
func (c *Client) AddRemote(ctx context.Context, name, url string) error {
	_, err := c.run(ctx, "remote", "add", "--", name, url)
	return err
}

// LsRemote lists remote's branches and where its HEAD points (remote is
// a remote's name or a URL): `git ls-remote --symref`, read by
// ParseLsRemote.
func (c *Client) LsRemote(ctx context.Context, remote string) (heads map[string]string, head string, err error) {
	out, err := c.run(ctx, "ls-remote", "--symref", "--", remote, "HEAD", "refs/heads/*")
	if err != nil {
		return nil, "", err
	}
	heads, head = ParseLsRemote(out)
	return heads, head, nil
}

// FetchRefspec fetches refspec from remote, quietly.
func (c *Client) FetchRefspec(ctx context.Context, remote, refspec string) error {
	_, err := c.run(ctx, "fetch", "--quiet", "--", remote, refspec)
	return err
}

// PushRefspec pushes refspec ("HEAD:refs/heads/main") to remote,
// quietly; with setUpstream the local branch then tracks it. It never
// forces.
func (c *Client) PushRefspec(ctx context.Context, remote, refspec string, setUpstream bool) error {
	args := []string{"push", "--quiet"}
	if setUpstream {
		args = append(args, "--set-upstream")
	}
	_, err := c.run(ctx, append(args, "--", remote, refspec)...)
	return err
}

// SetHeadBranch points HEAD at refs/heads/branch (which need not exist
// yet: git init -b needs git 2.28).
func (c *Client) SetHeadBranch(ctx context.Context, branch string) error {
	_, err := c.run(ctx, "symbolic-ref", "--", "HEAD", "refs/heads/"+branch)
	return err
}

// HeadBranch is the short name of the branch HEAD points at (git
// symbolic-ref --short HEAD), also when it has no commit yet.
func (c *Client) HeadBranch(ctx context.Context) (string, error) {
	out, err := c.run(ctx, "symbolic-ref", "--short", "HEAD")
	return strings.TrimSpace(out), err
}

// VerifyHead returns the commit HEAD resolves to; an error when it does
// not resolve (no commit yet).
func (c *Client) VerifyHead(ctx context.Context) (string, error) {
	out, err := c.run(ctx, "rev-parse", "-q", "--verify", "HEAD")
	return strings.TrimSpace(out), err
}

// UpstreamName is the upstream of the checked-out branch as
// "remote/branch"; an error when it has none.
func (c *Client) UpstreamName(ctx context.Context) (string, error) {
	out, err := c.run(ctx, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}")
	return strings.TrimSpace(out), err
}

// SetUpstream makes branch track upstream ("origin/main").
func (c *Client) SetUpstream(ctx context.Context, branch, upstream string) error {
	_, err := c.run(ctx, "branch", "--quiet", "--set-upstream-to="+upstream, "--", branch)
	return err
}

// UpdateRef sets ref to the commit value.
func (c *Client) UpdateRef(ctx context.Context, ref, value string) error {
	_, err := c.run(ctx, "update-ref", "--", ref, value)
	return err
}

// MergeFastForward fast-forwards the checked-out branch to rev, and fails
// when that is not a fast-forward.
func (c *Client) MergeFastForward(ctx context.Context, rev string) error {
	_, err := c.run(ctx, "merge", "--ff-only", "--quiet", "--", rev)
	return err
}

// IsAncestor reports whether commit a is an ancestor of b: false when it
// is not, or when git cannot tell (err is then set).
func (c *Client) IsAncestor(ctx context.Context, a, b string) (bool, error) {
	_, err := c.run(ctx, "merge-base", "--is-ancestor", "--", a, b)
	return err == nil, err
}

// --- index and work tree (opsync init) ---

// AddAll stages everything under path: new, changed and deleted files.
func (c *Client) AddAll(ctx context.Context, path string) error {
	_, err := c.run(ctx, "add", "--all", "--", path)
	return err
}

// IndexFiles lists the paths in the index.
func (c *Client) IndexFiles(ctx context.Context) ([]string, error) {
	out, err := c.run(ctx, "ls-files", "-z")
	return splitNUL(out), err
}

// StagedFiles lists the paths whose index entry differs from HEAD's.
func (c *Client) StagedFiles(ctx context.Context) ([]string, error) {
	out, err := c.run(ctx, "diff", "--cached", "--name-only", "-z")
	return splitNUL(out), err
}

// ReadTree makes the index the tree of rev; the files are not touched.
func (c *Client) ReadTree(ctx context.Context, rev string) error {
	_, err := c.run(ctx, "read-tree", "--", rev)
	return err
}

// EmptyIndex empties the index; the files are not touched.
func (c *Client) EmptyIndex(ctx context.Context) error {
	_, err := c.run(ctx, "read-tree", "--empty")
	return err
}

// CheckoutIndex writes paths from the index into the work tree.
func (c *Client) CheckoutIndex(ctx context.Context, paths []string) error {
	stdin := strings.Join(paths, "\x00") + "\x00"
	_, err := c.runCmd(ctx, cmd{args: []string{"checkout-index", "-z", "--stdin"}, stdin: strings.NewReader(stdin)})
	return err
}

// Commit commits what is staged with message; with allowEmpty also when
// nothing is.
func (c *Client) Commit(ctx context.Context, message string, allowEmpty bool) error {
	args := []string{"commit", "--quiet", "-m", message}
	if allowEmpty {
		args = append(args, "--allow-empty")
	}
	_, err := c.run(ctx, args...)
	return err
}

// CommitPathsQuietly commits exactly paths (git commit --only) with
// message.
func (c *Client) CommitPathsQuietly(ctx context.Context, message string, paths []string) error {
	_, err := c.run(ctx, append([]string{"commit", "--quiet", "--only", "-m", message, "--"}, paths...)...)
	return err
}

// --- configuration ---

// SetLocalConfig sets key to value in the repository's own config file.
func (c *Client) SetLocalConfig(ctx context.Context, key, value string) error {
	_, err := c.run(ctx, "config", "--local", "--", key, value)
	return err
}

// SSHCommandConfig is core.sshCommand as git reads it (every config file,
// includes and conditional includes), "" when unset.
func (c *Client) SSHCommandConfig(ctx context.Context) string {
	out, _ := c.run(ctx, "config", "--get", "core.sshCommand")
	return strings.TrimSpace(out)
}

// SigningConfig says whether commits are signed (commit.gpgsign, read as
// a boolean) and gpg.format ("" when unset, which means openpgp); only
// when signing is on is the format read.
func (c *Client) SigningConfig(ctx context.Context) (signed bool, format string) {
	out, _ := c.run(ctx, "config", "--get", "--type=bool", "commit.gpgsign")
	if strings.TrimSpace(out) != "true" {
		return false, ""
	}
	out, _ = c.run(ctx, "config", "--get", "gpg.format")
	return true, strings.TrimSpace(out)
}

// HooksDir is the directory git runs hooks from (core.hooksPath or the
// git directory's hooks), as git prints it: relative to the work tree
// unless absolute.
func (c *Client) HooksDir(ctx context.Context) (string, error) {
	out, err := c.run(ctx, "rev-parse", "--git-path", "hooks")
	return strings.TrimSpace(out), err
}

// --- history, read by the engine ---

// MergeParents is the output of `git rev-parse HEAD^1 HEAD^2`: the two
// parents of a merge commit at HEAD.
func (c *Client) MergeParents(ctx context.Context) (string, error) {
	return c.run(ctx, "rev-parse", "HEAD^1", "HEAD^2")
}

// MergeBase is the output of `git merge-base a b`.
func (c *Client) MergeBase(ctx context.Context, a, b string) (string, error) {
	return c.run(ctx, "merge-base", "--end-of-options", a, b)
}

// ChangedBetween lists, NUL-separated, the files that differ between the
// commits a and b (renames as a deletion and an addition).
func (c *Client) ChangedBetween(ctx context.Context, a, b string) (string, error) {
	return c.run(ctx, "diff", "--name-only", "-z", "--no-renames", "--end-of-options", a, b, "--")
}

// Blob is the content of path in the commit rev.
func (c *Client) Blob(ctx context.Context, rev, path string) (string, error) {
	return c.run(ctx, "cat-file", "blob", "--end-of-options", rev+":"+path)
}

// HeadFile is the content of path in HEAD (git cat-file -p HEAD:path).
func (c *Client) HeadFile(ctx context.Context, path string) (string, error) {
	return c.run(ctx, "cat-file", "-p", "HEAD:"+path)
}

// CommitMessage is the message of the commit rev.
func (c *Client) CommitMessage(ctx context.Context, rev string) (string, error) {
	return c.run(ctx, "log", "-1", "--format=%B", "--end-of-options", rev)
}

// CommitTime is the committer time of rev, in seconds since 1970, as git
// prints it.
func (c *Client) CommitTime(ctx context.Context, rev string) (string, error) {
	return c.run(ctx, "log", "-1", "--format=%ct", "--end-of-options", rev)
}

// MessagesWithTimes lists the commits of revs that are not merges, at most
// max, newest first, as "<author time>\x01<message>\x00" records.
func (c *Client) MessagesWithTimes(ctx context.Context, revs string, max int) (string, error) {
	return c.run(ctx, "log", "--no-merges", fmt.Sprintf("--max-count=%d", max), "--format=%at%x01%B%x00", "--end-of-options", revs)
}

// LinesChanged lists the commits of revs that changed a line of path
// matching the extended regular expression re (git log -E -G), as "<id>
// <committer time>" lines.
func (c *Client) LinesChanged(ctx context.Context, re, revs, path string) (string, error) {
	return c.run(ctx, "log", "-E", "-G"+re, "--format=%H %ct", "--end-of-options", revs, "--", path)
}

// FirstParentChain lists the commits of revs along first parents, at most
// max, each with its parents ("<id> <parent>…" lines).
func (c *Client) FirstParentChain(ctx context.Context, revs string, max int) (string, error) {
	return c.run(ctx, "rev-list", "--first-parent", "--parents", fmt.Sprintf("--max-count=%d", max), "--end-of-options", revs)
}

// LeftRightCount is the output of `git rev-list --left-right --count
// HEAD...other`: the commits only HEAD has, and those only other has.
func (c *Client) LeftRightCount(ctx context.Context, other string) (string, error) {
	return c.run(ctx, "rev-list", "--left-right", "--count", "--end-of-options", "HEAD..."+other)
}

// --- the env merge driver ---

// MergeFilePrint is git's own line merge of three files, printed: an
// error when it has conflicts.
func (c *Client) MergeFilePrint(ctx context.Context, ours, base, theirs string) (string, error) {
	return c.run(ctx, "merge-file", "-p", "--", ours, base, theirs)
}

// MergeFileInPlace is git's own line merge of three files, written into
// ours with conflict markers labelled ours, base and theirs; git's exit
// code (ExitCode) is the number of conflicts.
func (c *Client) MergeFileInPlace(ctx context.Context, ours, base, theirs string) error {
	_, err := c.run(ctx, "merge-file", "-L", "ours", "-L", "base", "-L", "theirs", "--", ours, base, theirs)
	return err
}

// --- lease refs ---

// CommitTree makes a commit of tree with message and no parent, never
// signed (it is a lease, not a log entry), and returns its id.
func (c *Client) CommitTree(ctx context.Context, tree, message string) (string, error) {
	out, err := c.runCmd(ctx, cmd{args: []string{"commit-tree", "--no-gpg-sign", "-F", "-", "--", tree},
		stdin: strings.NewReader(message)})
	return strings.TrimSpace(out), err
}

// FetchRefs fetches refspec from remote into refs of its own only: no
// tags, no FETCH_HEAD, no submodules; with prune, local refs the refspec
// maps to that the remote no longer has are deleted.
//
// --no-write-fetch-head came with git 2.29, and no setting does what it
// does (there is no fetch.writeFetchHead), so leases need git 2.29 while
// the rest of opsync runs on 2.25 (MinVersion); see newerOptions in
// minversion_test.go.
func (c *Client) FetchRefs(ctx context.Context, remote, refspec string, prune bool) error {
	args := []string{"fetch", "--quiet"}
	if prune {
		args = append(args, "--prune")
	}
	args = append(args, "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules", "--", remote, refspec)
	_, err := c.run(ctx, args...)
	return err
}

// RefsWithMessages lists the refs under pattern, oldest commit first, as
// "<id>\x00<message>\x00" records.
func (c *Client) RefsWithMessages(ctx context.Context, pattern string) (string, error) {
	return c.run(ctx, "for-each-ref", "--sort=creatordate", "--format=%(objectname)%00%(contents)%00", "--", pattern)
}

// PushCAS sets remote's ref to the commit src ("" deletes the ref) only
// if it is expect there now ("" = it must not exist): a compare-and-swap
// push (--force-with-lease with an explicit expected value). The outcome
// is classified by ClassifyPush.
func (c *Client) PushCAS(ctx context.Context, remote, src, ref, expect string) PushOutcome {
	// push.useForceIfIncludes=false, not --no-force-if-includes: the option
	// came with git 2.30, and a git before it (opsync supports 2.25) refuses
	// it as unknown, where it ignores the setting (and has no such check).
	out, err := c.run(ctx, "-c", "push.useForceIfIncludes=false", "push", "--porcelain",
		"--force-with-lease="+ref+":"+expect, "--", remote, src+":"+ref)
	return ClassifyPush(out, err, ref)
}

func splitNUL(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "\x00") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

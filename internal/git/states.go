package git

import (
	"os"
	"path/filepath"
	"strings"
)

// The states of a repository in which opsync must not run git — an
// operation git stopped half-way, git's index lock, a detached HEAD — are
// typed values here, each with the commands that get the operator out of
// it, written once: the engine (which refuses to pull or commit), opsync
// init and doctor all say them, in their own sentences, from these.

// Operation is an operation git has stopped in the middle of, waiting for
// the operator to resolve something by hand.
type Operation struct {
	Name string // as git calls it: "merge", "rebase", "cherry-pick", "revert", "bisect"
	// Continue is the command that finishes it, "" when there is nothing
	// to finish (a bisect is only ended).
	Continue string
	// Abort is the command that ends it and puts the repository back as it
	// was before it started.
	Abort string
	// markers are the files in the git directory that say it is under way.
	markers []string
}

// The operations, in the order InProgress looks for them.
var (
	OpMerge      = Operation{Name: "merge", Continue: "git commit", Abort: "git merge --abort", markers: []string{"MERGE_HEAD"}}
	OpRebase     = Operation{Name: "rebase", Continue: "git rebase --continue", Abort: "git rebase --abort", markers: []string{"rebase-merge", "rebase-apply"}}
	OpCherryPick = Operation{Name: "cherry-pick", Continue: "git cherry-pick --continue", Abort: "git cherry-pick --abort", markers: []string{"CHERRY_PICK_HEAD"}}
	OpRevert     = Operation{Name: "revert", Continue: "git revert --continue", Abort: "git revert --abort", markers: []string{"REVERT_HEAD"}}
	// A bisect has no --abort (git bisect --abort is no git command):
	// `git bisect reset` ends it and checks out the branch it started on.
	OpBisect = Operation{Name: "bisect", Abort: "git bisect reset", markers: []string{"BISECT_LOG"}}
)

// Operations are all the operations InProgress knows.
var Operations = []Operation{OpMerge, OpRebase, OpCherryPick, OpRevert, OpBisect}

// Operation returns the operation git has stopped in the middle of, ok
// false when there is none. opsync must not pull or commit in such a
// state: the operator is resolving something by hand.
func (r *Repo) Operation() (op Operation, ok bool) {
	for _, op := range Operations {
		for _, m := range op.markers {
			if _, err := os.Stat(filepath.Join(r.GitDir, m)); err == nil {
				return op, true
			}
		}
	}
	return Operation{}, false
}

// InProgress names the operation git has stopped in the middle of
// ("merge", "rebase", "cherry-pick", "revert", "bisect"), or "" when there
// is none (Operation, by name).
func (r *Repo) InProgress() string {
	op, _ := r.Operation()
	return op.Name
}

// Fix says how to get out of the operation, its commands quoted: "finish
// it (`git commit`) or abort it (`git merge --abort`)", "end it (`git
// bisect reset`)".
func (o Operation) Fix() string {
	if o.Continue == "" {
		return "end it (`" + o.Abort + "`)"
	}
	return "finish it (`" + o.Continue + "`) or abort it (`" + o.Abort + "`)"
}

// FixIn says the same with the command to type for the work tree:
// "finish it, or abort it: git -C DIR merge --abort", "end it: git -C DIR
// bisect reset".
func (o Operation) FixIn(workTree string) string {
	if o.Continue == "" {
		return "end it: " + InWorkTree(workTree, o.Abort)
	}
	return "finish it, or abort it: " + InWorkTree(workTree, o.Abort)
}

// InWorkTree turns a git command ("git merge --abort") into the same
// command for the work tree dir ("git -C dir merge --abort").
func InWorkTree(dir, command string) string {
	if rest, ok := strings.CutPrefix(command, "git "); ok {
		return "git -C " + dir + " " + rest
	}
	return command
}

// IndexLock returns the path of git's lock on the work tree's index when
// the file exists, else "": a git command is changing the index right now,
// or one was stopped abruptly (kill -9, a power cut) and left the file
// behind. Every git command that writes the index fails while it is there.
func (r *Repo) IndexLock() string {
	p := filepath.Join(r.GitDir, "index.lock")
	if _, err := os.Lstat(p); err == nil {
		return p
	}
	return ""
}

// IndexLockCheck is the command that lists the git processes running, to
// make sure none owns an index lock before it is removed; IndexLockFix
// removes it.
const IndexLockCheck = "pgrep -a git"

// IndexLockFix is the command that removes the index lock at path: only
// once no git command is running there (IndexLockCheck), since a running
// git may own it. opsync never removes it itself.
func IndexLockFix(path string) string { return "rm " + path }

// DetachedHeadFix is the command that checks out the branch the operator
// log lives on again, in the work tree dir whose HEAD is detached: main
// (the branch opsync init makes) as the example.
func DetachedHeadFix(dir string) string { return "git -C " + dir + " switch main" }

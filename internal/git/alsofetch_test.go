package git_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A pull that fetches the leases too (Client.AlsoFetch) merges the branch
// alone — `git merge FETCH_HEAD` would make an octopus of every line —
// with the message git's own pull gives it, and leaves the leases' copies
// in the repository.
func TestPullAlsoFetchMergesTheBranchAlone(t *testing.T) {
	tm := newTeam(t, nil)
	// a lease ref on the remote, and a commit of Bob's that Alice lacks
	empty := strings.TrimSpace(run(t, tm.bob, "hash-object", "-t", "tree", "/dev/null"))
	lease := strings.TrimSpace(run(t, tm.bob, "commit-tree", "-m", "lease", empty))
	run(t, tm.bob, "push", "-q", "origin", lease+":refs/opsync/leases/s1/foo.example.org")
	write(t, filepath.Join(tm.bob, "s1/bar.example.org.env"), "TYPE=app:1.0.0\n")
	run(t, tm.bob, "add", "-A")
	run(t, tm.bob, "commit", "-q", "-m", "bob")
	run(t, tm.bob, "push", "-q", "origin", "HEAD:main")
	write(t, filepath.Join(tm.alice, "s1/baz.example.org.env"), "TYPE=app:1.0.0\n")
	run(t, tm.alice, "add", "-A")
	run(t, tm.alice, "commit", "-q", "-m", "alice")
	// what git's own pull would call the merge
	ref := filepath.Join(t.TempDir(), "ref")
	run(t, "", "clone", "-q", tm.remote, ref)
	run(t, ref, "reset", "-q", "--hard", "HEAD~1")
	write(t, filepath.Join(ref, "x"), "x")
	run(t, ref, "add", "-A")
	run(t, ref, "commit", "-q", "-m", "x")
	run(t, ref, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
	want := strings.TrimSpace(run(t, ref, "log", "-1", "--format=%s"))

	c := client(tm.alice)
	c.AlsoFetch = []string{"+refs/opsync/leases/*:refs/opsync/remote-leases/origin/*"}
	if err := c.Pull(ctx, findRepo(t, tm.alice), "origin", "refs/heads/main"); err != nil {
		t.Fatal(err)
	}
	parents := strings.Fields(run(t, tm.alice, "log", "-1", "--format=%P"))
	if len(parents) != 2 {
		t.Fatalf("the merge has %d parents, want 2 (the lease must not be merged): %v", len(parents), parents)
	}
	if got := strings.TrimSpace(run(t, tm.alice, "log", "-1", "--format=%s")); got != want {
		t.Errorf("merge message %q, git's own pull says %q", got, want)
	}
	if got := strings.TrimSpace(run(t, tm.alice, "rev-parse", "refs/opsync/remote-leases/origin/s1/foo.example.org")); got != lease {
		t.Errorf("lease copy %q, want %q", got, lease)
	}
	fh := findRepo(t, tm.alice).FetchHead()
	if len(fh) != 2 || !fh[0].ForMerge || !strings.HasPrefix(fh[1].Desc, "'refs/opsync/leases/s1/foo.example.org' of ") {
		t.Errorf("FETCH_HEAD as read: %+v", fh)
	}
	if _, err := os.Stat(filepath.Join(tm.alice, "s1/bar.example.org.env")); err != nil {
		t.Errorf("Bob's file was not merged: %v", err)
	}
}

package git_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"coopcloud.tech/opsync/internal/git"
)

// newerOptions are options of the commands opsync runs that git learnt after
// git.MinVersion (2.25), with the release that brought them (from git's
// release notes): a git that predates them refuses the whole command as
// "unknown option". What they do is asked for with a -c setting instead,
// which an older git ignores.
var newerOptions = map[string]string{
	"--autostash":            "git merge --autostash: 2.27",
	"--no-autostash":         "git merge --no-autostash: 2.27",
	"--initial-branch":       "git init --initial-branch: 2.28",
	"--write-fetch-head":     "git fetch --write-fetch-head: 2.29",
	"--no-write-fetch-head":  "git fetch --no-write-fetch-head: 2.29",
	"--force-if-includes":    "git push --force-if-includes: 2.30",
	"--no-force-if-includes": "git push --no-force-if-includes: 2.30",
}

// stillNewer are the options of newerOptions opsync still uses, and why:
// each is a requirement on the git of the operators who use the feature.
var stillNewer = map[string]string{
	// No setting does what it does (git has no fetch.writeFetchHead), and
	// a lease fetch must not overwrite FETCH_HEAD, which the pull reads.
	"--no-write-fetch-head": "lease fetches (Client.FetchRefs): leases need git 2.29",
}

// Every git process of a pull that merges, of the merge a retry makes, and
// of the lease commands (their commit, CAS pushes and fetches) runs on the
// oldest git opsync supports: none uses an option git learnt later.
func TestNoOptionNewerThanMinVersion(t *testing.T) {
	tm := newTeam(t, nil)
	var seen [][]string
	trace := func(dir string) *git.Client {
		return &git.Client{Dir: dir, Trace: func(a []string) { seen = append(seen, a) }}
	}
	theirs := commitFile(t, tm.alice, "s1/a.env", "A=1\n", "alice")
	run(t, tm.alice, "push", "-q")
	commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
	if err := trace(tm.bob).Pull(ctx, findRepo(t, tm.bob), "origin", "refs/heads/main"); err != nil {
		t.Fatal(err)
	}
	run(t, tm.alice, "fetch", "-q")
	run(t, tm.alice, "reset", "-q", "--keep", "HEAD~1")
	commitFile(t, tm.alice, "s1/c.env", "C=1\n", "alice")
	if err := trace(tm.alice).Merge(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	c := trace(tm.bob)
	id, err := c.CommitTree(ctx, "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "lease\n")
	if err != nil {
		t.Fatal(err)
	}
	const lease = "refs/opsync/leases/s1/app"
	if o := c.PushCAS(ctx, "origin", id, lease, ""); o.Err != nil {
		t.Fatal(o.Err)
	}
	if err := c.FetchRefs(ctx, "origin", "+"+lease+":refs/opsync-copy/x", false); err != nil {
		t.Fatal(err)
	}
	if err := c.FetchRefs(ctx, "origin", "+refs/opsync/leases/*:refs/opsync-copy/*", true); err != nil {
		t.Fatal(err)
	}
	var merges, pushes, fetches int
	for _, args := range seen {
		for _, a := range args {
			name, _, _ := strings.Cut(a, "=")
			if why, ok := newerOptions[name]; ok && stillNewer[name] == "" {
				t.Errorf("git %s: %s uses %s, newer than git %s", strings.Join(args, " "), name, why, git.MinVersion)
			}
			switch a {
			case "merge":
				merges++
			case "push":
				pushes++
			case "fetch":
				fetches++
			}
		}
	}
	if merges != 2 || pushes != 1 || fetches != 3 {
		t.Errorf("traced %d merges, %d pushes, %d fetches; want 2, 1 and 3 (the test no longer sees what it checks):\n%q", merges, pushes, fetches, seen)
	}
	// The lease fetches leave FETCH_HEAD (the pull's) alone.
	if b, err := os.ReadFile(filepath.Join(tm.bob, ".git", "FETCH_HEAD")); err != nil || !strings.Contains(string(b), theirs) {
		t.Errorf("FETCH_HEAD after the lease fetches: %q, %v; want the pull's fetch of %s", b, err, theirs)
	}
}

// The merges opsync makes never stash the operator's edits, whatever
// merge.autoStash says: the setting is overridden with -c (not
// --no-autostash, which git before 2.27 lacks).
func TestMergeNeverAutostashes(t *testing.T) {
	tm := newTeam(t, map[string]string{"s1/a.env": "A=1\n", "notes.txt": "mine\n"})
	theirs := commitFile(t, tm.alice, "s1/a.env", "A=2\n", "alice")
	run(t, tm.alice, "push", "-q")
	run(t, tm.bob, "fetch", "-q")
	commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
	run(t, tm.bob, "config", "merge.autoStash", "true")
	write(t, filepath.Join(tm.bob, "notes.txt"), "mine, edited\n")
	// Merge's merge stays clear of the edited file.
	if err := client(tm.bob).Merge(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	if out := run(t, tm.bob, "stash", "list"); out != "" {
		t.Errorf("the merge stashed the operator's edits:\n%s", out)
	}
	if got := read(t, filepath.Join(tm.bob, "notes.txt")); got != "mine, edited\n" {
		t.Errorf("notes.txt = %q after the merge", got)
	}
}

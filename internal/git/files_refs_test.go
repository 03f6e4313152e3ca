package git_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHead(t *testing.T) {
	dir := newRepo(t, nil)
	r := findRepo(t, dir)
	id := head(t, dir)
	if b, detached, err := r.Head(); err != nil || detached || b != "main" {
		t.Errorf("Head() = %q, %v, %v; want main", b, detached, err)
	}
	if got, err := r.HeadCommit(); err != nil || got != id {
		t.Errorf("HeadCommit() = %q, %v; want %s", got, err, id)
	}
	run(t, dir, "checkout", "-q", "-b", "feature/x")
	if b, _, _ := r.Head(); b != "feature/x" {
		t.Errorf("Head() = %q, want feature/x", b)
	}
	run(t, dir, "checkout", "-q", "--detach", "main")
	if b, detached, err := r.Head(); err != nil || !detached || b != id {
		t.Errorf("Head() detached = %q, %v, %v; want %s, true", b, detached, err, id)
	}
	if got, err := r.HeadCommit(); err != nil || got != id {
		t.Errorf("HeadCommit() detached = %q, %v", got, err)
	}

	unborn := filepath.Join(tempDir(t), "unborn")
	run(t, "", "init", "-q", "-b", "trunk", unborn)
	u := findRepo(t, unborn)
	if b, detached, err := u.Head(); err != nil || detached || b != "trunk" {
		t.Errorf("Head() unborn = %q, %v, %v; want trunk", b, detached, err)
	}
	if got, err := u.HeadCommit(); err != nil || got != "" {
		t.Errorf("HeadCommit() unborn = %q, %v; want empty", got, err)
	}
}

func TestResolveRef(t *testing.T) {
	dir := newRepo(t, nil)
	first := head(t, dir)
	run(t, dir, "branch", "other")
	run(t, dir, "tag", "-a", "-m", "annotated", "v1")
	second := commitFile(t, dir, "x", "x\n", "second")
	r := findRepo(t, dir)
	check := func(when string) {
		t.Helper()
		for ref, want := range map[string]string{
			"refs/heads/main":    second,
			"refs/heads/other":   first,
			"refs/tags/v1":       strings.TrimSpace(run(t, dir, "rev-parse", "refs/tags/v1")),
			"refs/heads/missing": "",
		} {
			if got, err := r.ResolveRef(ref); err != nil || got != want {
				t.Errorf("%s: ResolveRef(%s) = %q, %v; want %q", when, ref, got, err, want)
			}
		}
	}
	check("loose")
	run(t, dir, "pack-refs", "--all")
	if _, err := os.Stat(filepath.Join(r.GitDir, "refs", "heads", "main")); !os.IsNotExist(err) {
		t.Fatalf("pack-refs left the loose ref: %v", err)
	}
	check("packed")
	// A ref both packed and loose: the loose one is newer and wins.
	third := commitFile(t, dir, "x", "y\n", "third")
	if got, _ := r.ResolveRef("refs/heads/main"); got != third {
		t.Errorf("ResolveRef(main) after a commit on a packed ref = %q, want %q", got, third)
	}
}

// RemoteBranches reads the remote-tracking branches from the files as
// `git for-each-ref refs/remotes/origin` lists them: loose refs, packed
// refs, and a loose ref that overrides a stale packed one; the symbolic
// refs/remotes/origin/HEAD left out.
func TestRemoteBranchesAgreesWithGit(t *testing.T) {
	tm := newTeam(t, nil)
	fromGit := func() map[string]string {
		out := run(t, tm.bob, "for-each-ref", "--format=%(objectname) %(refname)", "refs/remotes/origin/")
		m := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			id, name, _ := strings.Cut(l, " ")
			if b, ok := strings.CutPrefix(name, "refs/remotes/origin/"); ok && b != "HEAD" {
				m[b] = id
			}
		}
		return m
	}
	check := func(when string) {
		t.Helper()
		got, err := findRepo(t, tm.bob).RemoteBranches("origin")
		want := fromGit()
		if err != nil || len(got) != len(want) {
			t.Fatalf("%s: RemoteBranches = %v, %v; git lists %v", when, got, err, want)
		}
		for b, id := range want {
			if got[b] != id {
				t.Errorf("%s: RemoteBranches[%q] = %q, git says %q", when, b, got[b], id)
			}
		}
	}
	run(t, tm.alice, "push", "-q", "origin", "HEAD:refs/heads/team/other")
	run(t, tm.bob, "fetch", "-q")
	if _, err := os.Lstat(filepath.Join(tm.bob, ".git", "refs", "remotes", "origin", "HEAD")); err != nil {
		t.Fatalf("the clone has no refs/remotes/origin/HEAD to leave out: %v", err)
	}
	check("loose refs")
	run(t, tm.bob, "pack-refs", "--all")
	check("packed refs")
	commitFile(t, tm.alice, "s1/a.env", "A=1\n", "alice")
	run(t, tm.alice, "push", "-q")
	run(t, tm.bob, "fetch", "-q")
	check("a loose ref over a stale packed one")
}

// MergeHead and FetchedIsHead read the files a real merge and a real fetch
// leave, as git itself reads them (rev-parse MERGE_HEAD, FETCH_HEAD).
func TestMergeHeadAndFetchedIsHeadAgreeWithGit(t *testing.T) {
	tm := newTeam(t, map[string]string{"s1/app.env": "V=1\n"})
	r := findRepo(t, tm.bob)
	run(t, tm.bob, "fetch", "-q", "origin", "main")
	if !r.FetchedIsHead() {
		t.Errorf("FetchedIsHead() = false right after fetching the commit HEAD is on")
	}
	theirs := commitFile(t, tm.alice, "s1/app.env", "V=alice\n", "alice")
	run(t, tm.alice, "push", "-q")
	commitFile(t, tm.bob, "s1/app.env", "V=bob\n", "bob")
	run(t, tm.bob, "fetch", "-q", "origin", "main")
	if fetched := strings.TrimSpace(run(t, tm.bob, "rev-parse", "FETCH_HEAD")); fetched != theirs || r.FetchedIsHead() {
		t.Errorf("FetchedIsHead() = %v with FETCH_HEAD %s (alice's %s) and HEAD %s", r.FetchedIsHead(), fetched, theirs, head(t, tm.bob))
	}
	if got := r.MergeHead(); got != "" {
		t.Errorf("MergeHead() = %q with no merge under way", got)
	}
	runFails(t, tm.bob, "merge", "--no-edit", "FETCH_HEAD")
	if got, want := r.MergeHead(), strings.TrimSpace(run(t, tm.bob, "rev-parse", "MERGE_HEAD")); got != want || got != theirs {
		t.Errorf("MergeHead() = %q, git's MERGE_HEAD %q, alice's commit %s", got, want, theirs)
	}
	if msg := r.MergeMessage(); !strings.HasPrefix(msg, "Merge ") || strings.Contains(msg, "#") {
		t.Errorf("MergeMessage() = %q, want git's prepared message without its comment lines", msg)
	}
	run(t, tm.bob, "merge", "--abort")
}

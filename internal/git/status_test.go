package git_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"coopcloud.tech/opsync/internal/git"
)

// entriesByPath indexes a status by path, checking that no path repeats.
func entriesByPath(t *testing.T, st *git.Status) map[string]git.StatusEntry {
	t.Helper()
	m := map[string]git.StatusEntry{}
	for _, e := range st.Entries {
		if _, dup := m[e.Path]; dup {
			t.Errorf("path %q listed twice", e.Path)
		}
		m[e.Path] = e
	}
	return m
}

// TestStatusEveryState puts one file in each state git status reports for
// a work tree, and reads the real porcelain v2 output.
func TestStatusEveryState(t *testing.T) {
	dir := newRepo(t, map[string]string{
		"s1/modified.env": "A=1\n", "s1/staged.env": "A=1\n", "s1/both.env": "A=1\n",
		"s1/deleted.env": "D=1\n", "s1/staged-deleted.env": "SD=1\n", "s1/old-name.env": "A=1\nB=2\nC=3\n",
		"s1/with space.env": "A=1\n", "s1/ünïcode.env": "A=1\n",
	})
	write(t, filepath.Join(dir, "s1/modified.env"), "A=2\n")
	write(t, filepath.Join(dir, "s1/staged.env"), "A=2\n")
	run(t, dir, "add", "s1/staged.env")
	write(t, filepath.Join(dir, "s1/both.env"), "A=2\n")
	run(t, dir, "add", "s1/both.env")
	write(t, filepath.Join(dir, "s1/both.env"), "A=3\n")
	os.Remove(filepath.Join(dir, "s1/deleted.env"))
	run(t, dir, "rm", "-q", "s1/staged-deleted.env")
	run(t, dir, "mv", "s1/old-name.env", "s1/new-name.env")
	write(t, filepath.Join(dir, "s1/added.env"), "NEW=1\n")
	run(t, dir, "add", "s1/added.env")
	write(t, filepath.Join(dir, "s1/with space.env"), "A=2\n")
	write(t, filepath.Join(dir, "s1/ünïcode.env"), "A=2\n")
	write(t, filepath.Join(dir, "s1/untracked.env"), "A=1\n")
	write(t, filepath.Join(dir, "newserver/app.env"), "A=1\n")
	write(t, filepath.Join(dir, "newserver/deeper/x.env"), "A=1\n")

	st, err := client(dir).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]git.StatusEntry{
		"s1/modified.env":       {Path: "s1/modified.env", X: '.', Y: 'M'},
		"s1/staged.env":         {Path: "s1/staged.env", X: 'M', Y: '.'},
		"s1/both.env":           {Path: "s1/both.env", X: 'M', Y: 'M'},
		"s1/deleted.env":        {Path: "s1/deleted.env", X: '.', Y: 'D'},
		"s1/staged-deleted.env": {Path: "s1/staged-deleted.env", X: 'D', Y: '.'},
		"s1/new-name.env":       {Path: "s1/new-name.env", OrigPath: "s1/old-name.env", X: 'R', Y: '.'},
		"s1/added.env":          {Path: "s1/added.env", X: 'A', Y: '.'},
		"s1/with space.env":     {Path: "s1/with space.env", X: '.', Y: 'M'},
		"s1/ünïcode.env":        {Path: "s1/ünïcode.env", X: '.', Y: 'M'},
		"s1/untracked.env":      {Path: "s1/untracked.env", X: '?', Y: '?', Untracked: true},
		"newserver/":            {Path: "newserver/", X: '?', Y: '?', Untracked: true},
	}
	if got := entriesByPath(t, st); !reflect.DeepEqual(got, want) {
		t.Errorf("entries:\n got %+v\nwant %+v", got, want)
	}
	if st.Branch != "main" || st.Head != head(t, dir) || st.Upstream != "" || st.HasAB {
		t.Errorf("header: branch %q head %q upstream %q hasAB %v", st.Branch, st.Head, st.Upstream, st.HasAB)
	}

	describe := map[string]string{
		"s1/modified.env":       "modified",
		"s1/staged.env":         "modified (staged)",
		"s1/both.env":           "modified (staged), then changed again",
		"s1/deleted.env":        "deleted",
		"s1/staged-deleted.env": "deleted (staged)",
		"s1/new-name.env":       "renamed (staged)",
		"s1/added.env":          "added (staged)",
		"s1/untracked.env":      "untracked",
		"newserver/":            "untracked",
	}
	staged := map[string]bool{"s1/staged.env": true, "s1/both.env": true, "s1/staged-deleted.env": true,
		"s1/new-name.env": true, "s1/added.env": true}
	for _, e := range st.Entries {
		if d, ok := describe[e.Path]; ok && e.Describe() != d {
			t.Errorf("%s: Describe() = %q, want %q", e.Path, e.Describe(), d)
		}
		if e.Staged() != staged[e.Path] {
			t.Errorf("%s: Staged() = %v", e.Path, e.Staged())
		}
	}

	// Lookup: exact paths, and a file inside an untracked directory.
	for _, tt := range []struct {
		path, entry string
	}{
		{"s1/modified.env", "s1/modified.env"},
		{"s1/new-name.env", "s1/new-name.env"},
		{"newserver/app.env", "newserver/"},
		{"newserver/deeper/x.env", "newserver/"},
		{"newserver/not-there-yet.env", "newserver/"},
		{"s1/untracked.env", "s1/untracked.env"},
		{"s1/unchanged.env", ""},
		{"newserver2/app.env", ""},
		{"s1", ""},
		{"s1/modified", ""},
	} {
		e, ok := st.Lookup(tt.path)
		if ok != (tt.entry != "") || e.Path != tt.entry {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.path, e.Path, ok, tt.entry)
		}
	}
}

func TestStatusUnmerged(t *testing.T) {
	dir := newRepo(t, map[string]string{"s1/app.env": "VERSION=1\n", "s1/other.env": "X=1\n"})
	run(t, dir, "checkout", "-q", "-b", "theirs")
	commitFile(t, dir, "s1/app.env", "VERSION=2-theirs\n", "theirs")
	commitFile(t, dir, "s1/both-added.env", "theirs\n", "theirs adds")
	run(t, dir, "checkout", "-q", "main")
	commitFile(t, dir, "s1/app.env", "VERSION=2-ours\n", "ours")
	commitFile(t, dir, "s1/both-added.env", "ours\n", "ours adds")
	runFails(t, dir, "merge", "-q", "--no-edit", "theirs")

	st, err := client(dir).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]git.StatusEntry{
		"s1/app.env":        {Path: "s1/app.env", X: 'U', Y: 'U', Unmerged: true},
		"s1/both-added.env": {Path: "s1/both-added.env", X: 'A', Y: 'A', Unmerged: true},
	}
	if got := entriesByPath(t, st); !reflect.DeepEqual(got, want) {
		t.Errorf("entries:\n got %+v\nwant %+v", got, want)
	}
	for _, e := range st.Entries {
		if e.Describe() != "unmerged" {
			t.Errorf("%s: Describe() = %q, want unmerged", e.Path, e.Describe())
		}
	}
}

func TestStatusUnbornBranch(t *testing.T) {
	dir := filepath.Join(tempDir(t), "fresh")
	run(t, "", "init", "-q", "-b", "main", dir)
	write(t, filepath.Join(dir, "s1/app.env"), "A=1\n")
	st, err := client(dir).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Head != "" || st.Branch != "main" || st.Upstream != "" || st.HasAB {
		t.Errorf("unborn: %+v", st)
	}
	if e, ok := st.Lookup("s1/app.env"); !ok || !e.Untracked || e.Path != "s1/" {
		t.Errorf("Lookup(s1/app.env) = %+v, %v; want the untracked s1/", e, ok)
	}
}

func TestStatusDetached(t *testing.T) {
	dir := newRepo(t, nil)
	id := head(t, dir)
	run(t, dir, "checkout", "-q", "--detach")
	st, err := client(dir).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Branch != "" || st.Head != id || len(st.Entries) != 0 {
		t.Errorf("detached: %+v, want head %s and no branch", st, id)
	}
}

func TestStatusUpstreamAheadBehind(t *testing.T) {
	tm := newTeam(t, nil)
	commitFile(t, tm.alice, "s1/a.env", "A=1\n", "alice 1")
	run(t, tm.alice, "push", "-q")
	commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob 1")
	commitFile(t, tm.bob, "s1/b.env", "B=2\n", "bob 2")
	run(t, tm.bob, "fetch", "-q")
	st, err := client(tm.bob).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Branch != "main" || st.Upstream != "origin/main" || !st.HasAB || st.Ahead != 2 || st.Behind != 1 {
		t.Errorf("bob: %+v, want main tracking origin/main, ahead 2, behind 1", st)
	}
	st, err = client(tm.alice).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Upstream != "origin/main" || !st.HasAB || st.Ahead != 0 || st.Behind != 0 {
		t.Errorf("alice: %+v, want in sync with origin/main", st)
	}
}

// A clone of an empty remote tracks a branch that does not exist yet: the
// upstream is named, ahead/behind is not known.
func TestStatusUpstreamGone(t *testing.T) {
	root := tempDir(t)
	remote := filepath.Join(root, "empty.git")
	run(t, "", "init", "-q", "--bare", "-b", "main", remote)
	clone := filepath.Join(root, "clone")
	run(t, "", "clone", "-q", remote, clone)
	commitFile(t, clone, "s1/a.env", "A=1\n", "first")
	st, err := client(clone).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Upstream != "origin/main" || st.HasAB || st.Ahead != 0 || st.Behind != 0 {
		t.Errorf("status %+v, want upstream origin/main with no ahead/behind", st)
	}
}

// Records ParseStatus cannot make sense of are skipped, not a panic.
func TestParseStatusMalformed(t *testing.T) {
	out := strings.Join([]string{
		"# branch.oid",
		"# branch.ab +x",
		"1 .M short",
		"2 R. N... 100644 100644 100644 abc abc R100 only-new-name", // truncated: no NUL-separated origPath
		"u UU",
		"? ",
		"! ignored.env",
		"1 .M N... 100644 100644 100644 0123 0123 s1/ok.env",
		"",
	}, "\x00")
	st := git.ParseStatus(out)
	var paths []string
	for _, e := range st.Entries {
		paths = append(paths, e.Path)
	}
	if len(paths) == 0 || paths[len(paths)-1] != "s1/ok.env" {
		t.Errorf("paths %q: the well-formed record after the broken ones was lost", paths)
	}
	if st.HasAB {
		t.Error("a malformed branch.ab set HasAB")
	}
	if got := git.ParseStatus(""); len(got.Entries) != 0 || got.Branch != "" {
		t.Errorf("ParseStatus(\"\") = %+v", got)
	}
}

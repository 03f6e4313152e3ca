package git_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"coopcloud.tech/opsync/internal/git"
)

func TestFindRepoNested(t *testing.T) {
	dir := newRepo(t, nil)
	nested := filepath.Join(dir, "servers", "s1", "deep")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{dir, nested} {
		r := findRepo(t, from)
		gitDir := filepath.Join(dir, ".git")
		if r.WorkTree != dir || r.GitDir != gitDir || r.CommonDir != gitDir {
			t.Errorf("FindRepo(%s) = %+v", from, r)
		}
		if r.OpsyncDir() != filepath.Join(gitDir, "opsync") {
			t.Errorf("OpsyncDir() = %s", r.OpsyncDir())
		}
	}
}

// A linked worktree has its own git directory (HEAD, index, MERGE_HEAD)
// and shares refs, config and opsync's lock with the main one.
func TestFindRepoLinkedWorktree(t *testing.T) {
	main := newRepo(t, nil)
	wt := filepath.Join(filepath.Dir(main), "linked")
	run(t, main, "worktree", "add", "-q", "-b", "ops", wt)
	sub := filepath.Join(wt, "s1")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	r := findRepo(t, sub)
	common := filepath.Join(main, ".git")
	if r.WorkTree != wt || r.GitDir != filepath.Join(common, "worktrees", "linked") || r.CommonDir != common {
		t.Errorf("FindRepo(linked worktree) = %+v", r)
	}
	if r.OpsyncDir() != filepath.Join(common, "opsync") {
		t.Errorf("OpsyncDir() = %s, want the shared one", r.OpsyncDir())
	}
	if b, detached, err := r.Head(); err != nil || detached || b != "ops" {
		t.Errorf("Head() = %q, %v, %v; want ops", b, detached, err)
	}
	if id, err := r.HeadCommit(); err != nil || id != head(t, wt) {
		t.Errorf("HeadCommit() = %q, %v; want %s", id, err, head(t, wt))
	}
	// The main work tree is still found as itself.
	if m := findRepo(t, main); m.GitDir != common || m.CommonDir != common {
		t.Errorf("FindRepo(main) = %+v", m)
	}
}

// A submodule's .git is a file pointing to a git directory by a relative
// path.
func TestFindRepoSubmodule(t *testing.T) {
	tm := newTeam(t, nil)
	super := newRepo(t, nil)
	run(t, super, "submodule", "add", "-q", tm.remote, "servers")
	run(t, super, "commit", "-q", "-m", "add servers")
	dotgit := read(t, filepath.Join(super, "servers", ".git"))
	if !strings.HasPrefix(dotgit, "gitdir: ../") {
		t.Fatalf("expected a relative gitdir link, got %q", dotgit)
	}
	r := findRepo(t, filepath.Join(super, "servers", "s1"))
	gitDir := filepath.Join(super, ".git", "modules", "servers")
	if r.WorkTree != filepath.Join(super, "servers") || r.GitDir != gitDir || r.CommonDir != gitDir {
		t.Errorf("FindRepo(submodule) = %+v", r)
	}
	if b, detached, err := r.Head(); err != nil || detached || b != "main" {
		t.Errorf("Head() = %q, %v, %v; want main (submodule add checks out the remote's branch)", b, detached, err)
	}
	if id, err := r.HeadCommit(); err != nil || id != head(t, filepath.Join(super, "servers")) {
		t.Errorf("HeadCommit() = %q, %v", id, err)
	}
}

func TestFindRepoNotARepo(t *testing.T) {
	root := tempDir(t)
	bare := filepath.Join(root, "remote.git")
	run(t, "", "init", "-q", "--bare", bare)
	repo := newRepo(t, nil)
	for _, dir := range []string{
		root,
		bare,
		filepath.Join(bare, "refs", "heads"),
		filepath.Join(repo, ".git"),
		filepath.Join(repo, ".git", "refs", "heads"),
	} {
		if r, err := git.FindRepo(dir); !errors.Is(err, git.ErrNotRepo) {
			t.Errorf("FindRepo(%s) = %+v, %v; want ErrNotRepo", dir, r, err)
		}
	}
}

// A .git directory without HEAD is not a git directory: the search goes on
// upward. A .git file that is not a gitdir link is an error.
func TestFindRepoOddDotGit(t *testing.T) {
	repo := newRepo(t, nil)
	inner := filepath.Join(repo, "s1")
	if err := os.MkdirAll(filepath.Join(inner, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if r := findRepo(t, inner); r.WorkTree != repo {
		t.Errorf("FindRepo past an empty .git = %+v, want %s", r, repo)
	}
	other := filepath.Join(repo, "s2")
	write(t, filepath.Join(other, ".git"), "not a link\n")
	if r, err := git.FindRepo(other); err == nil || errors.Is(err, git.ErrNotRepo) {
		t.Errorf("FindRepo with a broken .git file = %+v, %v; want an error naming it", r, err)
	} else if !strings.Contains(err.Error(), filepath.Join(other, ".git")) {
		t.Errorf("error %q does not name the file", err)
	}
	// A gitdir link to a directory that is not a git directory: keep looking.
	third := filepath.Join(repo, "s3")
	write(t, filepath.Join(third, ".git"), "gitdir: ../nowhere\n")
	if r := findRepo(t, third); r.WorkTree != repo {
		t.Errorf("FindRepo past a dangling gitdir link = %+v, want %s", r, repo)
	}
}

// InProgress is read from the files git leaves while it waits for the
// operator, in a real stopped merge, rebase, cherry-pick, revert and bisect;
// the operation's Abort is the git command that really ends it (run here).
func TestInProgress(t *testing.T) {
	setup := func(t *testing.T) string {
		dir := newRepo(t, map[string]string{"s1/app.env": "V=1\n"})
		run(t, dir, "checkout", "-q", "-b", "theirs")
		commitFile(t, dir, "s1/app.env", "V=theirs\n", "theirs")
		run(t, dir, "checkout", "-q", "main")
		commitFile(t, dir, "s1/app.env", "V=ours\n", "ours")
		return dir
	}
	tests := []struct {
		name string
		stop func(t *testing.T, dir string)
		undo []string
	}{
		{"merge", func(t *testing.T, dir string) { runFails(t, dir, "merge", "--no-edit", "theirs") }, []string{"merge", "--abort"}},
		{"rebase", func(t *testing.T, dir string) { runFails(t, dir, "rebase", "theirs") }, []string{"rebase", "--abort"}},
		{"cherry-pick", func(t *testing.T, dir string) { runFails(t, dir, "cherry-pick", "theirs") }, []string{"cherry-pick", "--abort"}},
		{"revert", func(t *testing.T, dir string) {
			commitFile(t, dir, "s1/app.env", "V=later\n", "later")
			runFails(t, dir, "revert", "--no-edit", "HEAD~1")
		}, []string{"revert", "--abort"}},
		{"bisect", func(t *testing.T, dir string) { run(t, dir, "bisect", "start") }, []string{"bisect", "reset"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := setup(t)
			r := findRepo(t, dir)
			if got := r.InProgress(); got != "" {
				t.Fatalf("InProgress() before = %q", got)
			}
			tt.stop(t, dir)
			if got := r.InProgress(); got != tt.name {
				t.Errorf("InProgress() = %q, want %q", got, tt.name)
			}
			op, ok := r.Operation()
			if want := "git " + strings.Join(tt.undo, " "); !ok || op.Name != tt.name || op.Abort != want {
				t.Errorf("Operation() = %+v, %v; want %s, ended by %s", op, ok, tt.name, want)
			}
			if fix := op.FixIn(dir); !strings.Contains(fix, "git -C "+dir+" "+strings.Join(tt.undo, " ")) {
				t.Errorf("FixIn = %q, does not say %q", fix, strings.Join(tt.undo, " "))
			}
			run(t, dir, tt.undo...)
			if got := r.InProgress(); got != "" {
				t.Errorf("InProgress() after %s = %q", strings.Join(tt.undo, " "), got)
			}
		})
	}
}

func TestRel(t *testing.T) {
	dir := newRepo(t, nil)
	r := findRepo(t, dir)
	for _, tt := range []struct{ path, want string }{
		{filepath.Join(dir, "s1", "foo.env"), "s1/foo.env"},
		{filepath.Join(dir, "foo.env"), "foo.env"},
		{filepath.Join(dir, "..foo"), "..foo"},
	} {
		if got, err := r.Rel(tt.path); err != nil || got != tt.want {
			t.Errorf("Rel(%s) = %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
	for _, p := range []string{filepath.Dir(dir), filepath.Join(dir, "..", "other", "x.env"), "/etc/passwd"} {
		if got, err := r.Rel(p); err == nil {
			t.Errorf("Rel(%s) = %q, want an error (outside the work tree)", p, got)
		}
	}
}

package git_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/git"
)

const appEnv = "s1/foo.example.org.env"

// pull runs opsync's pull in dir from origin/main.
func pull(t *testing.T, dir string) error {
	t.Helper()
	return client(dir).Pull(ctx, findRepo(t, dir), "origin", "refs/heads/main")
}

func parents(t *testing.T, dir string) []string {
	t.Helper()
	return strings.Fields(run(t, dir, "rev-list", "--parents", "-n", "1", "HEAD"))[1:]
}

func assertClean(t *testing.T, dir string) {
	t.Helper()
	st, err := client(dir).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Entries) != 0 {
		t.Errorf("work tree not clean: %+v", st.Entries)
	}
	if op := findRepo(t, dir).InProgress(); op != "" {
		t.Errorf("a %s is in progress", op)
	}
}

func TestPullFastForward(t *testing.T) {
	tm := newTeam(t, nil)
	id := commitFile(t, tm.alice, appEnv, "TYPE=app:1.1.0\n", "alice deploys")
	run(t, tm.alice, "push", "-q")
	if err := pull(t, tm.bob); err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if got := head(t, tm.bob); got != id {
		t.Errorf("HEAD %s, want alice's %s", got, id)
	}
	if got := read(t, filepath.Join(tm.bob, appEnv)); got != "TYPE=app:1.1.0\n" {
		t.Errorf("env file %q", got)
	}
	// Nothing new: still fine.
	if err := pull(t, tm.bob); err != nil {
		t.Errorf("second Pull: %v", err)
	}
}

// A merge, whatever the operator's pull.rebase and pull.ff say.
func TestPullMerges(t *testing.T) {
	tm := newTeam(t, nil)
	theirs := commitFile(t, tm.alice, "s1/a.example.org.env", "A=1\n", "alice")
	run(t, tm.alice, "push", "-q")
	run(t, tm.bob, "config", "pull.rebase", "true")
	run(t, tm.bob, "config", "pull.ff", "only")
	ours := commitFile(t, tm.bob, "s1/b.example.org.env", "B=1\n", "bob")
	if err := pull(t, tm.bob); err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if got := parents(t, tm.bob); !reflect.DeepEqual(got, []string{ours, theirs}) {
		t.Errorf("HEAD's parents %q, want a merge of %s and %s", got, ours, theirs)
	}
	assertClean(t, tm.bob)
}

func TestPullConflictIsAborted(t *testing.T) {
	tm := newTeam(t, nil)
	commitFile(t, tm.alice, appEnv, "TYPE=app:2.0.0-alice\n", "alice")
	run(t, tm.alice, "push", "-q")
	before := commitFile(t, tm.bob, appEnv, "TYPE=app:2.0.0-bob\n", "bob")
	err := pull(t, tm.bob)
	var pe *git.PullError
	if !errors.As(err, &pe) || pe.Kind != git.PullConflict {
		t.Fatalf("Pull = %v, want a PullConflict", err)
	}
	if !reflect.DeepEqual(pe.Files, []string{appEnv}) {
		t.Errorf("Files = %q, want %q", pe.Files, appEnv)
	}
	var ge *git.Error
	if !errors.As(err, &ge) || !strings.Contains(err.Error(), "CONFLICT") {
		t.Errorf("the error should carry git's own report: %v", err)
	}
	if got := head(t, tm.bob); got != before {
		t.Errorf("HEAD moved to %s", got)
	}
	if got := read(t, filepath.Join(tm.bob, appEnv)); got != "TYPE=app:2.0.0-bob\n" {
		t.Errorf("env file %q, want bob's version back", got)
	}
	assertClean(t, tm.bob)
}

// A conflict must not cost the operator an unrelated uncommitted edit.
func TestPullConflictKeepsOtherLocalEdits(t *testing.T) {
	tm := newTeam(t, map[string]string{appEnv: "V=1\n", "s1/other.env": "O=1\n"})
	commitFile(t, tm.alice, appEnv, "V=alice\n", "alice")
	run(t, tm.alice, "push", "-q")
	commitFile(t, tm.bob, appEnv, "V=bob\n", "bob")
	write(t, filepath.Join(tm.bob, "s1/other.env"), "O=edited, not committed\n")
	var pe *git.PullError
	if err := pull(t, tm.bob); !errors.As(err, &pe) || pe.Kind != git.PullConflict {
		t.Fatalf("Pull = %v, want a PullConflict", err)
	}
	if got := read(t, filepath.Join(tm.bob, "s1/other.env")); got != "O=edited, not committed\n" {
		t.Errorf("unrelated edit lost: %q", got)
	}
	if op := findRepo(t, tm.bob).InProgress(); op != "" {
		t.Errorf("%s left in progress", op)
	}
}

func TestPullLocalEditsInTheWay(t *testing.T) {
	t.Run("modified file", func(t *testing.T) {
		tm := newTeam(t, nil)
		commitFile(t, tm.alice, appEnv, "TYPE=app:3.0.0\n", "alice")
		run(t, tm.alice, "push", "-q")
		before := head(t, tm.bob)
		write(t, filepath.Join(tm.bob, appEnv), "TYPE=app:1.0.0\nLOCAL=edit\n")
		var pe *git.PullError
		if err := pull(t, tm.bob); !errors.As(err, &pe) || pe.Kind != git.PullLocalEdits {
			t.Fatalf("Pull = %v, want PullLocalEdits", err)
		}
		if head(t, tm.bob) != before || read(t, filepath.Join(tm.bob, appEnv)) != "TYPE=app:1.0.0\nLOCAL=edit\n" {
			t.Error("a refused pull changed something")
		}
	})
	t.Run("untracked file", func(t *testing.T) {
		tm := newTeam(t, nil)
		commitFile(t, tm.alice, "s1/new.example.org.env", "ALICE=1\n", "alice")
		run(t, tm.alice, "push", "-q")
		before := head(t, tm.bob)
		write(t, filepath.Join(tm.bob, "s1/new.example.org.env"), "BOB=1\n")
		var pe *git.PullError
		if err := pull(t, tm.bob); !errors.As(err, &pe) || pe.Kind != git.PullLocalEdits {
			t.Fatalf("Pull = %v, want PullLocalEdits", err)
		}
		if head(t, tm.bob) != before || read(t, filepath.Join(tm.bob, "s1/new.example.org.env")) != "BOB=1\n" {
			t.Error("a refused pull changed something")
		}
	})
}

func TestPullUnreachable(t *testing.T) {
	tm := newTeam(t, nil)
	if err := os.RemoveAll(tm.remote); err != nil {
		t.Fatal(err)
	}
	before := head(t, tm.bob)
	var pe *git.PullError
	if err := pull(t, tm.bob); !errors.As(err, &pe) || pe.Kind != git.PullUnreachable {
		t.Fatalf("Pull = %v, want PullUnreachable", err)
	}
	if head(t, tm.bob) != before {
		t.Error("HEAD moved")
	}
}

func TestPullTimeout(t *testing.T) {
	tm := newTeam(t, nil)
	addr := hangingServer(t)
	run(t, tm.bob, "remote", "set-url", "origin", "git://"+addr+"/servers")
	c := client(tm.bob)
	c.Timeout = time.Second
	var pe *git.PullError
	if err := c.Pull(ctx, findRepo(t, tm.bob), "origin", "refs/heads/main"); !errors.As(err, &pe) || pe.Kind != git.PullTimeout {
		t.Fatalf("Pull = %v, want PullTimeout", err)
	}
}

// A new, empty remote has no branch to pull: that is ErrNoRemoteBranch,
// and the first push creates the branch.
func TestPullEmptyRemote(t *testing.T) {
	root := tempDir(t)
	remote := filepath.Join(root, "empty.git")
	run(t, "", "init", "-q", "--bare", "-b", "main", remote)
	clone := filepath.Join(root, "clone")
	run(t, "", "clone", "-q", remote, clone)
	commitFile(t, clone, appEnv, "A=1\n", "first entry")
	if err := pull(t, clone); !errors.Is(err, git.ErrNoRemoteBranch) {
		t.Fatalf("Pull = %v, want ErrNoRemoteBranch", err)
	}
	if err := client(clone).Push(ctx, "origin", "refs/heads/main"); err != nil {
		t.Fatalf("first Push: %v", err)
	}
	if err := pull(t, clone); err != nil {
		t.Errorf("Pull after the first push: %v", err)
	}
}

func TestPullArgs(t *testing.T) {
	got := git.FetchArgs("origin", "refs/heads/main", "--depth=1")
	want := []string{"-c", "maintenance.auto=false", "fetch", "--quiet", "--depth=1", "--", "origin", "refs/heads/main"}
	if !slices.Equal(got, want) {
		t.Errorf("FetchArgs = %q", got)
	}
	if got := git.FetchArgs("", "refs/heads/main"); slices.Contains(got, "refs/heads/main") {
		t.Errorf("FetchArgs without a remote names a ref: %q", got)
	}
	// the remote and the ref are never options, whatever they hold
	got = git.FetchArgs("--upload-pack=touch pwned", "--exec=x", "--depth=1")
	if i := slices.Index(got, "--"); i < 0 || slices.Index(got, "--upload-pack=touch pwned") != i+1 || got[len(got)-1] != "--exec=x" {
		t.Errorf("FetchArgs of a hostile remote and ref = %q: want them after --", got)
	}
}

func TestPush(t *testing.T) {
	tm := newTeam(t, nil)
	id := commitFile(t, tm.bob, appEnv, "TYPE=app:1.1.0\n", "bob")
	if err := client(tm.bob).Push(ctx, "origin", "refs/heads/main"); err != nil {
		t.Fatalf("Push: %v", err)
	}
	if got := strings.TrimSpace(run(t, tm.remote, "rev-parse", "refs/heads/main")); got != id {
		t.Errorf("remote main = %s, want %s", got, id)
	}
}

func TestPushRejectedWhenSomeonePushedFirst(t *testing.T) {
	tm := newTeam(t, nil)
	alice := commitFile(t, tm.alice, "s1/a.env", "A=1\n", "alice")
	run(t, tm.alice, "push", "-q")
	commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
	err := client(tm.bob).Push(ctx, "origin", "refs/heads/main")
	var pe *git.PushError
	if !errors.As(err, &pe) || pe.Kind != git.PushRejected {
		t.Fatalf("Push = %v, want PushRejected", err)
	}
	if got := strings.TrimSpace(run(t, tm.remote, "rev-parse", "refs/heads/main")); got != alice {
		t.Errorf("remote main = %s, want alice's %s kept (never forced)", got, alice)
	}
	// After a pull the same push goes through.
	if err := pull(t, tm.bob); err != nil {
		t.Fatal(err)
	}
	if err := client(tm.bob).Push(ctx, "origin", "refs/heads/main"); err != nil {
		t.Errorf("Push after Pull: %v", err)
	}
}

func TestPushDeclinedByHook(t *testing.T) {
	tm := newTeam(t, nil)
	hook := filepath.Join(tm.remote, "hooks", "pre-receive")
	write(t, hook, "#!/bin/sh\necho 'operator log is frozen' >&2\nexit 1\n")
	if err := os.Chmod(hook, 0o755); err != nil {
		t.Fatal(err)
	}
	commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
	err := client(tm.bob).Push(ctx, "origin", "refs/heads/main")
	var pe *git.PushError
	if !errors.As(err, &pe) || pe.Kind != git.PushDeclined {
		t.Fatalf("Push = %v, want PushDeclined", err)
	}
	if !strings.Contains(err.Error(), "operator log is frozen") {
		t.Errorf("the hook's message is not in the error: %v", err)
	}
}

func TestPushUnreachable(t *testing.T) {
	tm := newTeam(t, nil)
	os.RemoveAll(tm.remote)
	commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
	var pe *git.PushError
	if err := client(tm.bob).Push(ctx, "origin", "refs/heads/main"); !errors.As(err, &pe) || pe.Kind != git.PushUnreachable {
		t.Fatalf("Push = %v, want PushUnreachable", err)
	}
}

// commitWorld is a repository with a file in every state around the one
// being committed, to check that CommitOnly touches nothing else.
func commitWorld(t *testing.T) string {
	t.Helper()
	dir := newRepo(t, map[string]string{
		"s1/app.env": "V=1\n", "s1/staged.env": "S=1\n", "s1/unstaged.env": "U=1\n", "s1/gone.env": "G=1\n",
		"s1/partly.env": "P=1\n",
	})
	write(t, filepath.Join(dir, "s1/staged.env"), "S=2\n")
	run(t, dir, "add", "s1/staged.env")
	write(t, filepath.Join(dir, "s1/unstaged.env"), "U=2\n")
	write(t, filepath.Join(dir, "s1/partly.env"), "P=2\n")
	run(t, dir, "add", "s1/partly.env")
	write(t, filepath.Join(dir, "s1/partly.env"), "P=3\n")
	write(t, filepath.Join(dir, "s1/untracked.env"), "N=1\n")
	return dir
}

// assertOthersUntouched checks the bystanders of commitWorld.
func assertOthersUntouched(t *testing.T, dir string) {
	t.Helper()
	st, err := client(dir).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range st.Entries {
		got[e.Path] = string([]byte{e.X, e.Y})
	}
	for path, xy := range map[string]string{
		"s1/staged.env": "M.", "s1/unstaged.env": ".M", "s1/partly.env": "MM", "s1/untracked.env": "??",
	} {
		if got[path] != xy {
			t.Errorf("%s is %q after the commit, want %q as before", path, got[path], xy)
		}
	}
	if s := strings.TrimSpace(run(t, dir, "show", ":s1/partly.env")); s != "P=2" {
		t.Errorf("staged content of s1/partly.env = %q, want P=2", s)
	}
	for path, content := range map[string]string{"s1/partly.env": "P=3\n", "s1/unstaged.env": "U=2\n", "s1/untracked.env": "N=1\n"} {
		if got := read(t, filepath.Join(dir, path)); got != content {
			t.Errorf("%s = %q, want %q", path, got, content)
		}
	}
}

// changes lists HEAD's changes against its parent as "X path" lines.
func changes(t *testing.T, dir string) []string {
	t.Helper()
	out := run(t, dir, "diff-tree", "--no-commit-id", "-r", "-M", "--name-status", "HEAD")
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" {
			lines = append(lines, strings.Join(strings.Fields(l), " "))
		}
	}
	return lines
}

func TestCommitOnly(t *testing.T) {
	msg := "abra app deploy foo.example.org\n\nexit 0\n\n# not a comment: kept verbatim\nOpsync-Command: app deploy\n"
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		paths  []string
		want   []string
	}{
		{"modified", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "s1/app.env"), "V=2\n")
		}, []string{"s1/app.env"}, []string{"M s1/app.env"}},
		{"new untracked file", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "s2/new.example.org.env"), "NEW=1\n")
		}, []string{"s2/new.example.org.env"}, []string{"A s2/new.example.org.env"}},
		{"deleted", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "s1/gone.env"))
		}, []string{"s1/gone.env"}, []string{"D s1/gone.env"}},
		{"new file next to a path that is nowhere (a failed app new)", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "s2/new.example.org.env"), "NEW=1\n")
		}, []string{"s2/never.example.org.env", "s2/new.example.org.env"}, []string{"A s2/new.example.org.env"}},
		{"a path that is nowhere: an empty entry", func(t *testing.T, dir string) {}, []string{"s2/never.example.org.env"}, nil},
		{"renamed (app move)", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "s2/app.env"), "V=1\n")
			os.Remove(filepath.Join(dir, "s1/app.env"))
		}, []string{"s1/app.env", "s2/app.env"}, []string{"R100 s1/app.env s2/app.env"}},
		{"unchanged file", func(t *testing.T, dir string) {}, []string{"s1/app.env"}, nil},
		{"no paths", func(t *testing.T, dir string) {}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := commitWorld(t)
			before := head(t, dir)
			tt.change(t, dir)
			if err := client(dir).CommitOnly(ctx, msg, tt.paths, nil); err != nil {
				t.Fatalf("CommitOnly: %v", err)
			}
			if got := parents(t, dir); !reflect.DeepEqual(got, []string{before}) {
				t.Fatalf("HEAD's parents %q, want %s", got, before)
			}
			if got := changes(t, dir); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("committed %q, want %q", got, tt.want)
			}
			raw := run(t, dir, "cat-file", "commit", "HEAD")
			if _, body, _ := strings.Cut(raw, "\n\n"); body != msg {
				t.Errorf("message %q, want %q verbatim", body, msg)
			}
			assertOthersUntouched(t, dir)
			for _, p := range tt.paths {
				if st, _ := client(dir).Status(ctx); st != nil {
					if e, ok := st.Lookup(p); ok {
						t.Errorf("%s still shows in status after its commit: %+v", p, e)
					}
				}
			}
		})
	}
}

// A commit of a path git refuses (ignored by .gitignore) fails cleanly.
func TestCommitOnlyIgnoredFile(t *testing.T) {
	dir := newRepo(t, map[string]string{".gitignore": "*.env\n"})
	write(t, filepath.Join(dir, "s1/app.env"), "V=1\n")
	before := head(t, dir)
	err := client(dir).CommitOnly(ctx, "msg\n", []string{"s1/app.env"}, nil)
	if err == nil {
		t.Fatal("CommitOnly of an ignored file succeeded")
	}
	if !strings.Contains(git.StderrOf(err), "ignored") {
		t.Errorf("stderr %q should say the path is ignored", git.StderrOf(err))
	}
	if head(t, dir) != before {
		t.Error("HEAD moved")
	}
}

func TestIdent(t *testing.T) {
	dir := newRepo(t, nil)
	got, err := client(dir).Ident(ctx)
	if err != nil || got != "Test Operator <test@example.org>" {
		t.Errorf("Ident = %q, %v", got, err)
	}
	run(t, dir, "config", "user.name", "Alice Operator")
	run(t, dir, "config", "user.email", "alice@example.org")
	if got, err := client(dir).Ident(ctx); err != nil || got != "Alice Operator <alice@example.org>" {
		t.Errorf("Ident with repository config = %q, %v", got, err)
	}
	c := client(dir)
	c.Env = []string{"GIT_AUTHOR_NAME=Bob", "GIT_AUTHOR_EMAIL=bob@example.org"}
	if got, err := c.Ident(ctx); err != nil || got != "Bob <bob@example.org>" {
		t.Errorf("Ident with GIT_AUTHOR_* = %q, %v", got, err)
	}
	// No identity at all, and git told not to guess one.
	c.Env = []string{"HOME=" + tempDir(t), "GIT_CONFIG_GLOBAL=/dev/null"}
	run(t, dir, "config", "--unset", "user.name")
	run(t, dir, "config", "--unset", "user.email")
	run(t, dir, "config", "user.useConfigOnly", "true")
	if got, err := c.Ident(ctx); err == nil {
		t.Errorf("Ident without identity = %q, want an error", got)
	}
}

// subcommand is the git command of a traced argument list, after its -c
// settings.
func subcommand(args []string) string {
	for i := 0; i < len(args); i++ {
		if args[i] == "-c" {
			i++
			continue
		}
		return args[i]
	}
	return ""
}

// Pull runs git merge only when the fetched commit is not HEAD already.
func TestPullMergesOnlyWhenNeeded(t *testing.T) {
	tm := newTeam(t, nil)
	pullCounting := func(dir string) []string {
		t.Helper()
		var seen []string
		c := client(dir)
		c.Trace = func(args []string) { seen = append(seen, subcommand(args)) }
		if err := c.Pull(ctx, findRepo(t, dir), "origin", "refs/heads/main"); err != nil {
			t.Fatalf("Pull: %v", err)
		}
		return seen
	}
	if got := pullCounting(tm.bob); !slices.Equal(got, []string{"fetch"}) {
		t.Errorf("nothing new: git %q, want only fetch", got)
	}
	id := commitFile(t, tm.alice, appEnv, "TYPE=app:1.1.0\n", "alice")
	run(t, tm.alice, "push", "-q")
	if got := pullCounting(tm.bob); !slices.Equal(got, []string{"fetch", "merge"}) {
		t.Errorf("new commits: git %q, want fetch and merge", got)
	}
	if head(t, tm.bob) != id {
		t.Errorf("bob's HEAD is not alice's commit")
	}
	// Bob ahead: the fetched commit is not HEAD, so merge runs (and does nothing).
	ours := commitFile(t, tm.bob, "s1/b.example.org.env", "B=1\n", "bob")
	if got := pullCounting(tm.bob); !slices.Equal(got, []string{"fetch", "merge"}) {
		t.Errorf("local commits: git %q, want fetch and merge", got)
	}
	if head(t, tm.bob) != ours {
		t.Errorf("HEAD moved although nothing was new")
	}
}

// Paths reach git literally: a file named like pathspec magic (":!x.env",
// "*.env", ":(glob)*") is that one file, never a pattern that commits or
// stages other files, whatever the operator's GIT_*_PATHSPECS say.
func TestPathsAreLiteral(t *testing.T) {
	for _, name := range []string{":!x.env", "*.env", ":(glob)*.env", "[ab].env", ":/b.env"} {
		for _, operatorEnv := range []string{"", "GIT_GLOB_PATHSPECS=1", "GIT_ICASE_PATHSPECS=1"} {
			t.Run(name+" "+operatorEnv, func(t *testing.T) {
				if operatorEnv != "" {
					k, v, _ := strings.Cut(operatorEnv, "=")
					t.Setenv(k, v)
				}
				dir := newRepo(t, map[string]string{"x.env": "X=1\n", "a.env": "A=1\n", "b.env": "B=1\n", name: "N=1\n"})
				for _, f := range []string{"x.env", "a.env", "b.env", name} {
					write(t, filepath.Join(dir, f), "CHANGED=1\n")
				}
				if err := client(dir).CommitOnly(ctx, "msg\n", []string{name}, nil); err != nil {
					t.Fatalf("CommitOnly(%q): %v", name, err)
				}
				if got := changes(t, dir); !reflect.DeepEqual(got, []string{"M " + name}) {
					t.Errorf("CommitOnly(%q) committed %q, want only that file", name, got)
				}
				fresh := "new-" + name
				write(t, filepath.Join(dir, fresh), "NEW=1\n")
				write(t, filepath.Join(dir, "new-other.env"), "NEW=1\n")
				if err := client(dir).Add(ctx, fresh); err != nil {
					t.Fatalf("Add(%q): %v", fresh, err)
				}
				staged := strings.Fields(run(t, dir, "diff", "--cached", "--name-only"))
				if !reflect.DeepEqual(staged, []string{fresh}) {
					t.Errorf("Add(%q) staged %q, want only that file", fresh, staged)
				}
			})
		}
	}
}

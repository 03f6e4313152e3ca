package git_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/git"
)

// TestMain gives every test the same git: a private HOME with a fixed
// identity and default branch, no system config, none of the developer's
// GIT_* variables.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "opsync-git-test-home")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gitconfig := "[init]\n\tdefaultBranch = main\n[user]\n\tname = Test Operator\n\temail = test@example.org\n" +
		"[advice]\n\tdetachedHead = false\n[protocol \"file\"]\n\tallow = always\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(gitconfig), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "GIT_") {
			os.Unsetenv(name)
		}
	}
	os.Setenv("HOME", home)
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

var ctx = context.Background()

// tempDir is t.TempDir with symlinks resolved, as opsync resolves paths
// before it looks for a repository.
func tempDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// run runs git in dir (through the package's own client) and fails the
// test if it fails.
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := (&git.Client{Dir: dir}).Run(ctx, args...)
	if err != nil {
		t.Fatalf("git %s in %s: %v", strings.Join(args, " "), dir, err)
	}
	return out
}

// runFails runs git expecting it to fail (a merge that conflicts).
func runFails(t *testing.T, dir string, args ...string) {
	t.Helper()
	if _, err := (&git.Client{Dir: dir}).Run(ctx, args...); err == nil {
		t.Fatalf("git %s in %s succeeded, want a failure", strings.Join(args, " "), dir)
	}
}

func head(t *testing.T, dir string) string {
	t.Helper()
	return strings.TrimSpace(run(t, dir, "rev-parse", "HEAD"))
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// commitFile writes a file in the work tree dir and commits it.
func commitFile(t *testing.T, dir, rel, content, msg string) string {
	t.Helper()
	write(t, filepath.Join(dir, rel), content)
	run(t, dir, "add", "--", rel)
	run(t, dir, "commit", "-q", "-m", msg)
	return head(t, dir)
}

// newRepo is a repository on main with one commit holding the given files.
func newRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(tempDir(t), "repo")
	run(t, "", "init", "-q", "-b", "main", dir)
	if len(files) == 0 {
		files = map[string]string{"README": "operator log\n"}
	}
	for rel, content := range files {
		write(t, filepath.Join(dir, rel), content)
	}
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "seed")
	return dir
}

// team is a bare remote seeded with one commit and two operators' clones.
type team struct {
	remote, alice, bob string
}

func newTeam(t *testing.T, files map[string]string) team {
	t.Helper()
	root := tempDir(t)
	tm := team{remote: filepath.Join(root, "remote.git"), alice: filepath.Join(root, "alice"), bob: filepath.Join(root, "bob")}
	run(t, "", "init", "-q", "--bare", "-b", "main", tm.remote)
	seed := filepath.Join(root, "seed")
	run(t, "", "clone", "-q", tm.remote, seed)
	if len(files) == 0 {
		files = map[string]string{"s1/foo.example.org.env": "TYPE=app:1.0.0\nDOMAIN=foo.example.org\n"}
	}
	for rel, content := range files {
		write(t, filepath.Join(seed, rel), content)
	}
	run(t, seed, "add", "-A")
	run(t, seed, "commit", "-q", "-m", "seed")
	run(t, seed, "push", "-q", "origin", "HEAD:main")
	run(t, "", "clone", "-q", tm.remote, tm.alice)
	run(t, "", "clone", "-q", tm.remote, tm.bob)
	return tm
}

func findRepo(t *testing.T, dir string) *git.Repo {
	t.Helper()
	r, err := git.FindRepo(dir)
	if err != nil {
		t.Fatalf("FindRepo(%s): %v", dir, err)
	}
	return r
}

func client(dir string) *git.Client { return &git.Client{Dir: dir} }

func contextWithCancelAfter(d time.Duration) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	time.AfterFunc(d, cancel)
	return c, cancel
}

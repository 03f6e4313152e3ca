package githttp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func git(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.org")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// A push and a clone with the right credentials work; without them, or
// with a wrong password, git is refused and says so.
func TestServer(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "forge")
	if out, err := git(t, dir, "init", "-q", "--bare", "-b", "main", filepath.Join(root, "ops.git")); err != nil {
		t.Fatal(err, out)
	}
	s, err := Start(root, map[string]string{"alice": "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	good := strings.Replace(s.URL, "http://", "http://alice:s3cret@", 1) + "/ops.git"

	work := filepath.Join(dir, "work")
	if out, err := git(t, dir, "init", "-q", "-b", "main", work); err != nil {
		t.Fatal(err, out)
	}
	if out, err := git(t, work, "commit", "-q", "--allow-empty", "-m", "first"); err != nil {
		t.Fatal(err, out)
	}
	if out, err := git(t, work, "push", "-q", good, "main"); err != nil {
		t.Fatalf("push with credentials: %v\n%s", err, out)
	}
	if out, err := git(t, dir, "clone", "-q", good, "copy"); err != nil {
		t.Fatalf("clone with credentials: %v\n%s", err, out)
	}
	if out, _ := git(t, filepath.Join(dir, "copy"), "log", "--format=%s"); strings.TrimSpace(out) != "first" {
		t.Fatalf("the clone's log is %q, want the pushed commit", out)
	}
	for _, url := range []string{s.URL + "/ops.git", strings.Replace(good, "s3cret", "wrong", 1)} {
		out, err := git(t, dir, "ls-remote", url)
		if err == nil || !strings.Contains(out, "Authentication failed") && !strings.Contains(out, "could not read Username") {
			t.Fatalf("ls-remote %s: err %v, output %q; want a refusal", url, err, out)
		}
	}
	if all, denied := s.Requests(); denied == 0 || all <= denied {
		t.Fatalf("Requests() = %d, %d denied; want some of each", all, denied)
	}
}

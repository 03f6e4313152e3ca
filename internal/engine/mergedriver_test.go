package engine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func gitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func isolatedGit(t *testing.T) string {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_AUTHOR_NAME", "T")
	t.Setenv("GIT_AUTHOR_EMAIL", "t@example.org")
	t.Setenv("GIT_COMMITTER_NAME", "T")
	t.Setenv("GIT_COMMITTER_EMAIL", "t@example.org")
	return home
}

// InstallMergeDriver keeps the operator's .gitattributes, adds its line
// once, and writes the driver to the repository's own config only.
func TestInstallMergeDriver(t *testing.T) {
	home := isolatedGit(t)
	global := filepath.Join(home, ".gitconfig")
	os.WriteFile(global, []byte("[user]\n\tname = T\n"), 0o644)
	dir := t.TempDir()
	gitT(t, dir, "init", "-q")
	os.WriteFile(filepath.Join(dir, ".gitattributes"), []byte("*.png binary"), 0o644) // no final newline

	driver := MergeDriverCommand("/opt/op sync/opsync")
	changed, err := InstallMergeDriver(context.Background(), dir, driver)
	if err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, ".gitattributes"))
	if string(b) != "*.png binary\n*.env merge=opsync-env\n" {
		t.Fatalf(".gitattributes = %q", b)
	}
	if got := strings.TrimSpace(gitT(t, dir, "config", "--local", "merge.opsync-env.driver")); got != `OPSYNC_NOT_SHIM=1 '/opt/op sync/opsync' merge-driver %O %A %B %P` {
		t.Fatalf("driver = %q", got)
	}
	if g, _ := os.ReadFile(global); string(g) != "[user]\n\tname = T\n" {
		t.Fatalf("global config changed: %q", g)
	}
	if changed, err := InstallMergeDriver(context.Background(), dir, driver); err != nil || changed {
		t.Fatalf("second install: changed=%v err=%v", changed, err)
	}
	if b2, _ := os.ReadFile(filepath.Join(dir, ".gitattributes")); string(b2) != string(b) {
		t.Fatalf("second install changed .gitattributes: %q", b2)
	}
	if got := gitT(t, dir, "check-attr", "merge", "x/a.env"); !strings.Contains(got, "merge: opsync-env") {
		t.Fatalf("check-attr: %s", got)
	}
}

func TestMergeDriverCommandQuotes(t *testing.T) {
	if got := MergeDriverCommand("/a/it's/opsync"); got != `OPSYNC_NOT_SHIM=1 '/a/it'\''s/opsync' merge-driver %O %A %B %P` {
		t.Fatalf("got %s", got)
	}
}

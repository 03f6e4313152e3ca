package git_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"coopcloud.tech/opsync/internal/git"
)

// SkipWorktree reads git's index as git writes it: version 2 (no flag
// possible), 3 (extended flags) and 4 (prefix-compressed names), sha1 and
// sha256; only the entries marked skip-worktree are named.
func TestSkipWorktreeReadsTheIndex(t *testing.T) {
	files := map[string]string{
		"README":                   "log\n",
		"s1/a.example.org.env":     "A=1\n",
		"s1/foo.example.org.env":   "A=1\n",
		"s1/foo.example.org.env.x": "A=1\n",
		"s2/foo.example.org.env":   "A=1\n",
		"s2/very/long/directory/name/to/strip/in/version/four/bar.example.org.env": "A=1\n",
	}
	all := []string{"README", "s1/a.example.org.env", "s1/foo.example.org.env", "s1/foo.example.org.env.x",
		"s2/foo.example.org.env", "s2/very/long/directory/name/to/strip/in/version/four/bar.example.org.env"}
	for _, format := range []string{"sha1", "sha256"} {
		dir := newRepo(t, nil)
		if format == "sha256" {
			dir = tempDir(t) + "/sha256"
			run(t, "", "init", "-q", "-b", "main", "--object-format=sha256", dir)
		}
		for rel, content := range files {
			write(t, dir+"/"+rel, content)
		}
		run(t, dir, "add", "-A")
		run(t, dir, "commit", "-q", "-m", "files")
		r := findRepo(t, dir)
		if got, err := r.SkipWorktree(all); err != nil || len(got) != 0 {
			t.Errorf("%s, version 2: SkipWorktree = %q, %v; want none", format, got, err)
		}
		run(t, dir, "update-index", "--skip-worktree", "--", "s1/foo.example.org.env",
			"s2/very/long/directory/name/to/strip/in/version/four/bar.example.org.env")
		run(t, dir, "update-index", "--assume-unchanged", "--", "s2/foo.example.org.env")
		want := []string{"s1/foo.example.org.env", "s2/very/long/directory/name/to/strip/in/version/four/bar.example.org.env"}
		for _, version := range []string{"3", "4"} {
			run(t, dir, "update-index", "--index-version", version)
			got, err := r.SkipWorktree(all)
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("%s, version %s: SkipWorktree = %q, %v; want %q", format, version, got, err, want)
			}
			if got, err := r.SkipWorktree([]string{"s1/a.example.org.env", "s1/foo.example.org.env.x"}); err != nil || len(got) != 0 {
				t.Errorf("%s, version %s: SkipWorktree(unmarked) = %q, %v; want none", format, version, got, err)
			}
		}
	}
}

// BlobID must be the id git itself gives the bytes (git hash-object is the
// oracle), in a SHA-1 repository as in a SHA-256 one.
func TestBlobIDIsGits(t *testing.T) {
	for _, format := range []string{"sha1", "sha256"} {
		dir := t.TempDir()
		if out, err := exec.Command("git", "init", "-q", "--object-format="+format, dir).CombinedOutput(); err != nil {
			t.Fatalf("git init: %v\n%s", err, out)
		}
		r, err := git.FindRepo(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, content := range []string{"", "x\n", "TYPE=custom-html:1.0.0+1.0\r\nDOMAIN=a\n", strings.Repeat("é", 5000)} {
			path := filepath.Join(dir, "f")
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("git", "hash-object", "--no-filters", "--", "f")
			cmd.Dir = dir
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			if got, want := r.BlobID([]byte(content)), strings.TrimSpace(string(out)); got != want {
				t.Errorf("%s: BlobID(%q) = %s, git says %s", format, content, got, want)
			}
		}
	}
}

package git

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogPatchReadsBothVersionsBack commits files of every kind git
// patches differently and checks that StartLogPatch + FilePatches give
// back, for each commit, exactly the files' contents before and after
// (as git show COMMIT^:path and COMMIT:path have them), in one process.
func TestLogPatchReadsBothVersionsBack(t *testing.T) {
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.org")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	write := func(name, text string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q", "-b", "main")
	// The operator's settings must not change what is read.
	git("config", "diff.noprefix", "true")
	git("config", "diff.mnemonicPrefix", "true")
	write("s1/a.env", "A=1\nB=2\n")
	write("s1/é \"q\".env", "X=1")
	git("add", "-A")
	git("commit", "-qm", "first\n\nOpsync-Command: app deploy")
	write("s1/a.env", "# comment\nA=1\nB=3")
	write("s1/é \"q\".env", "X=1\n")
	write("s1/new.env", "")
	git("add", "-A")
	git("commit", "-qm", "second")
	git("commit", "-q", "--allow-empty", "-m", "empty")
	os.Remove(filepath.Join(dir, "s1/a.env"))
	git("add", "-A")
	git("commit", "-qm", "removed")

	lr := (&Client{Dir: dir}).StartLogPatch(context.Background(), LogFilter{Revs: "HEAD", Merges: true})
	var commits []Commit
	for {
		c, ok := lr.Next()
		if !ok {
			break
		}
		commits = append(commits, c)
	}
	if err := lr.Close(); err != nil {
		t.Fatal(err)
	}
	if len(commits) != 4 {
		t.Fatalf("%d commits, want 4", len(commits))
	}
	show := func(rev string) []byte {
		cmd := exec.Command("git", "show", rev)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			return nil
		}
		return out
	}
	files := 0
	for _, c := range commits {
		subject, _, _ := strings.Cut(c.Message, "\n")
		for _, fp := range FilePatches(c.Patch) {
			files++
			path := fp.NewPath
			if path == "" {
				path = fp.OldPath
			}
			if fp.OldPath != "" && string(fp.Old) != string(show(c.ID+"^:"+fp.OldPath)) {
				t.Errorf("%s: %s before: %q, want %q", subject, path, fp.Old, show(c.ID+"^:"+fp.OldPath))
			}
			if fp.NewPath != "" && string(fp.New) != string(show(c.ID+":"+fp.NewPath)) {
				t.Errorf("%s: %s after: %q, want %q", subject, path, fp.New, show(c.ID+":"+fp.NewPath))
			}
		}
		if subject == "empty" && c.Patch != "" {
			t.Errorf("the empty commit has a patch: %q", c.Patch)
		}
		if !isCommitID([]byte(c.ID)) || c.AuthorName != "T" {
			t.Errorf("commit read wrong: %+v", c)
		}
	}
	// first: 2 files, second: 3 (new.env empty: no hunk), removed: 1
	if files != 6 {
		t.Errorf("%d files read, want 6", files)
	}
	if got := FilePatches(commits[2].Patch); len(got) != 3 || got[1].NewPath != "s1/new.env" || !got[1].Added ||
		got[2].NewPath != `s1/é "q".env` || got[2].Added || got[2].Deleted {
		t.Errorf("second commit's files: %+v", got)
	}
	if got := FilePatches(commits[0].Patch); len(got) != 1 || got[0].OldPath != "s1/a.env" || !got[0].Deleted || got[0].NewPath != "" {
		t.Errorf("the removal: %+v", got)
	}
}

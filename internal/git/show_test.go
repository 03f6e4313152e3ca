package git

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestValidCommitPrefix(t *testing.T) {
	for _, s := range []string{"abcd", "ABCDEF0123", strings.Repeat("a", 40), strings.Repeat("0", 64)} {
		if !ValidCommitPrefix(s) {
			t.Errorf("%q refused", s)
		}
	}
	for _, s := range []string{"", "abc", "HEAD", "main", "--output=x", "-abcd", "abcd^{tree}", "abcd:path", "abcg",
		strings.Repeat("a", 65), "abcd\n", "ａｂｃｄ"} {
		if ValidCommitPrefix(s) {
			t.Errorf("%q accepted", s)
		}
	}
}

// TestCommitChangesAgainstGit commits an edit, an addition and a removal
// in a real repository and reads them back with the blobs' contents.
func TestCommitChangesAgainstGit(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.org")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(name, text string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("init", "-q", "-b", "main")
	write("s1/a.env", "A=1\n")
	write("s1/gone.env", "G=1\n")
	run("add", "-A")
	run("commit", "-qm", "first")
	root := run("rev-parse", "HEAD")
	write("s1/a.env", "A=2\n")
	write("s1/new file.env", "N=1\n")
	os.Remove(filepath.Join(dir, "s1/gone.env"))
	run("add", "-A")
	run("commit", "-qm", "second")
	head := run("rev-parse", "HEAD")

	c := &Client{Dir: dir}
	ctx := context.Background()
	id, err := c.ResolveCommit(ctx, strings.ToUpper(head[:7]))
	if err != nil || id != head {
		t.Fatalf("ResolveCommit: %q, %v; want %s", id, err, head)
	}
	if _, err := c.ResolveCommit(ctx, "0000000"); err == nil {
		t.Error("a commit that is not there resolved")
	}
	cm, err := c.ReadCommit(ctx, head)
	if err != nil || cm.ID != head || !strings.HasPrefix(cm.Message, "second") {
		t.Errorf("ReadCommit: %+v, %v", cm, err)
	}
	changes, err := c.CommitChanges(ctx, head)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var blobs []string
	for _, fc := range changes {
		got = append(got, fc.Status+" "+fc.Path)
		blobs = append(blobs, fc.OldBlob, fc.NewBlob)
	}
	if want := []string{"M s1/a.env", "D s1/gone.env", "A s1/new file.env"}; !reflect.DeepEqual(got, want) {
		t.Errorf("changes %q, want %q", got, want)
	}
	contents, err := c.ReadBlobs(ctx, blobs...)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"A=1\n", "A=2\n", "G=1\n", "", "", "N=1\n"}; len(contents) != 6 ||
		string(contents[0]) != want[0] || string(contents[1]) != want[1] || string(contents[2]) != want[2] ||
		contents[3] != nil || contents[4] != nil || string(contents[5]) != want[5] {
		t.Errorf("contents %q", contents)
	}
	// The root commit: everything added.
	changes, err = c.CommitChanges(ctx, root)
	if err != nil || len(changes) != 2 || changes[0].OldBlob != "" || changes[0].Status != "A" {
		t.Errorf("root commit: %+v, %v", changes, err)
	}
}

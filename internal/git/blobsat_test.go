package git_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"coopcloud.tech/opsync/internal/git"
)

// BlobsAt gives each file's blob id in a commit as `git rev-parse
// REV:PATH` does, and "" for what the commit does not hold, in one batch;
// names that would break the batch or look like options are only data.
func TestBlobsAtIsRevParse(t *testing.T) {
	dir := newRepo(t, map[string]string{"s1/foo.env": "TYPE=a:1\n", "s1/-n.env": "X=1\n", "s 2/bar baz.env": "Y=2\n"})
	first := head(t, dir)
	second := commitFile(t, dir, "s1/foo.env", "TYPE=a:2\n", "upgrade")
	files := []git.RevPath{
		{first, "s1/foo.env"}, {second, "s1/foo.env"}, {second, "s1/-n.env"}, {second, "s 2/bar baz.env"},
		{second, "s1/missing.env"}, {"", "s1/foo.env"}, {second, "s1/new\nline.env"}, {second, "s1"},
	}
	ids, err := client(dir).BlobsAt(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files[:4] {
		if want := strings.TrimSpace(run(t, dir, "rev-parse", "--verify", f.Rev+":"+f.Path)); ids[i] != want {
			t.Errorf("%s:%s = %q, git says %s", f.Rev[:7], f.Path, ids[i], want)
		}
	}
	if ids[0] == ids[1] {
		t.Errorf("the two versions of foo.env have one id %s", ids[0])
	}
	for i := 4; i < len(files); i++ {
		if ids[i] != "" {
			t.Errorf("%q:%q = %q, want \"\" (no such blob)", files[i].Rev, files[i].Path, ids[i])
		}
	}
	// BlobHasher is BlobID: the id of foo.env as committed last.
	r := findRepo(t, dir)
	if got := r.BlobHasher()([]byte("TYPE=a:2\n")); got != ids[1] || got != r.BlobID([]byte("TYPE=a:2\n")) {
		t.Errorf("BlobHasher gives %s, git %s", got, ids[1])
	}
}

// HeadBlobs is `git rev-parse HEAD:PATH` for every file of HEAD.
func TestHeadBlobsIsRevParse(t *testing.T) {
	dir := newRepo(t, map[string]string{"s1/foo.env": "TYPE=a:1\n", "s 2/bar\tbaz.env": "Y=2\n", "README": "x\n"})
	commitFile(t, dir, "s1/foo.env", "TYPE=a:2\n", "upgrade")
	blobs, err := client(dir).HeadBlobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(blobs) != 3 {
		t.Errorf("%d files, want 3: %v", len(blobs), blobs)
	}
	for path, id := range blobs {
		if want := strings.TrimSpace(run(t, dir, "rev-parse", "--verify", "HEAD:"+path)); id != want {
			t.Errorf("%q = %s, git says %s", path, id, want)
		}
	}
	empty := filepath.Join(tempDir(t), "empty")
	run(t, "", "init", "-q", empty)
	if _, err := client(empty).HeadBlobs(context.Background()); err == nil {
		t.Errorf("no error for a repository without a commit")
	}
}

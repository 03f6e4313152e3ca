package git

import (
	"context"
	"fmt"
	"strings"
)

// RevPath names a file in a commit: Rev's tree at Path (relative to the top
// of the work tree, with slashes).
type RevPath struct {
	Rev, Path string
}

// BlobsAt returns the blob id of each file in one git process (cat-file
// --batch-check): "" for a file the commit does not have (or that is not a
// blob there). A path holding a newline cannot be asked for in the batch
// and gives "" too. Nothing is read as an option: each name is a line of
// git's standard input.
func (c *Client) BlobsAt(ctx context.Context, files []RevPath) ([]string, error) {
	out := make([]string, len(files))
	var lines strings.Builder
	var asked []int
	for i, f := range files {
		if f.Rev == "" || strings.ContainsAny(f.Rev+f.Path, "\n\r\x00") {
			continue
		}
		lines.WriteString(f.Rev + ":" + f.Path + "\n")
		asked = append(asked, i)
	}
	if len(asked) == 0 {
		return out, nil
	}
	raw, err := c.runCmd(ctx, cmd{args: []string{"cat-file", "--batch-check=%(objecttype) %(objectname)"},
		stdin: strings.NewReader(lines.String())})
	if err != nil {
		return nil, err
	}
	got := strings.Split(strings.TrimSuffix(raw, "\n"), "\n")
	if len(got) != len(asked) {
		return nil, fmt.Errorf("git cat-file --batch-check: %d lines for %d files", len(got), len(asked))
	}
	for j, i := range asked {
		// "blob <id>", or "<name> missing" / "<name> ambiguous" for a
		// file the commit does not have.
		if id, ok := strings.CutPrefix(got[j], "blob "); ok && IsObjectID(id) {
			out[i] = id
		}
	}
	return out, nil
}

// HeadBlobs returns the blob id of every file in HEAD's tree, by path
// (relative to the top, with slashes), in one `git ls-tree` process: the
// committed version of many files for the cost of reading HEAD's trees
// once. Symlinks and submodules are left out. No commit yet: empty.
func (c *Client) HeadBlobs(ctx context.Context) (map[string]string, error) {
	out, err := c.run(ctx, "ls-tree", "-r", "-z", "--full-tree", "HEAD", "--")
	if err != nil {
		return nil, err
	}
	blobs := map[string]string{}
	for _, rec := range strings.Split(out, "\x00") {
		// "<mode> SP <type> SP <id> TAB <path>"
		meta, path, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 || f[1] != "blob" || f[0] == "120000" {
			continue
		}
		blobs[path] = f[2]
	}
	return blobs, nil
}

package git

import (
	"context"
	"fmt"
	"strings"
)

// ValidCommitPrefix reports whether s can name a commit as opsync show
// takes one: 4 to 64 hexadecimal digits (an id or a prefix of one). Any
// other text (a ref, a path, an option) is refused before git sees it.
func ValidCommitPrefix(s string) bool {
	if len(s) < 4 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// ResolveCommit returns the full id of the commit an id or prefix names
// (ValidCommitPrefix is checked first). git's message says why not: no
// such commit, or a prefix that is ambiguous.
func (c *Client) ResolveCommit(ctx context.Context, prefix string) (string, error) {
	if !ValidCommitPrefix(prefix) {
		return "", fmt.Errorf("%q is not a commit id (4 to 64 hexadecimal digits)", prefix)
	}
	out, err := c.run(ctx, "rev-parse", "--verify", "--end-of-options", strings.ToLower(prefix)+"^{commit}")
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(out)
	if !isCommitID([]byte(id)) {
		return "", fmt.Errorf("git rev-parse printed %q, not a commit id", id)
	}
	return id, nil
}

// ReadCommit reads one commit as LogReader reads them (id: a full id, as
// ResolveCommit returns).
func (c *Client) ReadCommit(ctx context.Context, id string) (Commit, error) {
	return c.readCommit(ctx, LogFilter{Revs: id, Merges: true, MaxCount: 1})
}

func (c *Client) readCommit(ctx context.Context, f LogFilter) (Commit, error) {
	id := f.Revs
	lr := c.StartLog(ctx, f)
	cm, ok := lr.Next()
	err := lr.Close()
	if err == nil && !ok {
		err = fmt.Errorf("no commit %s", id)
	}
	return cm, err
}

// FileChange is one file a commit changed against its first parent (git
// diff-tree --raw): blob ids "" where the file did not exist.
type FileChange struct {
	Path    string
	OldBlob string
	NewBlob string
	Status  string // git's letter: A, D, M, T
}

// CommitChanges lists the files a commit changed against its parent
// (against nothing for a root commit; nothing for a merge). Renames are
// shown as a deletion and an addition.
func (c *Client) CommitChanges(ctx context.Context, id string) ([]FileChange, error) {
	out, err := c.run(ctx, "diff-tree", "-r", "-z", "--raw", "--no-abbrev", "--no-renames", "--root",
		"--no-commit-id", "--end-of-options", id)
	if err != nil {
		return nil, err
	}
	return parseRaw(out)
}

// parseRaw reads `--raw -z` output: ":old-mode new-mode old new status\0path\0".
func parseRaw(out string) ([]FileChange, error) {
	var list []FileChange
	f := strings.Split(out, "\x00")
	for i := 0; i+1 < len(f); i += 2 {
		meta := strings.Fields(strings.TrimPrefix(strings.TrimLeft(f[i], "\n"), ":"))
		if len(meta) != 5 {
			return nil, fmt.Errorf("git diff-tree printed %q, not a raw diff line", f[i])
		}
		fc := FileChange{Path: f[i+1], OldBlob: meta[2], NewBlob: meta[3], Status: meta[4][:1]}
		if strings.Trim(fc.OldBlob, "0") == "" {
			fc.OldBlob = ""
		}
		if strings.Trim(fc.NewBlob, "0") == "" {
			fc.NewBlob = ""
		}
		list = append(list, fc)
	}
	return list, nil
}

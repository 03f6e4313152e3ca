package git

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Unmerged is one conflicted path of a merge in progress: the blob ids of
// its stages (1 base, 2 ours, 3 theirs); "" where a stage is missing (a
// file added on both sides has no base, a deleted one no ours or theirs).
type Unmerged struct {
	Path   string
	Stages [4]string // index 1..3
}

// UnmergedFiles lists the conflicted paths of the merge in progress.
func (c *Client) UnmergedFiles(ctx context.Context) ([]Unmerged, error) {
	out, err := c.run(ctx, "ls-files", "--unmerged", "-z")
	if err != nil {
		return nil, err
	}
	var list []Unmerged
	index := map[string]int{}
	for _, rec := range strings.Split(out, "\x00") {
		// "<mode> <id> <stage>\t<path>"
		meta, path, ok := strings.Cut(rec, "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta)
		if len(f) != 3 {
			continue
		}
		stage, err := strconv.Atoi(f[2])
		if err != nil || stage < 1 || stage > 3 {
			continue
		}
		i, seen := index[path]
		if !seen {
			i = len(list)
			index[path] = i
			list = append(list, Unmerged{Path: path})
		}
		list[i].Stages[stage] = f[1]
	}
	return list, nil
}

// ReadBlobs returns the contents of blobs, in one git process; "" ids give
// nil contents.
func (c *Client) ReadBlobs(ctx context.Context, ids ...string) ([][]byte, error) {
	var want []string
	for _, id := range ids {
		if id != "" {
			want = append(want, id)
		}
	}
	out := make([][]byte, len(ids))
	if len(want) == 0 {
		return out, nil
	}
	raw, err := c.runCmd(ctx, cmd{args: []string{"cat-file", "--batch"}, stdin: strings.NewReader(strings.Join(want, "\n") + "\n")})
	if err != nil {
		return nil, err
	}
	rd := bufio.NewReader(strings.NewReader(raw))
	got := map[string][]byte{}
	for range want {
		header, err := rd.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("git cat-file --batch: short output")
		}
		f := strings.Fields(header) // "<id> blob <size>" or "<id> missing"
		if len(f) != 3 {
			return nil, fmt.Errorf("git cat-file --batch: %s", strings.TrimSpace(header))
		}
		size, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("git cat-file --batch: bad header %q", header)
		}
		b := make([]byte, size+1) // content and its trailing newline
		if _, err := io.ReadFull(rd, b); err != nil {
			return nil, fmt.Errorf("git cat-file --batch: short output")
		}
		got[f[0]] = b[:size]
	}
	for i, id := range ids {
		if id != "" {
			out[i] = got[id]
		}
	}
	return out, nil
}

// AbortMerge undoes the merge in progress (git merge --abort).
func (c *Client) AbortMerge(ctx context.Context, r *Repo) error {
	return c.abortMergeIfAny(ctx, r)
}

// Merge merges commit into the current branch exactly as Pull merges
// what it fetched (mergeArgs), with the client's MergeConfig.
func (c *Client) Merge(ctx context.Context, commit string) error {
	_, err := c.run(ctx, c.mergeArgs(commit)...)
	return err
}

// AmendMessage rewrites the message of the last commit and nothing else:
// staged changes are not added (--only with no paths).
func (c *Client) AmendMessage(ctx context.Context, message string) error {
	_, err := c.runCmd(ctx, cmd{args: []string{"commit", "--amend", "--only", "--allow-empty", "--cleanup=verbatim", "-F", "-"},
		stdin: strings.NewReader(message)})
	return err
}

// Add stages paths.
func (c *Client) Add(ctx context.Context, paths ...string) error {
	_, err := c.run(ctx, append([]string{"add", "--"}, paths...)...)
	return err
}

// CommitMerge concludes the merge in progress with message.
func (c *Client) CommitMerge(ctx context.Context, message string) error {
	_, err := c.runCmd(ctx, cmd{args: []string{"commit", "--cleanup=strip", "-F", "-"}, stdin: strings.NewReader(message)})
	return err
}

// AmendMerge makes the merge commit HEAD again with the index as it is
// now and message. Only for a merge commit the caller has just made and
// not pushed: it never touches a log entry or anything on a remote.
func (c *Client) AmendMerge(ctx context.Context, message string) error {
	_, err := c.runCmd(ctx, cmd{args: []string{"commit", "--amend", "--quiet", "--cleanup=strip", "-F", "-"}, stdin: strings.NewReader(message)})
	return err
}

// MergeWrites lists the paths (relative to the work tree, with slashes)
// that merging what `git fetch` just fetched (FETCH_HEAD) may create,
// change or remove: those that differ between HEAD and FETCH_HEAD, which
// include every path the merge can change (a path that is the same in
// both is left as HEAD has it). With no commit on the branch yet it is
// every path of FETCH_HEAD. One git process.
func (c *Client) MergeWrites(ctx context.Context, r *Repo) ([]string, error) {
	args := []string{"diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", "HEAD", "FETCH_HEAD", "--"}
	if head, _ := r.HeadCommit(); head == "" {
		args = []string{"ls-tree", "-r", "-z", "--name-only", "--full-tree", "FETCH_HEAD", "--"}
	}
	out, err := c.run(ctx, args...)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, p := range strings.Split(out, "\x00") {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return paths, nil
}

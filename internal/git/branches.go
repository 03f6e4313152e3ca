package git

import (
	"context"
	"sort"
	"strconv"
	"strings"
)

// Related reports whether commits a and b share any history.
func (c *Client) Related(ctx context.Context, a, b string) (bool, error) {
	_, err := c.run(ctx, "merge-base", "--end-of-options", a, b)
	if err != nil && ExitCode(err) == 1 {
		return false, nil
	}
	return err == nil, err
}

// BranchEntries is a branch with opsync log entries that another does not
// have.
type BranchEntries struct {
	Branch  string // the branch's name on the remote
	Entries int    // log entries on it that HEAD does not have
}

// EntriesElsewhere counts, for each of the given branches of remote (as
// last fetched), the opsync log entries on it that HEAD does not have: a
// team log split over two branches (one `git rev-list` per branch, and
// normally there is none to ask about). Sorted by name.
func (c *Client) EntriesElsewhere(ctx context.Context, remote string, branches []string) ([]BranchEntries, error) {
	sort.Strings(branches)
	var out []BranchEntries
	for _, b := range branches {
		n, err := c.run(ctx, "rev-list", "--count", "--grep=^Opsync-Command: ", "refs/remotes/"+remote+"/"+b, "^HEAD", "--")
		if err != nil {
			return out, err
		}
		if k, _ := strconv.Atoi(strings.TrimSpace(n)); k > 0 {
			out = append(out, BranchEntries{Branch: b, Entries: k})
		}
	}
	return out, nil
}

// ParseLsRemote reads the output of `git ls-remote --symref REMOTE HEAD
// refs/heads/*`: the branches (name -> commit) and the branch the remote's
// HEAD names ("" when the remote does not say). Names come from the remote:
// untrusted.
func ParseLsRemote(out string) (heads map[string]string, head string) {
	heads = map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		left, ref, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		if target, ok := strings.CutPrefix(left, "ref: "); ok && ref == "HEAD" {
			head = strings.TrimPrefix(target, "refs/heads/")
			continue
		}
		if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
			heads[b] = left
		}
	}
	return heads, head
}

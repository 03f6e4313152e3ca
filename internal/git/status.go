package git

import (
	"context"
	"strconv"
	"strings"
)

// Status is `git status --porcelain=v2 --branch -z`, parsed.
type Status struct {
	Head     string // commit id, "" on an unborn branch
	Branch   string // "" when detached
	Upstream string // "origin/main", "" when none
	Ahead    int
	Behind   int
	HasAB    bool // Ahead/Behind are known (the upstream exists)
	Entries  []StatusEntry
}

// StatusEntry is one changed, untracked or unmerged path.
type StatusEntry struct {
	Path     string // relative to the work tree, forward slashes
	OrigPath string // for renames and copies in the index
	// X and Y are the index and work-tree codes as in `git status --short`
	// ('.' for unchanged, '?' for untracked, 'U' and others for unmerged).
	X, Y      byte
	Untracked bool
	Unmerged  bool
}

// Staged reports whether the entry has changes in the index.
func (e StatusEntry) Staged() bool { return !e.Untracked && e.X != '.' }

// Describe is a short human description: "modified", "staged", "untracked"...
func (e StatusEntry) Describe() string {
	switch {
	case e.Untracked:
		return "untracked"
	case e.Unmerged:
		return "unmerged"
	}
	word := func(c byte) string {
		switch c {
		case 'M', 'T':
			return "modified"
		case 'A':
			return "added"
		case 'D':
			return "deleted"
		case 'R':
			return "renamed"
		case 'C':
			return "copied"
		}
		return "changed"
	}
	switch {
	case e.X != '.' && e.Y != '.':
		return word(e.X) + " (staged), then changed again"
	case e.X != '.':
		return word(e.X) + " (staged)"
	default:
		return word(e.Y)
	}
}

// StatusArgs are the arguments of the one status call opsync makes:
// untracked files shown per directory (whatever status.showUntrackedFiles
// says), no optional index refresh (GIT_OPTIONAL_LOCKS=0 in Status), so an
// operator's own git running at the same time is never disturbed.
var StatusArgs = []string{"status", "--porcelain=v2", "--branch", "-z", "--untracked-files=normal", "--ignore-submodules=dirty"}

// Status runs git status once and parses it.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	out, err := c.runCmd(ctx, cmd{args: StatusArgs, env: []string{"GIT_OPTIONAL_LOCKS=0"}})
	if err != nil {
		return nil, err
	}
	return ParseStatus(out), nil
}

// ParseStatus parses porcelain v2 output with -z.
func ParseStatus(out string) *Status {
	st := &Status{}
	recs := strings.Split(out, "\x00")
	for i := 0; i < len(recs); i++ {
		rec := recs[i]
		if rec == "" {
			continue
		}
		switch rec[0] {
		case '#':
			parseBranchHeader(st, rec)
		case '1':
			// 1 XY sub mH mI mW hH hI path
			f := strings.SplitN(rec, " ", 9)
			if len(f) == 9 {
				st.Entries = append(st.Entries, StatusEntry{Path: f[8], X: f[1][0], Y: f[1][1]})
			}
		case '2':
			// 2 XY sub mH mI mW hH hI Xscore path NUL origPath
			f := strings.SplitN(rec, " ", 10)
			if len(f) == 10 {
				e := StatusEntry{Path: f[9], X: f[1][0], Y: f[1][1]}
				if i+1 < len(recs) {
					i++
					e.OrigPath = recs[i]
				}
				st.Entries = append(st.Entries, e)
			}
		case 'u':
			// u XY sub m1 m2 m3 mW h1 h2 h3 path
			f := strings.SplitN(rec, " ", 11)
			if len(f) == 11 {
				st.Entries = append(st.Entries, StatusEntry{Path: f[10], X: f[1][0], Y: f[1][1], Unmerged: true})
			}
		case '?':
			st.Entries = append(st.Entries, StatusEntry{Path: strings.TrimPrefix(rec, "? "), X: '?', Y: '?', Untracked: true})
		}
	}
	return st
}

func parseBranchHeader(st *Status, rec string) {
	f := strings.Fields(rec)
	if len(f) < 3 {
		return
	}
	switch f[1] {
	case "branch.oid":
		if f[2] != "(initial)" {
			st.Head = f[2]
		}
	case "branch.head":
		if f[2] != "(detached)" {
			st.Branch = f[2]
		}
	case "branch.upstream":
		st.Upstream = f[2]
	case "branch.ab":
		if len(f) >= 4 {
			st.Ahead, _ = strconv.Atoi(strings.TrimPrefix(f[2], "+"))
			st.Behind, _ = strconv.Atoi(strings.TrimPrefix(f[3], "-"))
			st.HasAB = true
		}
	}
}

// Lookup finds the entry for path, or for an untracked directory that
// contains it ("servers/new/" holds "servers/new/app.env").
func (st *Status) Lookup(path string) (StatusEntry, bool) {
	for _, e := range st.Entries {
		if e.Path == path || (e.Untracked && strings.HasSuffix(e.Path, "/") && strings.HasPrefix(path, e.Path)) {
			return e, true
		}
	}
	return StatusEntry{}, false
}

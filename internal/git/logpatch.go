package git

import (
	"bytes"
	"context"
	"strconv"
	"strings"
)

// patchArgs make git log follow each record with the commit's whole
// patch: every line of the changed files as context (so both versions of
// each file can be read back from it), whatever the operator's diff.*
// settings say (prefixes, external diff drivers, textconv, renames). All
// are in git 2.25 (MinVersion); diff.relative, which --no-relative would
// undo from 2.28 on, changes nothing here: git runs at the work tree's
// top. Merges get no patch (git log -p without -m), and --no-merges is
// the default anyway.
var patchArgs = []string{"--patch", "--unified=1000000", "--no-ext-diff", "--no-textconv", "--no-renames",
	"--src-prefix=a/", "--dst-prefix=b/"}

// StartLogPatch is StartLog with each commit's patch in Commit.Patch (read
// back with FilePatches), in the same one git process.
func (c *Client) StartLogPatch(ctx context.Context, f LogFilter) *LogReader {
	args := append(c.logArgs(ctx, f), patchArgs...)
	return c.startLog(ctx, true, f.Signatures, append(args, f.Args()...))
}

// cutPatch takes the patch git wrote after the held commit's record off
// the first field of the next record (git writes no NUL between them: the
// field is the patch, then the next id after the patch's last newline),
// and queues the held commit. The caller holds mu.
func (lr *LogReader) cutPatch(f []byte) []byte {
	if lr.held == nil {
		return f
	}
	if i := bytes.LastIndexByte(f, '\n'); i >= 0 {
		lr.held.Patch = string(f[:i+1])
		f = f[i+1:]
	}
	lr.queue = append(lr.queue, *lr.held)
	lr.held = nil
	return f
}

// endPatch queues the last commit with the patch left unterminated at the
// end of git's output. The caller holds mu.
func (lr *LogReader) endPatch() {
	if lr.held == nil {
		return
	}
	lr.held.Patch = strings.TrimPrefix(string(lr.partial), "\n")
	lr.partial = lr.partial[:0]
	lr.queue = append(lr.queue, *lr.held)
	lr.held = nil
}

// FilePatch is one file of a commit's patch, with both versions of it
// read back from the full-context hunks ("" Path on a side where the file
// did not exist). Binary is true when git printed no text for it.
type FilePatch struct {
	OldPath, NewPath string
	Old, New         []byte
	Binary           bool
	Added, Deleted   bool // "new file mode", "deleted file mode"
}

// FilePatches reads a patch written with patchArgs back into its files.
func FilePatches(patch string) []FilePatch {
	var out []FilePatch
	var cur *FilePatch
	var last *[]byte // the side the last line went to, for "\ No newline"
	lines := strings.SplitAfter(patch, "\n")
	inHunk := false
	for _, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		switch {
		case strings.HasPrefix(l, "diff --git "):
			// The names again on the ---/+++ lines, which an empty file
			// added or deleted has not: then these are the only ones.
			p := diffGitPath(body[len("diff --git "):])
			out = append(out, FilePatch{OldPath: p, NewPath: p})
			cur, inHunk, last = &out[len(out)-1], false, nil
		case cur == nil:
		case !inHunk && strings.HasPrefix(l, "--- "):
			cur.OldPath = patchPath(body[4:], "a/")
		case !inHunk && strings.HasPrefix(l, "+++ "):
			cur.NewPath = patchPath(body[4:], "b/")
		case !inHunk && strings.HasPrefix(l, "Binary files "):
			cur.Binary = true
		case strings.HasPrefix(l, "@@ "):
			inHunk = true
		case inHunk && strings.HasPrefix(l, " "):
			cur.Old = append(cur.Old, l[1:]...)
			cur.New = append(cur.New, l[1:]...)
			last = nil
		case inHunk && strings.HasPrefix(l, "-"):
			cur.Old = append(cur.Old, l[1:]...)
			last = &cur.Old
		case inHunk && strings.HasPrefix(l, "+"):
			cur.New = append(cur.New, l[1:]...)
			last = &cur.New
		case inHunk && strings.HasPrefix(l, "\\"):
			// "\ No newline at end of file": the line before had none.
			if last != nil {
				*last = bytes.TrimSuffix(*last, []byte("\n"))
			} else {
				cur.Old = bytes.TrimSuffix(cur.Old, []byte("\n"))
				cur.New = bytes.TrimSuffix(cur.New, []byte("\n"))
			}
		case !inHunk && strings.HasPrefix(l, "new file mode"):
			cur.Added, cur.OldPath = true, ""
		case !inHunk && strings.HasPrefix(l, "deleted file mode"):
			cur.Deleted, cur.NewPath = true, ""
		}
	}
	return out
}

// patchPath reads a path of a "---"/"+++" line: "/dev/null" is none; a
// path git quoted (C-style, for unusual bytes) is unquoted.
func patchPath(s, prefix string) string {
	s = strings.TrimSuffix(s, "\t") // git ends a name holding a space with a tab here
	if s == "/dev/null" {
		return ""
	}
	if strings.HasPrefix(s, `"`) {
		if u, err := strconv.Unquote(s); err == nil {
			s = u
		}
	}
	return strings.TrimPrefix(s, prefix)
}

// diffGitPath reads the path of a "diff --git a/P b/P" line when both
// names are the same (no renames are asked for), quoted or not; "" when
// it cannot tell.
func diffGitPath(s string) string {
	if strings.HasPrefix(s, `"`) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return ""
		}
		u, err := strconv.Unquote(q)
		if err != nil {
			return ""
		}
		return strings.TrimPrefix(u, "a/")
	}
	n := len(s)
	if n < 5 || (n-1)%2 != 0 {
		return ""
	}
	a, b := s[:(n-1)/2], s[(n+1)/2:]
	if !strings.HasPrefix(a, "a/") || !strings.HasPrefix(b, "b/") || a[2:] != b[2:] {
		return ""
	}
	return a[2:]
}

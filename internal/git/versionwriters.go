package git

import (
	"context"
	"strconv"
	"strings"
)

// ChangedLine is a commit that changed a line LinesChangedWithMessages
// looked for: its id, committer time (seconds since 1970) and message.
type ChangedLine struct {
	ID      string
	Time    int64
	Message string
}

// LinesChangedWithMessages lists the commits of revs that changed a line
// of path matching the extended regular expression re (git log -E -G),
// newest first, each with its committer time and message: what
// LinesChanged and one CommitMessage per commit give, in one process. A
// record git printed that does not read as one is left out.
func (c *Client) LinesChangedWithMessages(ctx context.Context, re, revs, path string) ([]ChangedLine, error) {
	out, err := c.run(ctx, "log", "-E", "-G"+re, "--format=%H %ct%x00%B%x00", "--end-of-options", revs, "--", path)
	if err != nil {
		return nil, err
	}
	return parseChangedLines(out), nil
}

// parseChangedLines reads "<id> <time>\x00<message>\x00" records, each
// but the first preceded by the newline git puts between records.
func parseChangedLines(out string) []ChangedLine {
	var list []ChangedLine
	fields := strings.Split(out, "\x00")
	for i := 0; i+1 < len(fields); i += 2 {
		head := strings.TrimLeft(fields[i], "\n")
		id, ts, ok := strings.Cut(head, " ")
		if !ok || !IsObjectID(id) {
			continue
		}
		t, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			continue
		}
		list = append(list, ChangedLine{ID: id, Time: t, Message: fields[i+1]})
	}
	return list
}

// IsObjectID reports whether s is a full object id, sha1 or sha256, in
// git's lower-case hex: a name whose meaning never changes, unlike HEAD.
func IsObjectID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

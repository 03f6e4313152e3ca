package git_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"coopcloud.tech/opsync/internal/git"
)

// TestLinesChangedWithMessagesIsGits checks the one-process reading
// against git's own answers to the questions it replaces: LinesChanged's
// "<id> <time>" lines and each commit's message by CommitMessage. The
// messages are made to trip a reader: blank lines, a message of one
// line with no newline, lines that look like records, commits that do
// not touch the line in between.
func TestLinesChangedWithMessagesIsGits(t *testing.T) {
	dir := tempDir(t)
	run(t, dir, "init", "-q")
	c := &git.Client{Dir: dir}
	env := filepath.Join(dir, "a.env")
	messages := []string{
		"first\n\nbody\n\nOpsync-Exit: 0",
		"0123456789012345678901234567890123456789 1700000000",
		"no newline at the end",
		"\n\nleading blank lines\n",
	}
	for i, msg := range messages {
		if err := os.WriteFile(env, []byte("TYPE=custom-html:1."+strconv.Itoa(i)+".0\nDOMAIN=x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, dir, "add", "a.env")
		run(t, dir, "commit", "-q", "--cleanup=verbatim", "-m", msg)
		// a commit that leaves the version line alone
		if err := os.WriteFile(env, []byte("TYPE=custom-html:1."+strconv.Itoa(i)+".0\nDOMAIN=y"+strconv.Itoa(i)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, dir, "commit", "-q", "-am", "domain only")
	}
	got, err := c.LinesChangedWithMessages(ctx, "^(TYPE|RECIPE)=", "HEAD", "a.env")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := c.LinesChanged(ctx, "^(TYPE|RECIPE)=", "HEAD", "a.env")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(plain), "\n")
	if len(got) != len(lines) || len(got) != len(messages) {
		t.Fatalf("%d records, git lists %d commits (%d made)", len(got), len(lines), len(messages))
	}
	for i, l := range lines {
		id, ts, _ := strings.Cut(l, " ")
		if got[i].ID != id || strconv.FormatInt(got[i].Time, 10) != ts {
			t.Errorf("record %d: %s %d, git says %s", i, got[i].ID, got[i].Time, l)
		}
		msg, err := c.CommitMessage(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// git log --format=%B ends the message with one newline of its own
		if got[i].Message != strings.TrimSuffix(msg, "\n") {
			t.Errorf("record %d: message %q, git says %q", i, got[i].Message, msg)
		}
	}
}

package git

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// newLogRepo makes a repository with n commits (messages "entry 1".."entry
// n", a body and a trailer each), one second apart, authored by two people.
func newLogRepo(t *testing.T, n int) *Client {
	t.Helper()
	dir := t.TempDir()
	run := func(env []string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "LC_ALL=C")
		cmd.Env = append(cmd.Env, env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run(nil, "init", "-q", "-b", "main")
	for i := 1; i <= n; i++ {
		who := []string{"Alice", "alice@example.org"}
		if i%2 == 0 {
			who = []string{"Bob Ng", "bob@example.org"}
		}
		date := fmt.Sprintf("2026-01-02T10:%02d:%02d+01:00", i/60, i%60)
		run([]string{"GIT_AUTHOR_NAME=" + who[0], "GIT_AUTHOR_EMAIL=" + who[1], "GIT_AUTHOR_DATE=" + date,
			"GIT_COMMITTER_NAME=" + who[0], "GIT_COMMITTER_EMAIL=" + who[1], "GIT_COMMITTER_DATE=" + date},
			"commit", "-q", "--allow-empty", "-m", fmt.Sprintf("entry %d", i), "-m", "exit 0", "-m", "Opsync-Command: app deploy")
	}
	return &Client{Dir: dir}
}

func TestLogReaderReadsEveryCommitNewestFirst(t *testing.T) {
	c := newLogRepo(t, 5)
	lr := c.StartLog(context.Background(), "HEAD")
	var got []Commit
	for {
		cm, ok := lr.Next()
		if !ok {
			break
		}
		got = append(got, cm)
	}
	if err := lr.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("read %d commits, want 5", len(got))
	}
	first := got[0]
	if want := "entry 5\n\nexit 0\n\nOpsync-Command: app deploy\n"; first.Message != want {
		t.Errorf("message %q, want %q", first.Message, want)
	}
	if first.AuthorName != "Alice" || first.AuthorEmail != "alice@example.org" {
		t.Errorf("author %q <%s>", first.AuthorName, first.AuthorEmail)
	}
	if want := time.Date(2026, 1, 2, 9, 0, 5, 0, time.UTC); !first.AuthorTime.Equal(want) || !first.CommitTime.Equal(want) {
		t.Errorf("times %s / %s, want %s", first.AuthorTime, first.CommitTime, want)
	}
	if _, off := first.AuthorTime.Zone(); off != 3600 {
		t.Errorf("author time lost its zone: %s", first.AuthorTime)
	}
	if len(first.ID) != 40 || len(first.Parents) != 1 || first.Parents[0] != got[1].ID {
		t.Errorf("id %q parents %q; next is %q", first.ID, first.Parents, got[1].ID)
	}
	if len(got[4].Parents) != 0 {
		t.Errorf("the root commit has parents %q", got[4].Parents)
	}
	if got[4].Message != "entry 1\n\nexit 0\n\nOpsync-Command: app deploy\n" || got[3].AuthorName != "Bob Ng" {
		t.Errorf("oldest entries: %q by %q", got[4].Message, got[3].AuthorName)
	}
}

func TestLogReaderCloseStopsGitEarly(t *testing.T) {
	c := newLogRepo(t, 30)
	lr := c.StartLog(context.Background(), "HEAD")
	cm, ok := lr.Next()
	if !ok || !strings.HasPrefix(cm.Message, "entry 30\n") {
		t.Fatalf("first commit %q, %v", cm.Message, ok)
	}
	if err := lr.Close(); err != nil {
		t.Errorf("closing early reported %v", err)
	}
	if _, ok := lr.Next(); ok {
		// Commits queued before Close may still be read; that is fine, but
		// the reader must end.
		for {
			if _, ok := lr.Next(); !ok {
				break
			}
		}
	}
}

func TestLogReaderReportsGitsFailure(t *testing.T) {
	c := newLogRepo(t, 1)
	lr := c.StartLog(context.Background(), "no-such-branch")
	if _, ok := lr.Next(); ok {
		t.Fatal("read a commit of a branch that does not exist")
	}
	err := lr.Close()
	var ge *Error
	if !errors.As(err, &ge) || ge.ExitCode != 128 || !strings.Contains(ge.Stderr, "no-such-branch") {
		t.Fatalf("error %v, want git's exit 128 naming the revision", err)
	}
}

func TestLogReaderDoesNotMakeGitWaitForTheReader(t *testing.T) {
	// git must finish (and never reach its timeout) even when nothing
	// reads: the reader queues what git prints.
	c := newLogRepo(t, 20)
	c.Timeout = 20 * time.Second
	lr := c.StartLog(context.Background(), "HEAD")
	select {
	case <-lr.done:
	case <-time.After(15 * time.Second):
		t.Fatal("git log did not finish while nobody read its output")
	}
	n := 0
	for {
		if _, ok := lr.Next(); !ok {
			break
		}
		n++
	}
	if err := lr.Close(); err != nil || n != 20 {
		t.Fatalf("read %d commits after git ended, err %v", n, err)
	}
}

func TestParseCommitRefusesForeignOutput(t *testing.T) {
	if _, err := parseCommit("gpg: Signature made …"); !errors.Is(err, ErrLogFormat) {
		t.Errorf("got %v", err)
	}
}

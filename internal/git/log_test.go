package git

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
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
	lr := c.StartLog(context.Background(), LogFilter{Revs: "HEAD", Merges: true})
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
	lr := c.StartLog(context.Background(), LogFilter{Revs: "HEAD", Merges: true})
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
	lr := c.StartLog(context.Background(), LogFilter{Revs: "no-such-branch", Merges: true})
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
	lr := c.StartLog(context.Background(), LogFilter{Revs: "HEAD", Merges: true})
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

func TestLogReaderRefusesForeignOutput(t *testing.T) {
	lr := &LogReader{}
	lr.cond = sync.NewCond(&lr.mu)
	(*logWriter)(lr).Write([]byte("gpg: Signature made …\x00"))
	if !errors.Is(lr.err, ErrLogFormat) || len(lr.queue) != 0 {
		t.Errorf("got %v, %d commits", lr.err, len(lr.queue))
	}
}

// oddCommit writes a commit object by hand (git hash-object --literally
// takes what git commit and commit-tree refuse) and returns its id.
func oddCommit(t *testing.T, dir, parent, author, committer, msg string) string {
	t.Helper()
	obj := "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
	if parent != "" {
		obj += "parent " + parent + "\n"
	}
	obj += "author " + author + "\ncommitter " + committer + "\n\n" + msg
	cmd := exec.Command("git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin")
	cmd.Dir, cmd.Stdin = dir, strings.NewReader(obj)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hash-object: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// Commits git accepts (or takes as written) but that the old reader could
// not cut into fields: each is read, in order, with what cannot be read
// named, and none stops the log.
func TestLogReaderReadsOddCommits(t *testing.T) {
	c := newLogRepo(t, 1)
	dir := c.Dir
	base, err := c.run(context.Background(), "rev-parse", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	base = strings.TrimSpace(base)
	id := base
	type want struct {
		name, email, msg string
		unreadable       string
		at               time.Time
		zone             int
	}
	cases := []struct {
		author, committer, msg string
		want                   want
	}{
		{"Mal\x1flory <m@x> 1764684000 +0100", "Mal <m@x> 1764684000 +0100", "us \x1f in the name\n",
			want{"Mal\x1flory", "m@x", "us \x1f in the name\n", "", time.Unix(1764684000, 0), 3600}},
		{"Zed <z@x> 1764684001 +2500", "Zed <z@x> 1764684001 +2500", "zone +2500\n",
			want{"Zed", "z@x", "zone +2500\n", "zone", time.Unix(1764684001, 0), 0}},
		{"Yan <y@x> 253402300800 +0000", "Yan <y@x> 253402300800 +0000", "year 10000\n",
			want{"Yan", "y@x", "year 10000\n", "", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), 0}},
		{"no ident at all", "Mal <m@x> 1764684002 +0000", "broken author line\n",
			want{"", "", "broken author line\n", "author", time.Time{}, 0}},
		{"Nul\x00Name <n@x> 1764684003 +0000", "Mal <m@x> 1764684003 +0000", "a message\x00with a NUL\n",
			want{"", "", "a message", "author", time.Time{}, 0}},
		{"Esc <e@x> 99999999999999999999 +0000", "Mal <m@x> 1764684004 +0000", "\x1b[2K\rexit 0\n",
			// git itself reads a date it cannot hold as 0.
			want{"Esc", "e@x", "\x1b[2K\rexit 0\n", "", time.Unix(0, 0), 0}},
	}
	var ids []string
	for _, tc := range cases {
		id = oddCommit(t, dir, id, tc.author, tc.committer, tc.msg)
		ids = append(ids, id)
	}
	if _, err := c.run(context.Background(), "update-ref", "HEAD", id); err != nil {
		t.Fatal(err)
	}
	lr := c.StartLog(context.Background(), LogFilter{Revs: "HEAD", Merges: true})
	var got []Commit
	for {
		cm, ok := lr.Next()
		if !ok {
			break
		}
		got = append(got, cm)
	}
	if err := lr.Close(); err != nil {
		t.Fatalf("the log failed: %v", err)
	}
	if len(got) != len(cases)+1 || got[len(got)-1].ID != base {
		t.Fatalf("read %d commits, want %d ending with the first", len(got), len(cases)+1)
	}
	for i, tc := range cases {
		g, w := got[len(cases)-1-i], tc.want
		if g.ID != ids[i] || g.AuthorName != w.name || g.AuthorEmail != w.email || g.Message != w.msg ||
			strings.Join(g.Unreadable, ",") != w.unreadable || !g.AuthorTime.Equal(w.at) || len(g.Parents) != 1 {
			t.Errorf("commit %d (%q):\ngot  %q %q %q unreadable %q at %s parents %d\nwant %q %q %q unreadable %q at %s",
				i, tc.author, g.AuthorName, g.AuthorEmail, g.Message, g.Unreadable, g.AuthorTime, len(g.Parents),
				w.name, w.email, w.msg, w.unreadable, w.at)
		}
		if _, off := g.AuthorTime.Zone(); w.unreadable == "" && off != w.zone {
			t.Errorf("commit %d: zone %d, want %d", i, off, w.zone)
		}
	}
}

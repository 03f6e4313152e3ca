package git_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"coopcloud.tech/opsync/internal/git"
)

// TestClassifyPushOfGitsRealMessages is the table of what git really says
// when a push fails, each produced here by real git against a real bare
// remote, and what ClassifyPush — the one reading shared by log pushes
// (Client.Push) and lease pushes (Client.PushCAS) — makes of it. Each case
// first checks that git said what the case is about (so a git that words
// it otherwise fails here, rather than being misread in production), then
// that the reading is right both from the live push and from git's text
// alone.
func TestClassifyPushOfGitsRealMessages(t *testing.T) {
	const lease = "refs/opsync/leases/s1/app"
	cases := []struct {
		name string
		// push stages the situation in a fresh team and makes the push,
		// returning its outcome and the remote ref it pushed.
		push    func(t *testing.T, tm team) (git.PushOutcome, string)
		says    []string // in git's report (stdout and stderr)
		want    git.PushFailure
		refused bool // a status line flagged "!" for the ref
	}{
		{
			name: "log push, someone pushed first",
			push: func(t *testing.T, tm team) (git.PushOutcome, string) {
				commitFile(t, tm.alice, "s1/a.env", "A=1\n", "alice")
				run(t, tm.alice, "push", "-q")
				commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
				return logPush(t, tm.bob), "refs/heads/main"
			},
			says: []string{"[rejected]", "(fetch first)"}, want: git.PushRejected, refused: true,
		},
		{
			name: "log push, non-fast-forward (their commit fetched, not merged)",
			push: func(t *testing.T, tm team) (git.PushOutcome, string) {
				commitFile(t, tm.alice, "s1/a.env", "A=1\n", "alice")
				run(t, tm.alice, "push", "-q")
				commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
				run(t, tm.bob, "fetch", "-q")
				return logPush(t, tm.bob), "refs/heads/main"
			},
			says: []string{"[rejected]", "(non-fast-forward)"}, want: git.PushRejected, refused: true,
		},
		{
			name: "log push, another push holds the remote's lock on the branch",
			push: func(t *testing.T, tm team) (git.PushOutcome, string) {
				write(t, filepath.Join(tm.remote, "refs", "heads", "main.lock"), "")
				commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
				return logPush(t, tm.bob), "refs/heads/main"
			},
			says: []string{"[remote rejected]", "(failed to update ref)", "cannot lock ref", "main.lock"}, want: git.PushRejected, refused: true,
		},
		{
			name: "log push, refused by the remote's hook",
			push: func(t *testing.T, tm team) (git.PushOutcome, string) {
				hook(t, tm.remote, "echo 'operator log is frozen' >&2\nexit 1\n")
				commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
				return logPush(t, tm.bob), "refs/heads/main"
			},
			says: []string{"[remote rejected]", "pre-receive hook declined", "operator log is frozen"}, want: git.PushDeclined, refused: true,
		},
		{
			name: "log push, no remote there",
			push: func(t *testing.T, tm team) (git.PushOutcome, string) {
				if err := os.RemoveAll(tm.remote); err != nil {
					t.Fatal(err)
				}
				commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
				return logPush(t, tm.bob), "refs/heads/main"
			},
			says: []string{"does not appear to be a git repository"}, want: git.PushUnreachable,
		},
		{
			name: "lease push, the lease ref moved (stale info)",
			push: func(t *testing.T, tm team) (git.PushOutcome, string) {
				old := head(t, tm.alice)
				run(t, tm.alice, "push", "-q", "origin", "HEAD:"+lease)
				moved := commitFile(t, tm.alice, "s1/a.env", "A=1\n", "alice")
				run(t, tm.alice, "push", "-q", "-f", "origin", moved+":"+lease)
				run(t, tm.bob, "fetch", "-q", "origin", "main")
				return client(tm.bob).PushCAS(ctx, "origin", head(t, tm.bob), lease, old), lease
			},
			says: []string{"[rejected]", "(stale info)"}, want: git.PushRejected, refused: true,
		},
		{
			name: "lease push, someone took the lease first (the ref must not exist, and does)",
			push: func(t *testing.T, tm team) (git.PushOutcome, string) {
				run(t, tm.alice, "push", "-q", "origin", "HEAD:"+lease)
				commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
				return client(tm.bob).PushCAS(ctx, "origin", head(t, tm.bob), lease, ""), lease
			},
			says: []string{"[rejected]", "(stale info)"}, want: git.PushRejected, refused: true,
		},
		{
			name: "lease push, another opsync's push holds the remote's lock on the lease ref",
			push: func(t *testing.T, tm team) (git.PushOutcome, string) {
				write(t, filepath.Join(tm.remote, filepath.FromSlash(lease)+".lock"), "")
				return client(tm.bob).PushCAS(ctx, "origin", head(t, tm.bob), lease, ""), lease
			},
			says: []string{"[remote rejected]", "cannot lock ref", "app.lock"}, want: git.PushRejected, refused: true,
		},
		{
			name: "lease push, refused by the remote's hook",
			push: func(t *testing.T, tm team) (git.PushOutcome, string) {
				hook(t, tm.remote, "echo 'no leases here' >&2\nexit 1\n")
				return client(tm.bob).PushCAS(ctx, "origin", head(t, tm.bob), lease, ""), lease
			},
			says: []string{"[remote rejected]", "pre-receive hook declined", "no leases here"}, want: git.PushDeclined, refused: true,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tm := newTeam(t, nil)
			o, ref := c.push(t, tm)
			var ge *git.Error
			if !errors.As(o.Err, &ge) {
				t.Fatalf("the push did not fail with git's error: %v", o.Err)
			}
			report := ge.Stdout + ge.Stderr
			for _, s := range c.says {
				if !strings.Contains(report, s) {
					t.Errorf("git's report lacks %q (the case was not staged, or git words it otherwise):\n%s", s, report)
				}
			}
			if o.Kind != c.want || o.Refused != c.refused {
				t.Errorf("ClassifyPush = kind %d, refused %v; want kind %d, refused %v; git said:\n%s", o.Kind, o.Refused, c.want, c.refused, report)
			}
			// The same reading from git's text alone.
			again := git.ClassifyPush(ge.Stdout, &git.Error{Args: ge.Args, ExitCode: ge.ExitCode, Stdout: ge.Stdout, Stderr: ge.Stderr}, ref)
			if again.Kind != c.want || again.Status != o.Status {
				t.Errorf("ClassifyPush of the text alone = kind %d, status %q; want kind %d, status %q", again.Kind, again.Status, c.want, o.Status)
			}
		})
	}
	if o := git.ClassifyPush("", nil, "refs/heads/main"); o.Err != nil {
		t.Errorf("ClassifyPush of a push that succeeded = %+v", o)
	}
}

// logPush is Client.Push of HEAD to origin's main, as a PushOutcome.
func logPush(t *testing.T, dir string) git.PushOutcome {
	t.Helper()
	err := client(dir).Push(ctx, "origin", "refs/heads/main")
	var pe *git.PushError
	if !errors.As(err, &pe) {
		t.Fatalf("Push = %v, want a *PushError", err)
	}
	var ge *git.Error
	errors.As(err, &ge)
	o := git.ClassifyPush(ge.Stdout, ge, "refs/heads/main")
	if o.Kind != pe.Kind {
		t.Errorf("Push's kind %d is not ClassifyPush's %d", pe.Kind, o.Kind)
	}
	return o
}

// hook installs a pre-receive hook with body in the bare repository.
func hook(t *testing.T, remote, body string) {
	t.Helper()
	p := filepath.Join(remote, "hooks", "pre-receive")
	write(t, p, "#!/bin/sh\ncat >/dev/null\n"+body)
	if err := os.Chmod(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

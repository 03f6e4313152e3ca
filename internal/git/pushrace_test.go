package git_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/git"
)

// The lost races below are real ones, staged with gates against a real
// bare remote; each must come out as PushRejected (pull and retry), and a
// refusal by the remote that is not a race as PushDeclined.

func wantRaceLost(t *testing.T, err error, marks ...string) {
	t.Helper()
	var pe *git.PushError
	if !errors.As(err, &pe) || pe.Kind != git.PushRejected {
		t.Fatalf("Push = %v, want PushRejected (a lost race)", err)
	}
	report := err.Error()
	var ge *git.Error
	if errors.As(err, &ge) {
		report += ge.Stdout + ge.Stderr
	}
	for _, m := range marks {
		if !strings.Contains(report, m) {
			t.Errorf("git's report lacks %q (the race this test stages did not happen):\n%s", m, report)
		}
	}
	if !git.RaceLost(report) {
		t.Errorf("RaceLost(git's report) = false:\n%s", report)
	}
}

func TestRaceFetchFirst(t *testing.T) {
	tm := newTeam(t, nil)
	commitFile(t, tm.alice, "s1/a.env", "A=1\n", "alice")
	run(t, tm.alice, "push", "-q")
	commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
	wantRaceLost(t, client(tm.bob).Push(ctx, "origin", "refs/heads/main"), "fetch first")
}

func TestRaceNonFastForward(t *testing.T) {
	tm := newTeam(t, nil)
	commitFile(t, tm.alice, "s1/a.env", "A=1\n", "alice")
	run(t, tm.alice, "push", "-q")
	commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
	run(t, tm.bob, "fetch", "-q") // bob has alice's commit, not merged
	wantRaceLost(t, client(tm.bob).Push(ctx, "origin", "refs/heads/main"), "non-fast-forward")
}

// Another push holds the remote's lock on the branch: its lock file is
// there while bob's push arrives.
func TestRaceRemoteLock(t *testing.T) {
	tm := newTeam(t, nil)
	lockFile := filepath.Join(tm.remote, "refs", "heads", "main.lock")
	write(t, lockFile, "")
	commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
	wantRaceLost(t, client(tm.bob).Push(ctx, "origin", "refs/heads/main"), "main.lock")
	os.Remove(lockFile)
	if err := client(tm.bob).Push(ctx, "origin", "refs/heads/main"); err != nil {
		t.Errorf("Push once the lock is gone: %v", err)
	}
}

// gateHook makes the remote's pre-receive hook stop the first push that
// comes while $GIT_DIR/hold exists, until $GIT_DIR/go does: the push
// has told the remote which commit it expects the branch at, and waits.
func gateHook(t *testing.T, remote string) (held, release func()) {
	hook := filepath.Join(remote, "hooks", "pre-receive")
	write(t, hook, "#!/bin/sh\ncat >/dev/null\nif [ -e hold ]; then rm hold; : > held\n"+
		"  while [ ! -e go ]; do sleep 0.02; done\nfi\nexit 0\n")
	if err := os.Chmod(hook, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(remote, "hold"), "")
	held = func() {
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := os.Stat(filepath.Join(remote, "held")); err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the gated push never reached the remote's hook")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	release = func() { write(t, filepath.Join(remote, "go"), "") }
	return held, release
}

// Bob's push has been checked by the remote when alice's moves the branch:
// the remote cannot update it ("cannot lock ref …: is at X but expected
// Y", "failed to update ref").
func TestRaceRefMovedUnderThePush(t *testing.T) {
	tm := newTeam(t, nil)
	held, release := gateHook(t, tm.remote)
	commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
	done := make(chan error, 1)
	go func() { done <- client(tm.bob).Push(ctx, "origin", "refs/heads/main") }()
	held()
	commitFile(t, tm.alice, "s1/a.env", "A=1\n", "alice")
	run(t, tm.alice, "push", "-q") // the hook lets it through: no hold file
	release()
	wantRaceLost(t, <-done, "but expected", "failed to update ref")
}

// A lease push (compare-and-swap) that finds the ref changed lost a race
// too; a hook's refusal is no race.
func TestRaceLostClassifiesLeaseAndRefusal(t *testing.T) {
	tm := newTeam(t, nil)
	run(t, tm.alice, "push", "-q", "origin", "HEAD:refs/opsync/test")
	commitFile(t, tm.alice, "s1/a.env", "A=1\n", "alice")
	run(t, tm.alice, "push", "-q", "origin", "HEAD:refs/opsync/test")
	seed := strings.TrimSpace(run(t, tm.bob, "rev-parse", "HEAD"))
	cmd := exec.Command("git", "push", "--porcelain", "--force-with-lease=refs/opsync/test:"+seed, "origin", "HEAD:refs/opsync/test")
	cmd.Dir = tm.bob
	commitFile(t, tm.bob, "s1/b.env", "B=1\n", "bob")
	out, err := cmd.CombinedOutput()
	if err == nil || !git.RaceLost(string(out)) {
		t.Errorf("a compare-and-swap push that found the ref moved: err %v, RaceLost false:\n%s", err, out)
	}
	hook := filepath.Join(tm.remote, "hooks", "pre-receive")
	write(t, hook, "#!/bin/sh\necho 'operator log is frozen' >&2\nexit 1\n")
	os.Chmod(hook, 0o755)
	cmd = exec.Command("git", "push", "--porcelain", "origin", "HEAD:refs/heads/frozen")
	cmd.Dir = tm.bob
	out, _ = cmd.CombinedOutput()
	if git.RaceLost(string(out)) {
		t.Errorf("a hook's refusal counted as a lost race:\n%s", out)
	}
}

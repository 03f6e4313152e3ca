package lock_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/lock"
)

// childDirVar, when set, makes the test binary a child that takes the lock
// in that directory, says "locked" and waits to be killed.
const childDirVar = "OPSYNC_LOCK_TEST_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDirVar); dir != "" {
		me := lock.Holder{PID: os.Getpid(), Host: "child-host", Since: time.Now(), Command: "abra app deploy child.example.org"}
		if _, err := lock.Acquire(context.Background(), dir, me, time.Second, nil); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		time.Sleep(time.Hour)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func holder(name string) lock.Holder {
	return lock.Holder{PID: os.Getpid(), Host: "host-" + name, Since: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), Command: "abra app deploy " + name}
}

func TestAcquireRelease(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "git", "opsync") // created by Acquire
	if h, held, err := lock.Inspect(dir); err != nil || held {
		t.Fatalf("Inspect before any lock = %+v, %v, %v", h, held, err)
	}
	me := holder("first")
	l, err := lock.Acquire(context.Background(), dir, me, time.Second, func(lock.Holder) { t.Error("waited for a free lock") })
	if err != nil {
		t.Fatal(err)
	}
	h, held, err := lock.Inspect(dir)
	if err != nil || !held || !h.Since.Equal(me.Since) || h.PID != me.PID || h.Host != me.Host || h.Command != me.Command {
		t.Errorf("Inspect while held = %+v, %v, %v; want %+v", h, held, err, me)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if h, held, err := lock.Inspect(dir); err != nil || held {
		t.Errorf("Inspect after release = %+v, %v, %v", h, held, err)
	}
	if _, err := os.Stat(filepath.Join(dir, lock.FileName)); err != nil {
		t.Errorf("the lock file should stay: %v", err)
	}
	// Releasing twice, or a nil lock, is harmless.
	if err := l.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	var none *lock.Lock
	if err := none.Release(); err != nil {
		t.Errorf("nil Release: %v", err)
	}
	// And the lock can be taken again.
	l, err = lock.Acquire(context.Background(), dir, holder("again"), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
}

func TestSecondAcquireWaitsForRelease(t *testing.T) {
	dir := t.TempDir()
	first, err := lock.Acquire(context.Background(), dir, holder("first"), time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan lock.Holder, 1)
	got := make(chan error, 1)
	go func() {
		l, err := lock.Acquire(context.Background(), dir, holder("second"), time.Minute, func(h lock.Holder) { waiting <- h })
		if err == nil {
			h, held, ierr := lock.Inspect(dir)
			if ierr != nil || !held || h.Host != "host-second" {
				err = fmt.Errorf("after the wait Inspect = %+v, %v, %v", h, held, ierr)
			}
			l.Release()
		}
		got <- err
	}()
	select {
	case h := <-waiting:
		if h.Host != "host-first" || h.Command != "abra app deploy first" {
			t.Errorf("onWait saw holder %+v, want the first", h)
		}
	case err := <-got:
		t.Fatalf("second Acquire returned while the lock was held: %v", err)
	}
	select {
	case err := <-got:
		t.Fatalf("second Acquire returned while the lock was held: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Errorf("second Acquire: %v", err)
	}
}

func TestAcquireTimeout(t *testing.T) {
	dir := t.TempDir()
	first, err := lock.Acquire(context.Background(), dir, holder("first"), time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()
	waited := 0
	_, err = lock.Acquire(context.Background(), dir, holder("second"), 150*time.Millisecond, func(lock.Holder) { waited++ })
	var te *lock.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("Acquire = %v, want a *lock.TimeoutError", err)
	}
	if te.Holder.Host != "host-first" || te.Holder.Command != "abra app deploy first" || te.Waited != 150*time.Millisecond ||
		te.Path != filepath.Join(dir, lock.FileName) {
		t.Errorf("TimeoutError %+v", te)
	}
	if waited != 1 {
		t.Errorf("onWait called %d times, want once", waited)
	}
	msg := err.Error()
	for _, want := range []string{"another opsync", "host-first", "abra app deploy first", te.Path} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	// The holder is still the first.
	if h, held, _ := lock.Inspect(dir); !held || h.Host != "host-first" {
		t.Errorf("after a timed-out wait Inspect = %+v, %v", h, held)
	}
}

func TestAcquireCancelled(t *testing.T) {
	dir := t.TempDir()
	first, err := lock.Acquire(context.Background(), dir, holder("first"), time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err := lock.Acquire(ctx, dir, holder("second"), time.Minute, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire = %v, want context.Canceled", err)
	}
}

// The kernel drops an flock when its holder dies, however it dies: a lock
// held by a process killed with SIGKILL is free at once, without a stale
// lock to clean up.
func TestLockOfKilledProcessIsFree(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDirVar+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("child said %q, %v", line, err)
	}
	h, held, err := lock.Inspect(dir)
	if err != nil || !held || h.PID != cmd.Process.Pid || h.Host != "child-host" {
		t.Fatalf("Inspect = %+v, %v, %v; want held by pid %d", h, held, err, cmd.Process.Pid)
	}
	if _, err := lock.Acquire(context.Background(), dir, holder("parent"), 0, nil); err == nil {
		t.Fatal("took a lock the child holds")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	// Timeout 0: one attempt, no waiting.
	l, err := lock.Acquire(context.Background(), dir, holder("parent"), 0, nil)
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	defer l.Release()
	if h, held, _ := lock.Inspect(dir); !held || h.Host != "host-parent" {
		t.Errorf("Inspect = %+v, %v; want the parent as holder", h, held)
	}
}

func TestAcquireUnwritableDir(t *testing.T) {
	parent := t.TempDir()
	if err := os.Chmod(parent, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(parent, 0o755)
	if f, err := os.Create(filepath.Join(parent, "probe")); err == nil {
		f.Close()
		t.Skip("running as a user who can write to a read-only directory")
	}
	_, err := lock.Acquire(context.Background(), filepath.Join(parent, "opsync"), holder("x"), 0, nil)
	if err == nil || !strings.Contains(err.Error(), "writable") {
		t.Errorf("Acquire in a read-only directory = %v, want an error saying what to check", err)
	}
}

func TestHolderString(t *testing.T) {
	h := lock.Holder{PID: 42, Host: "laptop", Since: time.Date(2026, 5, 1, 9, 8, 7, 0, time.Local), Command: "abra app deploy x"}
	if got, want := h.String(), "pid 42 on laptop since 09:08:07 (abra app deploy x)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	h.Command = ""
	if got, want := h.String(), "pid 42 on laptop since 09:08:07"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

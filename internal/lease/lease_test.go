package lease

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/git"
)

// world is a bare remote and operators' repositories pointing at it.
type world struct {
	t      *testing.T
	remote string // URL
	bare   string
}

func newWorld(t *testing.T) *world {
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	bare := filepath.Join(dir, "remote.git")
	run(t, dir, "git", "init", "-q", "--bare", bare)
	return &world{t: t, remote: "file://" + bare, bare: bare}
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// operator returns a Remote for a new repository of operator name.
func (w *world) operator(name string) *Remote {
	dir := filepath.Join(w.t.TempDir(), name)
	run(w.t, ".", "git", "init", "-q", dir)
	run(w.t, dir, "git", "remote", "add", "origin", w.remote)
	c := &git.Client{Dir: dir, Timeout: 30 * time.Second, Env: []string{
		"GIT_AUTHOR_NAME=" + name, "GIT_AUTHOR_EMAIL=" + name + "@example.org",
		"GIT_COMMITTER_NAME=" + name, "GIT_COMMITTER_EMAIL=" + name + "@example.org"}}
	return &Remote{Git: c, Name: "origin"}
}

func (w *world) remoteRef(server, app string) string {
	out, _ := exec.Command("git", "-C", w.bare, "rev-parse", "--verify", "-q", Ref(server, app)).Output()
	return strings.TrimSpace(string(out))
}

func want(name, cmd string) Lease {
	return Lease{ID: NewID(), Server: "s1", App: "foo.example.org", Operator: name + " <" + strings.ToLower(name) + "@example.org>",
		Host: "laptop-" + name, PID: 42, Command: cmd}
}

func TestAcquireRefusedWhileHeldThenReleased(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice, bob := w.operator("alice"), w.operator("bob")

	held, err := alice.Acquire(ctx, want("Alice", "abra app deploy foo.example.org"), time.Hour, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.remoteRef("s1", "foo.example.org"); got != held.Lease.Commit {
		t.Fatalf("remote ref %q, lease commit %q", got, held.Lease.Commit)
	}
	_, err = bob.Acquire(ctx, want("Bob", "abra app upgrade foo.example.org"), time.Hour, AcquireOptions{})
	var he *HeldError
	if !errors.As(err, &he) {
		t.Fatalf("bob: %v, want HeldError", err)
	}
	h := he.Holder
	if h.ID != held.Lease.ID || h.Operator != "Alice <alice@example.org>" || h.Host != "laptop-Alice" || h.PID != 42 ||
		h.Command != "abra app deploy foo.example.org" || h.Commit != held.Lease.Commit ||
		!h.Started.Equal(held.Lease.Started) || !h.Expires.Equal(held.Lease.Expires) {
		t.Fatalf("holder as bob sees it: %+v\nheld: %+v", h, held.Lease)
	}
	// Another app is free.
	other := want("Bob", "abra app deploy bar.example.org")
	other.App = "bar.example.org"
	if _, err := bob.Acquire(ctx, other, time.Hour, AcquireOptions{}); err != nil {
		t.Fatalf("another app: %v", err)
	}

	if err := held.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.remoteRef("s1", "foo.example.org"); got != "" {
		t.Fatalf("released lease still on the remote: %s", got)
	}
	if _, err := bob.Acquire(ctx, want("Bob", "abra app upgrade foo.example.org"), time.Hour, AcquireOptions{}); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

func TestExpiredLeaseIsTakenOver(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice, bob := w.operator("alice"), w.operator("bob")
	old, err := alice.Acquire(ctx, want("Alice", "abra app deploy foo.example.org"), time.Minute, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Bob's clock is an hour on: Alice's lease has expired for him.
	bob.Now = func() time.Time { return time.Now().Add(time.Hour) }
	var saw *Lease
	held, err := bob.Acquire(ctx, want("Bob", "abra app upgrade foo.example.org"), time.Minute, AcquireOptions{
		OnTakeover: func(l Lease) { saw = &l },
	})
	if err != nil {
		t.Fatal(err)
	}
	if saw == nil || saw.ID != old.Lease.ID || held.TookOver == nil || held.TookOver.ID != old.Lease.ID {
		t.Fatalf("takeover not reported: saw %+v, TookOver %+v", saw, held.TookOver)
	}
	if got := w.remoteRef("s1", "foo.example.org"); got != held.Lease.Commit {
		t.Fatalf("remote ref %s, want bob's %s", got, held.Lease.Commit)
	}
	// Alice, back, cannot release or renew what is now Bob's.
	if err := old.Renew(ctx); !errors.Is(err, ErrLost) {
		t.Fatalf("alice renew: %v, want ErrLost", err)
	}
	if err := old.Release(ctx); !errors.Is(err, ErrLost) {
		t.Fatalf("alice release: %v, want ErrLost", err)
	}
	if got := w.remoteRef("s1", "foo.example.org"); got != held.Lease.Commit {
		t.Fatalf("alice's release touched bob's lease: %s", got)
	}
}

func TestBreakNeedsTheCurrentID(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice, bob := w.operator("alice"), w.operator("bob")
	held, err := alice.Acquire(ctx, want("Alice", "abra app deploy foo.example.org"), time.Hour, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bob.Break(ctx, "s1", "foo.example.org", "0123456789ab")
	var we *WrongIDError
	if !errors.As(err, &we) || we.Current.ID != held.Lease.ID {
		t.Fatalf("break with a wrong id: %v", err)
	}
	if w.remoteRef("s1", "foo.example.org") != held.Lease.Commit {
		t.Fatal("a break with a wrong id changed the lease")
	}
	// A renewal changes the commit, not the id: the break still works.
	if err := held.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	broken, err := bob.Break(ctx, "s1", "foo.example.org", held.Lease.ID)
	if err != nil || broken.ID != held.Lease.ID {
		t.Fatalf("break: %+v %v", broken, err)
	}
	if w.remoteRef("s1", "foo.example.org") != "" {
		t.Fatal("lease still there after break")
	}
	if _, err := bob.Break(ctx, "s1", "foo.example.org", held.Lease.ID); !errors.Is(err, ErrNoLease) {
		t.Fatalf("second break: %v", err)
	}
	if err := held.Release(ctx); !errors.Is(err, ErrLost) {
		t.Fatalf("release of a broken lease: %v", err)
	}
}

func TestRenewAndList(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice, bob := w.operator("alice"), w.operator("bob")
	held, err := alice.Acquire(ctx, want("Alice", "abra app deploy foo.example.org"), 10*time.Second, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := held.Lease
	alice.Now = func() time.Time { return time.Now().Add(5 * time.Minute) }
	if err := held.Renew(ctx); err != nil {
		t.Fatal(err)
	}
	if held.Lease.Commit == first.Commit || !held.Lease.Expires.After(first.Expires) || held.Lease.ID != first.ID {
		t.Fatalf("renewal: %+v after %+v", held.Lease, first)
	}
	ls, err := bob.List(ctx)
	if err != nil || len(ls) != 1 {
		t.Fatalf("list: %v %v", ls, err)
	}
	if l := ls[0]; l.ID != first.ID || !l.Expires.Equal(held.Lease.Expires) || l.Renewed.IsZero() || l.Remote != "origin" {
		t.Fatalf("listed %+v", l)
	}
	if err := held.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if ls, err := bob.List(ctx); err != nil || len(ls) != 0 {
		t.Fatalf("list after release: %v %v", ls, err)
	}
}

// Many operators take the same lease at the same moment, each with its own
// git processes: exactly one gets it.
func TestConcurrentAcquireHasOneWinner(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	const n = 6
	ops := make([]*Remote, n)
	for i := range ops {
		ops[i] = w.operator(string(rune('a' + i)))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners, refused := 0, 0
	var winner string
	start := make(chan struct{})
	for i, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			h, err := op.Acquire(ctx, want(string(rune('a'+i)), "deploy"), time.Hour, AcquireOptions{})
			mu.Lock()
			defer mu.Unlock()
			var he *HeldError
			switch {
			case err == nil:
				winners++
				winner = h.Lease.Commit
			case errors.As(err, &he):
				refused++
			default:
				t.Errorf("acquire: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if winners != 1 || refused != n-1 {
		t.Fatalf("%d winners, %d refused", winners, refused)
	}
	if got := w.remoteRef("s1", "foo.example.org"); got != winner {
		t.Fatalf("remote holds %s, winner %s", got, winner)
	}
}

func TestWaitGetsTheLeaseWhenReleased(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice, bob := w.operator("alice"), w.operator("bob")
	held, err := alice.Acquire(ctx, want("Alice", "deploy"), time.Hour, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(1500 * time.Millisecond)
		held.Release(context.Background())
	}()
	waits := 0
	got, err := bob.Acquire(ctx, want("Bob", "upgrade"), time.Hour, AcquireOptions{Wait: time.Minute,
		OnWait: func(h Lease, left time.Duration) {
			waits++
			if h.ID != held.Lease.ID {
				t.Errorf("waiting for %s, want %s", h.ID, held.Lease.ID)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if waits != 1 || got.Lease.Operator != "Bob <bob@example.org>" {
		t.Fatalf("waits %d, lease %+v", waits, got.Lease)
	}
	// A wait that ends first is a refusal naming the holder.
	_, err = alice.Acquire(ctx, want("Alice", "deploy"), time.Hour, AcquireOptions{Wait: 1500 * time.Millisecond})
	var he *HeldError
	if !errors.As(err, &he) || he.Holder.ID != got.Lease.ID || he.Waited < 1500*time.Millisecond {
		t.Fatalf("short wait: %v", err)
	}
}

func TestHeartbeatRenewsAndStopsWhenLost(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice, bob := w.operator("alice"), w.operator("bob")
	held, err := alice.Acquire(ctx, want("Alice", "deploy"), time.Hour, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := held.Lease.Commit
	lost := make(chan error, 10)
	stop := held.Heartbeat(200*time.Millisecond, func(err error) { lost <- err })
	deadline := time.Now().Add(10 * time.Second)
	for w.remoteRef("s1", "foo.example.org") == first && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if w.remoteRef("s1", "foo.example.org") == first {
		t.Fatal("the heartbeat did not renew the lease")
	}
	held.mu.Lock()
	id := held.Lease.ID
	held.mu.Unlock()
	if _, err := bob.Break(ctx, "s1", "foo.example.org", id); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-lost:
		if !errors.Is(err, ErrLost) {
			t.Fatalf("heartbeat error %v, want ErrLost", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the heartbeat did not notice the broken lease")
	}
	stop()
	stop() // twice is fine
}

func TestMessageRoundTrip(t *testing.T) {
	l := Lease{ID: "3f9a1c0b7d2e", Server: "s1", App: "foo.example.org", Operator: "Alice <a@example.org>", Host: "laptop",
		PID: 7, Command: "abra app deploy foo.example.org 1.2.0+1.1 --force",
		Started: time.Date(2026, 11, 25, 14, 2, 3, 0, time.UTC), Expires: time.Date(2026, 11, 25, 14, 32, 3, 0, time.UTC)}
	got, err := Parse(l.Message())
	if err != nil || got != l {
		t.Fatalf("round trip: %+v %v\nwant %+v", got, err, l)
	}
	if _, err := Parse("a commit\n\nSigned-off-by: x"); !errors.Is(err, ErrNotLease) {
		t.Fatalf("not a lease: %v", err)
	}
}

// A renewal the remote took but whose answer never came back (git stopped
// by its time limit after the push landed) leaves the ref at a commit the
// holder does not know. The lease is still the holder's (same id): renewing
// and releasing it must still work, and must not report it lost.
func TestUnheardRenewalIsStillOurs(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice := w.operator("alice")
	held, err := alice.Acquire(ctx, want("Alice", "deploy"), time.Hour, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The renewal that landed unheard: same lease, later expiry, new commit.
	l := held.Lease
	l.Renewed, l.Expires = l.Started.Add(time.Minute), l.Started.Add(time.Hour+time.Minute)
	commit, err := alice.commit(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := alice.push(ctx, commit, Ref(l.Server, l.App), held.Lease.Commit); err != nil || res != pushed {
		t.Fatalf("simulated renewal: %v %v", res, err)
	}
	if err := held.Renew(ctx); err != nil {
		t.Fatalf("Renew after an unheard renewal: %v", err)
	}
	// Once more, and this time the release comes next.
	l = held.Lease
	l.Expires = l.Expires.Add(time.Minute)
	if commit, err = alice.commit(ctx, l); err != nil {
		t.Fatal(err)
	}
	if res, err := alice.push(ctx, commit, Ref(l.Server, l.App), held.Lease.Commit); err != nil || res != pushed {
		t.Fatalf("simulated renewal: %v %v", res, err)
	}
	if err := held.Release(ctx); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if ref := w.remoteRef("s1", "foo.example.org"); ref != "" {
		t.Fatalf("the lease ref is still there: %s", ref)
	}
}

// A renewal interval of 0 (a lease_ttl of nanoseconds, before settings
// were range-checked) panicked in the heartbeat's goroutine, which no
// recover can catch: the program died with the lease on the remote. It is
// now renewed every MinHeartbeat.
func TestHeartbeatOfZeroDoesNotPanic(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	held, err := w.operator("alice").Acquire(ctx, want("Alice", "deploy"), time.Hour, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := held.Lease.Commit
	stop := held.Heartbeat(0, func(err error) { t.Errorf("heartbeat: %v", err) })
	deadline := time.Now().Add(10 * time.Second)
	for w.remoteRef("s1", "foo.example.org") == first && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if w.remoteRef("s1", "foo.example.org") == first {
		t.Fatal("the heartbeat did not renew the lease")
	}
	if err := held.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

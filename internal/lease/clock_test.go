package lease

import (
	"context"
	"sync"
	"testing"
	"time"
)

// manualClock is a clock that moves only when the test says (Advance):
// Now and After for Remote.Now and Remote.After.
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []clockWaiter
	waiting chan struct{} // receives when After is called
}

type clockWaiter struct {
	at time.Time
	ch chan time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, clockWaiter{c.now.Add(d), ch})
	select {
	case c.waiting <- struct{}{}:
	default:
	}
	return ch
}

// waitTimer waits until someone is waiting on the clock (an After that
// has not fired): advancing the clock then reaches it.
func (c *manualClock) waitTimer(t *testing.T) {
	t.Helper()
	for deadline := time.After(20 * time.Second); ; {
		c.mu.Lock()
		n := len(c.waiters)
		c.mu.Unlock()
		if n > 0 {
			return
		}
		select {
		case <-c.waiting:
		case <-deadline:
			t.Fatal("nothing waits on the clock")
		}
	}
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// waitRenewed waits (in real time, for the heartbeat's git processes) until
// the remote's lease was renewed at renewed.
func (w *world) waitRenewed(r *Remote, renewed time.Time) *Lease {
	w.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		l, err := r.Get(context.Background(), "s1", "foo.example.org")
		if err != nil {
			w.t.Fatal(err)
		}
		if l != nil && l.Renewed.Equal(renewed) {
			return l
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("the lease was not renewed at %s: %+v", renewed, l)
		}
	}
}

// The heartbeat runs on the lease's clock: renewals happen when that
// clock's time says they are due, however little real time has passed,
// one for each interval the clock has moved over (like a ticker, which
// drops the ticks it could not deliver), and each pushes the expiry to the
// clock's now plus the time to live.
func TestHeartbeatRunsOnTheLeasesClock(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	clock := &manualClock{now: time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC), waiting: make(chan struct{}, 1)}
	alice := w.operator("alice")
	alice.Now, alice.After = clock.Now, clock.After
	held, err := alice.Acquire(ctx, want("Alice", "deploy"), time.Hour, AcquireOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := clock.Now().Add(time.Hour); !held.Lease.Expires.Equal(want) {
		t.Fatalf("expires %s, want %s", held.Lease.Expires, want)
	}
	stop := held.Heartbeat(20*time.Minute, func(err error) { t.Errorf("heartbeat: %v", err) })
	defer stop()

	start := clock.Now()
	clock.waitTimer(t)
	clock.Advance(50 * time.Minute) // over two renewal times: one renewal
	l := w.waitRenewed(alice, start.Add(50*time.Minute))
	if want := start.Add(110 * time.Minute); !l.Expires.Equal(want) {
		t.Fatalf("renewed lease expires %s, want %s", l.Expires, want)
	}
	// The next renewal was due at 60m (a ticker from the start)
	clock.waitTimer(t)
	clock.Advance(15 * time.Minute)
	l = w.waitRenewed(alice, start.Add(65*time.Minute))
	if want := start.Add(125 * time.Minute); !l.Expires.Equal(want) {
		t.Fatalf("renewed lease expires %s, want %s", l.Expires, want)
	}
	stop()
	if err := held.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

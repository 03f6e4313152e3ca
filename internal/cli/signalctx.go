package cli

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// terminating are the signals that cancel what opsync is doing (a pull,
// waiting for the lock or a lease) instead of killing it half-way.
var terminating = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// interruptible returns a context cancelled by a terminating signal, as
// signal.NotifyContext's is, and its stop function, which cancels it.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), terminating...)
}

// lazySignalContext is interruptible's context with the signal handling
// started only when something first waits on the context (Done: a git
// process is started with it, a lock or lease is waited for, a context is
// derived from it). Until then a terminating signal has its default effect
// and ends opsync at once, which is the right one while nothing is running
// that a cancellation would stop cleanly.
//
// It exists for the two paths whose whole cost is a program start in front
// of abra: a command opsync does nothing around, and a read-only command
// within the cooldown. There Before waits on nothing, and signal.Notify's
// set-up (a goroutine blocked in the runtime, and the thread that frees for
// it) was a measurable part of the start (docs/benchmarks.md).
type lazySignalContext struct {
	mu      sync.Mutex
	ctx     context.Context // nil until armed
	stop    context.CancelFunc
	stopped bool
}

// lazyInterruptible returns a lazySignalContext and its stop function.
func lazyInterruptible() (context.Context, context.CancelFunc) {
	c := &lazySignalContext{}
	return c, c.cancel
}

func (c *lazySignalContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *lazySignalContext) Value(any) any               { return nil }

// Done arms the signal handling, unless stop came first: then the context
// is cancelled, as a stopped signal.NotifyContext's is.
func (c *lazySignalContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		if c.stopped {
			c.ctx, c.stop = context.WithCancel(context.Background())
			c.stop()
		} else {
			c.ctx, c.stop = interruptible()
		}
	}
	return c.ctx.Done()
}

// Err is nil until the context is armed or stopped: no signal can have
// been caught before.
func (c *lazySignalContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx == nil {
		if c.stopped {
			return context.Canceled
		}
		return nil
	}
	return c.ctx.Err()
}

func (c *lazySignalContext) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.stop != nil {
		c.stop()
	}
}

package fakeabra

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
)

// sigGuard makes a received signal end the process like a killed abra
// would, without ever interrupting the effects of a command half-way:
// a signal that arrives while effects are being applied is acted upon
// once they are complete.
type sigGuard struct {
	mu       sync.Mutex
	held     bool // mu is held by Run's goroutine; only Run's goroutine uses it
	done     bool // the exit status is decided; guarded by mu
	pending  atomic.Value
	stateDir atomic.Pointer[string]
	stderr   io.Writer
}

type signalBox struct{ sig os.Signal }

// watch handles the first signal from ch: unless Run is inside its critical
// section, it reports the signal and exits the process at once.
func (g *sigGuard) watch(ch <-chan os.Signal) (stop func()) {
	stopCh := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			g.pending.Store(signalBox{s})
			g.mu.Lock()
			if g.done {
				g.mu.Unlock()
				return
			}
			g.done = true
			os.Exit(g.report(s))
		case <-stopCh:
		}
	}()
	return func() { close(stopCh) }
}

// enterCritical is called by Run before effects are applied; the section
// lasts until Run returns.
func (g *sigGuard) enterCritical() {
	if !g.held {
		g.mu.Lock()
		g.held = true
	}
}

// finish decides Run's exit status: a signal received meanwhile wins.
func (g *sigGuard) finish(code int) int {
	g.enterCritical()
	defer func() {
		g.held = false
		g.mu.Unlock()
	}()
	g.done = true
	if b, ok := g.pending.Load().(signalBox); ok {
		return g.report(b.sig)
	}
	return code
}

func (g *sigGuard) setStateDir(dir string) { g.stateDir.Store(&dir) }

// report prints and logs a signal and returns the exit status for it.
func (g *sigGuard) report(s os.Signal) int {
	name, code := signalInfo(s)
	fmt.Fprintf(g.stderr, "abra: received %s\n", name)
	if dir := g.stateDir.Load(); dir != nil {
		line := fmt.Sprintf("%d %s\n", os.Getpid(), name)
		if err := appendFile(filepath.Join(*dir, "signals.log"), line); err != nil {
			fmt.Fprintf(g.stderr, "WARN cannot write signals.log: %v\n", err)
		}
	}
	return code
}

func signalInfo(s os.Signal) (string, int) {
	switch s {
	case syscall.SIGINT:
		return "SIGINT", 130
	case syscall.SIGTERM:
		return "SIGTERM", 143
	case syscall.SIGHUP:
		return "SIGHUP", 129
	}
	if n, ok := s.(syscall.Signal); ok {
		return s.String(), 128 + int(n)
	}
	return s.String(), 1
}

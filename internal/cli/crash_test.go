package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync"
	"coopcloud.tech/opsync/internal/engine"
)

// A bug that slips through ends with exit 70 and one paragraph, not a Go
// stack trace and status 2, and what the command holds is given back.
func TestBugEndsWithExit70AndReleases(t *testing.T) {
	for name, bug := range map[string]func(){
		"nil map":        func() { var m map[string]int; m["x"] = 1 },
		"ticker of 0":    func() { time.NewTicker(0) },
		"index":          func() { _ = []int{}[len(t.Name())] },
		"error value":    func() { panic(engine.Error{Code: 1}) },
		"multi-line msg": func() { panic("one\ntwo\n\tthree") },
	} {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			e := &env{stderr: &stderr, getenv: func(string) string { return "" }}
			abandoned := false
			code := func() (code int) {
				defer recoverBug(e, &code, func() { abandoned = true })
				bug()
				return 0
			}()
			if code != engine.ExitInternal {
				t.Errorf("exit %d, want %d", code, engine.ExitInternal)
			}
			if !abandoned {
				t.Error("the plan was not abandoned: its leases would stay on the remote")
			}
			out := stderr.String()
			if !strings.HasPrefix(out, "opsync: error: opsync stopped on a bug of its own (") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
				t.Errorf("stderr %q: want one opsync paragraph", out)
			}
			if strings.Contains(out, "goroutine") || !strings.Contains(out, "crash_test.go:") || !strings.Contains(out, "opsync status") {
				t.Errorf("stderr %q: want the panic's site and what to do, no stack trace", out)
			}
		})
	}
}

// A bug while giving back what the command holds does not hide the first.
func TestBugWhileAbandoning(t *testing.T) {
	var stderr bytes.Buffer
	e := &env{stderr: &stderr, getenv: func(string) string { return "" }}
	code := func() (code int) {
		defer recoverBug(e, &code, func() { panic("second") })
		panic("first")
	}()
	if code != engine.ExitInternal || !strings.Contains(stderr.String(), "(first, at ") {
		t.Errorf("exit %d, stderr %q: want 70 and the first bug", code, stderr.String())
	}
}

// Abandon is safe on a plan that was never made.
func TestAbandonNilPlan(t *testing.T) {
	var p *opsync.Plan
	p.Abandon(context.Background())
	var run *engine.Run
	run.Abandon(context.Background())
}

package cli

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/ui"
)

// recoverBug, deferred, turns a panic — a bug in opsync, whatever the
// input — into one paragraph on stderr and exit status ExitInternal (70),
// instead of a Go stack trace and status 2. abandon, when set, is called
// first to give back what the command holds (app leases, repository
// locks), so a crash does not leave the app leased on the remote.
func recoverBug(e *env, code *int, abandon func()) {
	v := recover()
	if v == nil {
		return
	}
	where := panicSite()
	if abandon != nil {
		func() {
			defer func() { _ = recover() }()
			abandon()
		}()
	}
	ui.Say(e.stderr, "error: "+bugMessage(v, where))
	*code = engine.ExitInternal
}

// bugMessage is the paragraph for a bug: what happened, what stands, what
// to do.
func bugMessage(v any, where string) string {
	what := strings.Join(strings.Fields(fmt.Sprint(v)), " ") // one line, whatever it holds
	if where != "" {
		what += ", at " + where
	}
	return fmt.Sprintf("opsync stopped on a bug of its own (%s). Any lease or lock this command held was released. "+
		"If abra had already run, what it did stands, but its log entry may be missing or not pushed: "+
		"`opsync status` shows what is not logged, `opsync sync` pushes what is. "+
		"Please report this bug with the command line and the output of `opsync version`.", what)
}

// panicSite is the function and line that panicked: the first frame of
// the panicking goroutine's stack in opsync's own code (outside this file),
// else the first outside the runtime.
func panicSite() string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	first := ""
	for {
		f, more := frames.Next()
		if f.Function != "" && !strings.HasPrefix(f.Function, "runtime.") && filepath.Base(f.File) != "crash.go" {
			site := fmt.Sprintf("%s (%s:%d)", f.Function, filepath.Base(f.File), f.Line)
			if strings.HasPrefix(f.Function, "coopcloud.tech/opsync") {
				return site
			}
			if first == "" {
				first = site
			}
		}
		if !more {
			return first
		}
	}
}

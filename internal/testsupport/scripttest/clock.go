package scripttest

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The scripts' clock. opsync runs in a script as a process of the test
// binary (Programs), which gives cli.MainClock this clock instead of the
// machine's: the machine's time plus an offset that the script moves
// forward with `clock advance`, kept in $WORK/.clock (testscript sets WORK
// for the processes a script runs). Every opsync of a script, running or
// started later, reads it: a lease expires, or falls due for renewal, when
// the script says so, however fast or slow the machine is. Only the test
// binary reads the file; the opsync program uses the machine's clock.
const clockFile = ".clock"

// scriptClock is the clock of the opsync processes of one script.
type scriptClock struct{ file string }

func processClock() scriptClock {
	if w := os.Getenv("WORK"); w != "" {
		return scriptClock{file: filepath.Join(w, clockFile)}
	}
	return scriptClock{}
}

// offset is how far the script has moved its clock forward.
func (c scriptClock) offset() time.Duration {
	if c.file == "" {
		return 0
	}
	b, err := os.ReadFile(c.file)
	if err != nil {
		return 0
	}
	d, _ := time.ParseDuration(strings.TrimSpace(string(b)))
	return d
}

func (c scriptClock) Now() time.Time { return time.Now().Add(c.offset()) }

// After fires once Now has passed d from now: in time, or at once when the
// script moves the clock over it.
func (c scriptClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	due := c.Now().Add(d)
	go func() {
		for {
			now := c.Now()
			if !now.Before(due) {
				ch <- now
				return
			}
			time.Sleep(min(due.Sub(now), 20*time.Millisecond))
		}
	}()
	return ch
}

// clock advance DURATION: move the clock of the script's opsync processes
// forward (see scriptClock), for those running and those to come.
func cmdClock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || args[0] != "advance" {
		ts.Fatalf("usage: clock advance DURATION")
	}
	d, err := time.ParseDuration(args[1])
	ts.Check(err)
	if d <= 0 {
		ts.Fatalf("clock advance %s: the clock only moves forward", args[1])
	}
	c := scriptClock{file: ts.MkAbs(clockFile)}
	total := c.offset() + d
	tmp := c.file + ".new"
	ts.Check(os.WriteFile(tmp, []byte(total.String()+"\n"), 0o644))
	ts.Check(os.Rename(tmp, c.file))
	ts.Logf("clock: %s ahead of the machine's", total)
}

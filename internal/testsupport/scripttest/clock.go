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
// forward with `clock advance`, or a time the script fixes with `clock
// set` (then it stands still until advanced), kept in $WORK/.clock
// (testscript sets WORK for the processes a script runs). Every opsync of
// a script, running or started later, reads it: a lease expires, or falls
// due for renewal, when the script says so, however fast or slow the
// machine is, and a transcript can show fixed times. Only the test binary
// reads the file; the opsync program uses the machine's clock.
const clockFile = ".clock"

// scriptClock is the clock of the opsync processes of one script.
type scriptClock struct{ file string }

func processClock() scriptClock {
	if w := os.Getenv("WORK"); w != "" {
		return scriptClock{file: filepath.Join(w, clockFile)}
	}
	return scriptClock{}
}

// read returns the clock's setting: a fixed time ("at RFC3339"), or else
// how far ahead of the machine's it is ("offset DURATION"; 0 without a
// file).
func (c scriptClock) read() (at time.Time, offset time.Duration) {
	if c.file == "" {
		return time.Time{}, 0
	}
	b, err := os.ReadFile(c.file)
	if err != nil {
		return time.Time{}, 0
	}
	kind, v, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	switch kind {
	case "at":
		at, _ = time.Parse(time.RFC3339Nano, v)
	case "offset":
		offset, _ = time.ParseDuration(v)
	}
	return at, offset
}

func (c scriptClock) Now() time.Time {
	at, offset := c.read()
	if !at.IsZero() {
		return at
	}
	return time.Now().Add(offset)
}

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
//
// clock set TIME: from now on their clock reads TIME (RFC 3339) and stands
// still, until advanced.
func cmdClock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || args[0] != "advance" && args[0] != "set" {
		ts.Fatalf("usage: clock advance DURATION | clock set RFC3339-TIME")
	}
	c := scriptClock{file: ts.MkAbs(clockFile)}
	at, offset := c.read()
	var setting string
	switch args[0] {
	case "set":
		t, err := time.Parse(time.RFC3339, args[1])
		ts.Check(err)
		setting = "at " + t.Format(time.RFC3339Nano)
	case "advance":
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		if d <= 0 {
			ts.Fatalf("clock advance %s: the clock only moves forward", args[1])
		}
		if !at.IsZero() {
			setting = "at " + at.Add(d).Format(time.RFC3339Nano)
		} else {
			setting = "offset " + (offset + d).String()
		}
	}
	tmp := c.file + ".new"
	ts.Check(os.WriteFile(tmp, []byte(setting+"\n"), 0o644))
	ts.Check(os.Rename(tmp, c.file))
	ts.Logf("clock: %s", setting)
}

package scripttest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/lock"
)

// Script commands for the operator commands' scripts (status, sync, log).

// holdlock DIR: take opsync's lock of the repository holding DIR, in the
// test process, as a running opsync would (holder: this pid, host
// "testhost", command "abra app deploy held.example.org"), until
// `releaselock DIR` or the end of the script.
func cmdHoldLock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: holdlock DIR")
	}
	r := findRepo(ts, args[0])
	me := lock.Holder{PID: os.Getpid(), Host: "testhost", Since: time.Now(), Command: "abra app deploy held.example.org"}
	lk, err := lock.Acquire(context.Background(), r.OpsyncDir(), me, 5*time.Second, nil)
	ts.Check(err)
	heldMu.Lock()
	heldLocks[r.OpsyncDir()] = lk
	heldMu.Unlock()
	ts.Defer(func() { lk.Release() })
}

// heldLocks are the locks holdlock took, by opsync directory (scripts run
// in parallel; each holds only the locks of its own $WORK).
var (
	heldMu    sync.Mutex
	heldLocks = map[string]*lock.Lock{}
)

// releaselock DIR: give up the lock holdlock took.
func cmdReleaseLock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: releaselock DIR")
	}
	r := findRepo(ts, args[0])
	heldMu.Lock()
	lk, ok := heldLocks[r.OpsyncDir()]
	delete(heldLocks, r.OpsyncDir())
	heldMu.Unlock()
	if !ok {
		ts.Fatalf("no lock held in %s", args[0])
	}
	ts.Check(lk.Release())
}

func findRepo(ts *testscript.TestScript, dir string) *git.Repo {
	real, err := filepath.EvalSymlinks(ts.MkAbs(dir))
	ts.Check(err)
	r, err := git.FindRepo(real)
	ts.Check(err)
	return r
}

// jsonfields FILE PATH...
//
// Parses FILE as JSON (it must be an array) and prints, for each element,
// one line with the value at each PATH, separated by " | ". A PATH is keys
// and array indices joined by dots (lock.pid, unpushed.0.line); a final
// "len()" is an array's length. Strings print bare, null as "null", other
// values as JSON. A key missing from an element fails the command: the
// keys are part of opsync's interface.
func cmdJSONFields(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: jsonfields FILE PATH...")
	}
	var doc []any
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &doc); err != nil {
		ts.Fatalf("%s is not a JSON array: %v", args[0], err)
	}
	var out strings.Builder
	for i, el := range doc {
		var vals []string
		for _, path := range args[1:] {
			v, err := jsonAt(el, path)
			if err != nil {
				ts.Fatalf("element %d: %s: %v", i, path, err)
			}
			vals = append(vals, v)
		}
		out.WriteString(strings.Join(vals, " | ") + "\n")
	}
	fmt.Fprint(ts.Stdout(), out.String())
}

func jsonAt(v any, path string) (string, error) {
	for _, step := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[step]
			if !ok {
				return "", fmt.Errorf("no key %q", step)
			}
			v = next
		case []any:
			if step == "len()" {
				return strconv.Itoa(len(x)), nil
			}
			n, err := strconv.Atoi(step)
			if err != nil || n < 0 || n >= len(x) {
				return "", fmt.Errorf("no element %q in an array of %d", step, len(x))
			}
			v = x[n]
		default:
			return "", fmt.Errorf("cannot look up %q in %v", step, v)
		}
	}
	switch x := v.(type) {
	case nil:
		return "null", nil
	case string:
		return x, nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

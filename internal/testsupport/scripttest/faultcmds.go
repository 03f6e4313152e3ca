package scripttest

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/opsync/internal/proc"
)

// Script commands and conditions for injected faults: processes killed at
// an exact moment, a file system that is full, a repository the operator
// cannot write to.

// orphans are, per script, the processes a `killbg` left running: what the
// killed background commands had started (git and its helpers), which the
// kernel hands to init.
var (
	orphansMu sync.Mutex
	orphans   = map[*testscript.TestScript][]int{}
)

// killbg [-tree]
//
// Sends SIGKILL to every background command of the script, as `kill -9
// PID` would: the processes they started (git, ssh, hooks) live on, and
// `waitorphans` waits for them. With -tree the processes they started are
// killed too, at once (each stopped first, so none can start another
// meanwhile): what a power cut or the OOM killer leaves behind.
func cmdKillBackground(ts *testscript.TestScript, neg bool, args []string) {
	tree := len(args) == 1 && args[0] == "-tree"
	if neg || len(args) > 1 || len(args) == 1 && !tree {
		ts.Fatalf("usage: killbg [-tree]")
	}
	for _, c := range ts.BackgroundCmds() {
		pid := c.Process.Pid
		if !proc.Alive(pid) {
			continue // already over (ProcessState is testscript's to write)
		}
		if !tree {
			below := proc.Descendants(pid)
			ts.Check(c.Process.Signal(syscall.SIGKILL))
			orphansMu.Lock()
			orphans[ts] = append(orphans[ts], below...)
			orphansMu.Unlock()
			ts.Logf("killed pid %d; left running: %v", pid, below)
			continue
		}
		stopped := map[int]bool{}
		for {
			fresh := 0
			for _, p := range append([]int{pid}, proc.Descendants(pid)...) {
				if !stopped[p] {
					syscall.Kill(p, syscall.SIGSTOP)
					stopped[p] = true
					fresh++
				}
			}
			if fresh == 0 {
				break
			}
		}
		var all []int
		for p := range stopped {
			syscall.Kill(p, syscall.SIGKILL)
			all = append(all, p)
		}
		ts.Logf("killed pid %d and everything it started: %v", pid, all)
		// A killed process is gone once it is a zombie or reaped; wait for
		// that, so the script goes on with all of them dead.
		waitGone(ts, all)
	}
}

// waitorphans: wait (up to 60s) until every process a `killbg` left
// running has exited.
func cmdWaitOrphans(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: waitorphans")
	}
	orphansMu.Lock()
	pids := orphans[ts]
	delete(orphans, ts)
	orphansMu.Unlock()
	waitGone(ts, pids)
}

func waitGone(ts *testscript.TestScript, pids []int) {
	deadline := time.Now().Add(60 * time.Second)
	for _, p := range pids {
		for proc.Alive(p) {
			if time.Now().After(deadline) {
				ts.Fatalf("process %d is still running after 60s", p)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// mounttmpfs DIR SIZE
//
// Mounts a tmpfs of SIZE (e.g. 2m) at DIR, unmounted when the script ends:
// a small file system a script can fill up. Scripts start with
// `[!mount] skip`.
func cmdMountTmpfs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mounttmpfs DIR SIZE")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+args[1]); err != nil {
		ts.Fatalf("mount a tmpfs at %s: %v", dir, err)
	}
	ts.Defer(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
}

var (
	mountOnce sync.Once
	mountErr  error
)

// canMount says why this process cannot mount a tmpfs, nil when it can
// (root, or the capability, and a kernel and container that allow it).
func canMount() error {
	mountOnce.Do(func() {
		dir, err := os.MkdirTemp("", "opsync-mount-check")
		if err != nil {
			mountErr = err
			return
		}
		defer os.Remove(dir)
		if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
			mountErr = fmt.Errorf("cannot mount a tmpfs: %v", err)
			return
		}
		syscall.Unmount(dir, syscall.MNT_DETACH)
	})
	return mountErr
}

// noRootScript is $WORK/realbin/noroot: `noroot CMD ARGS...` runs CMD
// without root's power to ignore file modes (for root, setpriv drops
// CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set, so
// neither CMD nor anything it starts has them), so a file without write
// permission is as unwritable as for an ordinary account. For any other
// user it just runs CMD.
const noRootScript = `#!/bin/sh
if [ "$(id -u)" = 0 ]; then
	exec setpriv --bounding-set=-dac_override,-dac_read_search -- "$@"
fi
exec "$@"
`

// canDropRoot says why `noroot` cannot work here, nil when it can.
func canDropRoot() error {
	if os.Geteuid() != 0 {
		return nil
	}
	if _, err := os.Stat("/usr/bin/setpriv"); err == nil {
		return nil
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "setpriv")); err == nil {
			return nil
		}
	}
	return fmt.Errorf("running as root without setpriv (util-linux)")
}

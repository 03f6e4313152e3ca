// Package proc reads the process table from /proc: the processes a process
// started, and whether a process is still running. opsync uses it to stop
// a git process together with the ssh or remote helper it started; the
// tests use it to kill opsync at an exact moment and wait for what it left.
package proc

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// stat returns the fields of /proc/PID/stat after the command name: state,
// ppid, …. The name is in parentheses and may itself hold spaces and
// parentheses, so the fields start after the last ')'.
func stat(name string) []string {
	b, err := os.ReadFile(filepath.Join("/proc", name, "stat"))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// Alive reports whether a process exists and has not exited. A zombie has
// exited: its parent (or init, which may be slow to reap it, or not reap it
// at all in a container) has only not collected its status yet.
func Alive(pid int) bool {
	f := stat(strconv.Itoa(pid))
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// StartTime returns when a process started, in clock ticks since boot
// (the 22nd field of /proc/PID/stat): with the pid, it names one process,
// since a pid is used again once its process is gone. ok is false when
// there is no such process.
func StartTime(pid int) (ticks uint64, ok bool) {
	f := stat(strconv.Itoa(pid))
	if len(f) < 20 {
		return 0, false
	}
	t, err := strconv.ParseUint(f[19], 10, 64)
	return t, err == nil
}

// Same reports whether the process pid that started at ticks
// (StartTime) is still running: the same pid and start time, not a
// zombie.
func Same(pid int, ticks uint64) bool {
	if pid <= 0 || !Alive(pid) {
		return false
	}
	t, ok := StartTime(pid)
	return ok && t == ticks
}

// Descendants lists the processes below pid, children before
// grandchildren. Without /proc it returns nil.
func Descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f := stat(e.Name())
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	for queue := []int{pid}; len(queue) > 0; queue = queue[1:] {
		for _, c := range children[queue[0]] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

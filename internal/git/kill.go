package git

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// killTree signals a git process and every process it started (git pull
// runs git fetch, which runs ssh or a remote helper). git shares opsync's
// process group so that ssh can still ask at the terminal (host keys,
// passphrases); that is why its children are found one by one, through
// /proc, instead of signalling a group. Where /proc is missing only the git
// process itself is signalled.
func killTree(pid int, sig syscall.Signal) {
	for _, p := range descendants(pid) {
		syscall.Kill(p, sig)
	}
	syscall.Kill(pid, sig)
}

// descendants lists the processes below pid, read from /proc/*/stat.
func descendants(pid int) []int {
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
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		ppid, err := strconv.Atoi(f[1])
		if err == nil {
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

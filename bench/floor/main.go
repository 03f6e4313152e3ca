// Command floor is the least a wrapper in front of abra can cost: a static
// Go program that finds the real abra as opsync does and becomes it with
// execve, doing nothing else. bench/run.sh builds it and measures opsync's
// pass-through paths against it ("the floor"); it is not part of opsync.
//
// Like opsync, it takes $OPSYNC_ABRA when set, else the first executable
// `abra` on the search path that is not itself (the same file), so it pays
// the same stat calls as opsync's PATH search. The search path is
// $OPSYNC_FLOOR_PATH when set, else $PATH: bench/run.sh installs it as
// `abra` in a directory of its own and gives it the same search path as the
// opsync shim with that directory in place of the shim's, so that both skip
// themselves once and find the stand-in abra second.
package main

import (
	"os"
	"path/filepath"
	"syscall"
)

func main() {
	path := os.Getenv("OPSYNC_ABRA")
	if path == "" {
		path = search()
	}
	if path == "" {
		os.Stderr.WriteString("floor: no abra on the search path\n")
		os.Exit(69)
	}
	argv := append([]string{"abra"}, os.Args[1:]...)
	err := syscall.Exec(path, argv, os.Environ())
	os.Stderr.WriteString("floor: " + err.Error() + "\n")
	os.Exit(69)
}

func search() string {
	list := os.Getenv("OPSYNC_FLOOR_PATH")
	if list == "" {
		list = os.Getenv("PATH")
	}
	self, _ := os.Executable()
	for _, dir := range filepath.SplitList(list) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, "abra")
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			continue
		}
		if me, err := os.Stat(self); err == nil && os.SameFile(fi, me) {
			continue
		}
		return p
	}
	return ""
}

package git

import (
	"syscall"

	"coopcloud.tech/opsync/internal/proc"
)

// killTree signals a git process and every process it started (git pull
// runs git fetch, which runs ssh or a remote helper). git shares opsync's
// process group so that ssh can still ask at the terminal (host keys,
// passphrases); that is why its children are found one by one, through
// /proc, instead of signalling a group. Where /proc is missing only the git
// process itself is signalled.
func killTree(pid int, sig syscall.Signal) {
	for _, p := range proc.Descendants(pid) {
		syscall.Kill(p, sig)
	}
	syscall.Kill(pid, sig)
}

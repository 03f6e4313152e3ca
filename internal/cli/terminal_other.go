//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package cli

import "os"

func isTerminal(f *os.File) bool { return false }

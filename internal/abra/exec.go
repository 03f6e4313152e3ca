package abra

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// DepthVar counts how many opsync wrappers deep a process is. opsync sets it
// for abra; a chain that comes back to opsync again and again (an `abra`
// script that calls `abra`, a copy of opsync named abra that is not
// recognised) is stopped instead of looping forever.
const DepthVar = "OPSYNC_DEPTH"

const maxDepth = 3

// NotFoundError means no real abra could be found.
type NotFoundError struct {
	Why string
}

func (e *NotFoundError) Error() string { return e.Why }

// CheckDepth refuses to go on when opsync has called itself too often.
func CheckDepth(getenv func(string) string) error {
	n, _ := strconv.Atoi(getenv(DepthVar))
	if n >= maxDepth {
		return &NotFoundError{Why: fmt.Sprintf("opsync has been started %d times in a row as abra: the `abra` it runs is opsync itself "+
			"(or a script that calls it). Point OPSYNC_ABRA (or operator_sync: abra_bin) at the real abra program", n)}
	}
	return nil
}

// LoopProbeEnv is the environment entry that makes an opsync started
// under it refuse at once, as the last round of a loop would: `opsync
// doctor` runs the abra it found with it, so that an `abra` which comes
// back to opsync is caught (opsync then exits with the loop error) instead
// of looping.
func LoopProbeEnv() string { return fmt.Sprintf("%s=%d", DepthVar, maxDepth) }

// IsLoopMessage reports whether output holds the error CheckDepth gives.
func IsLoopMessage(output string) bool { return strings.Contains(output, "times in a row as abra") }

// DepthEnv is the environment entry to give abra.
func DepthEnv(getenv func(string) string) string {
	n, _ := strconv.Atoi(getenv(DepthVar))
	return fmt.Sprintf("%s=%d", DepthVar, n+1)
}

// FindReal finds the real abra program: $OPSYNC_ABRA, then the configured
// path (operator_sync: abra_bin), then the first `abra` on PATH that is not
// opsync itself (by symlink target, file identity or content, so a copy of
// opsync named abra is skipped too). self is opsync's own executable.
func FindReal(getenv func(string) string, configured, self string) (string, error) {
	for _, c := range []struct{ path, from string }{
		{getenv("OPSYNC_ABRA"), "$OPSYNC_ABRA"},
		{configured, "operator_sync: abra_bin"},
	} {
		if c.path == "" {
			continue
		}
		if !isExecutable(c.path) {
			return "", &NotFoundError{Why: fmt.Sprintf("%s is %s, which is not an executable file. Set it to the path of the real abra program", c.from, c.path)}
		}
		if isSame(c.path, self) {
			return "", &NotFoundError{Why: fmt.Sprintf("%s is %s, which is opsync itself, not the real abra. Set it to the path of the real abra program", c.from, c.path)}
		}
		return c.path, nil
	}
	var skipped []string
	for _, dir := range filepath.SplitList(getenv("PATH")) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, "abra")
		if !isExecutable(p) {
			continue
		}
		if isSame(p, self) {
			skipped = append(skipped, p)
			continue
		}
		return p, nil
	}
	why := "cannot find the real abra program: there is no `abra` on PATH"
	if len(skipped) > 0 {
		why = fmt.Sprintf("cannot find the real abra program: the only `abra` on PATH (%s) is opsync itself", strings.Join(skipped, ", "))
	}
	return "", &NotFoundError{Why: why + ". Install abra (https://docs.coopcloud.tech/abra/install/) in a directory on PATH after the opsync shim, " +
		"or set OPSYNC_ABRA to its path"}
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// SameProgram reports whether candidate is the program self: the same
// file, the same symlink target, or a byte-identical copy.
func SameProgram(candidate, self string) bool { return isSame(candidate, self) }

// isSame reports whether candidate is the program self: the same file, the
// same symlink target, or a byte-identical copy.
func isSame(candidate, self string) bool {
	if self == "" {
		return false
	}
	a, err1 := os.Stat(candidate)
	b, err2 := os.Stat(self)
	if err1 != nil || err2 != nil {
		return false
	}
	if os.SameFile(a, b) {
		return true
	}
	if a.Size() != b.Size() {
		return false
	}
	ha, err1 := hashFile(candidate)
	hb, err2 := hashFile(self)
	return err1 == nil && err2 == nil && bytes.Equal(ha, hb)
}

func hashFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// StartError is an abra the system would not start (execve failed): no
// command ran.
type StartError struct {
	Path string
	Err  error
}

func (e *StartError) Unwrap() error { return e.Err }

func (e *StartError) Error() string {
	why := e.Err.Error()
	switch {
	case errors.Is(e.Err, syscall.ENOENT):
		why = "it is not there (any more)"
		if _, err := os.Stat(e.Path); err == nil {
			why = fmt.Sprintf("its first line (#!) names an interpreter that does not exist (`head -1 %s` shows it)", e.Path)
		}
	case errors.Is(e.Err, syscall.EACCES), errors.Is(e.Err, syscall.EPERM):
		why = fmt.Sprintf("you may not execute it, or its interpreter (`ls -l %s` shows its mode; a file system mounted noexec has the same effect)", e.Path)
	case errors.Is(e.Err, syscall.ENOEXEC):
		why = "it is not a program this machine can run: neither a binary for it nor a script whose first line is #!"
	}
	return fmt.Sprintf("cannot start abra (%s): %s (%v). Point OPSYNC_ABRA (or operator_sync: abra_bin) at the real abra program, "+
		"or reinstall it (https://docs.coopcloud.tech/abra/install/)", e.Path, why, e.Err)
}

// Exec replaces the current process with abra: the pass-through path when
// opsync has nothing to do, so abra runs exactly as if called directly. It
// returns only when abra could not be started, with a *StartError.
func Exec(path string, args, env []string) error {
	argv := append([]string{"abra"}, args...)
	return &StartError{Path: path, Err: syscall.Exec(path, argv, env)}
}

// forwarded are the signals opsync passes on to abra while it runs.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// Run runs abra as a child with opsync's own stdin, stdout and stderr (the
// same terminal, so prompts, colours and $EDITOR work) and forwards signals
// to it. It returns abra's exit status; a signal death is 128+signal, as a
// shell reports it. An abra that cannot be started is a *StartError (and
// the status -1).
func Run(path string, args, env []string) (int, error) {
	return RunStarted(path, args, env, nil)
}

// RunStarted is Run, calling started (when not nil) with abra's pid as
// soon as it has started, before waiting for it.
func RunStarted(path string, args, env []string, started func(pid int)) (int, error) {
	cmd := exec.Command(path, args...)
	cmd.Args[0] = "abra"
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return -1, &StartError{Path: path, Err: err}
	}
	if started != nil {
		started(cmd.Process.Pid)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				// A Ctrl-C at the terminal reaches abra directly too (same
				// process group); a second SIGINT is harmless to it.
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	if err == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return ee.ExitCode(), nil
	}
	return 1, err
}

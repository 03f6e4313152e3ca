// Package git is the only place in opsync that runs git. It runs the real
// git program (so the operator's ssh config, credential helpers, hooks and
// commit signing all apply), each call with a timeout, in a fixed locale,
// with prompts off, and returns failures as *Error values that keep git's
// exit code and stderr.
//
// Every git command line opsync runs is built here, by a typed method
// (commands.go, and the pull, push, commit and log files); the raw runner is
// unexported, and a test of the root package fails on a git command line
// built anywhere else. Where a git process would only read a file git keeps
// (HEAD, refs, config, identity, attributes, the index), the files_*.go
// readers read it instead, each checked against git by a differential test
// (see files.go).
package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"coopcloud.tech/opsync/internal/ui"
)

// DefaultTimeout bounds every git process unless the caller sets another.
const DefaultTimeout = 60 * time.Second

// Client runs git in one work tree.
type Client struct {
	// Dir is the work tree git runs in (git -C Dir).
	Dir string
	// Path is the git program; "" means "git" from PATH.
	Path string
	// Timeout bounds each git process; 0 means DefaultTimeout.
	Timeout time.Duration
	// Env is added to the environment of every git process.
	Env []string
	// Trace, when set, is called with the arguments of every git process
	// before it starts (tests and benchmarks count processes with it).
	Trace func(args []string)
	// MergeConfig holds "key=value" settings given (as git -c) to the
	// commands that merge: Pull. opsync's env-aware merge driver is
	// passed this way, so it works without any set-up.
	MergeConfig []string
	// BeforeMerge, when set, is called by Pull after the fetch when there
	// is something to merge (FETCH_HEAD is not HEAD); an error stops the
	// pull before the merge starts, and is returned.
	BeforeMerge func(ctx context.Context) error
	// AlsoFetch are refspecs the pull's fetch brings along with the
	// branch (opsync's app leases): the same fetch, no other process.
	// FETCH_HEAD then lists them too, and the merge takes the branch's
	// line alone.
	AlsoFetch []string
}

// Error is a git process that failed.
type Error struct {
	Args     []string // git's arguments
	ExitCode int      // -1 when git did not exit normally
	Stdout   string   // what git printed on stdout (merge conflicts are reported there)
	Stderr   string
	TimedOut bool
	Timeout  time.Duration
	Err      error
}

// Error quotes git's command line and messages with the credentials of
// any URL in them redacted (a remote given as https://TOKEN@host/x.git).
func (e *Error) Error() string {
	cmd := ui.RedactURLs("git " + strings.Join(displayArgs(e.Args), " "))
	switch {
	case e.TimedOut:
		return fmt.Sprintf("%s did not finish within %s and was stopped", cmd, e.Timeout)
	case e.ExitCode >= 0:
		msg := ui.RedactURLs(strings.TrimSpace(strings.TrimSpace(e.Stdout) + "\n" + strings.TrimSpace(e.Stderr)))
		if msg == "" {
			return fmt.Sprintf("%s failed with exit status %d", cmd, e.ExitCode)
		}
		return fmt.Sprintf("%s failed with exit status %d:\n%s", cmd, e.ExitCode, Indent(msg))
	default:
		return ui.RedactURLs(fmt.Sprintf("%s: %v", cmd, e.Err))
	}
}

func (e *Error) Unwrap() error { return e.Err }

// displayArgs drops the leading "-c key=value" settings from git's
// arguments for messages: opsync's own (its merge driver) are long and say
// nothing about what failed.
func displayArgs(args []string) []string {
	for len(args) >= 2 && args[0] == "-c" {
		args = args[2:]
	}
	return args
}

// ErrNotInstalled means the git program could not be found.
var ErrNotInstalled = errors.New("git is not installed or not on PATH; install it (Debian/Ubuntu: apt install git, macOS: xcode-select --install) and try again")

// Indent prefixes every line of s with four spaces, for quoting git's output
// inside an opsync message.
func Indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}

// scrubbed are variables that would point git at another repository or
// index than the one opsync means, or make git read paths as patterns
// (opsync sets GIT_LITERAL_PATHSPECS itself); an operator may have them set
// for their own work.
var scrubbed = []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX",
	"GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM", "LC_ALL", "LANG", "LANGUAGE",
	"GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS", "GIT_ICASE_PATHSPECS"}

func (c *Client) environ() []string {
	env := make([]string, 0, len(os.Environ())+len(c.Env)+3)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, s := range scrubbed {
			if name == s {
				keep = false
				break
			}
		}
		if keep {
			env = append(env, kv)
		}
	}
	// C locale: git's messages are parsed in a few places (push rejections,
	// missing remote refs). Prompts off: git must never wait for a password
	// on a terminal nobody watches; the operator's credential helpers and
	// ssh agent still work. Literal pathspecs: every path opsync gives git
	// is a file name, never a pattern — an app named ":!x" must not become
	// the exclude pathspec ":!x.env" (nothing opsync runs relies on
	// pathspec magic; ref patterns such as refs/heads/* are not pathspecs).
	env = append(env, "LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "GIT_LITERAL_PATHSPECS=1")
	return append(env, c.Env...)
}

// cmd describes one git invocation.
type cmd struct {
	args  []string
	stdin io.Reader
	env   []string // added to the client's environment
	// stdout, when set, receives git's stdout as it comes (for streaming
	// large output); run then returns "".
	stdout io.Writer
	// untimed: only the caller's context bounds the process, not the
	// client's Timeout (a log verifying signatures, see startLog).
	untimed bool
}

// run runs git with args in the client's directory and returns its stdout.
// It is the raw runner, unexported on purpose: every git command line
// opsync runs is built by a method of this package (commands.go and the
// pull, push, commit and log files), never by a caller.
func (c *Client) run(ctx context.Context, args ...string) (string, error) {
	return c.runCmd(ctx, cmd{args: args})
}

// runCmd runs one git invocation.
func (c *Client) runCmd(ctx context.Context, gc cmd) (string, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var cancel context.CancelFunc
	if gc.untimed {
		ctx, cancel = context.WithCancel(ctx)
	} else {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()

	path := c.Path
	if path == "" {
		path = "git"
	}
	full := append([]string{"-C", c.Dir}, gc.args...)
	if c.Dir == "" {
		full = gc.args
	}
	if c.Trace != nil {
		c.Trace(gc.args)
	}
	xc := exec.CommandContext(ctx, path, full...)
	xc.Env = append(c.environ(), gc.env...)
	xc.Stdin = gc.stdin
	// On timeout, SIGTERM to git and everything it started (fetch, ssh,
	// remote helpers), so nothing is left behind; after WaitDelay, Go
	// kills git itself and stops waiting for its output.
	xc.Cancel = func() error {
		killTree(xc.Process.Pid, syscall.SIGTERM)
		return nil
	}
	xc.WaitDelay = 3 * time.Second
	var stdout, stderr bytes.Buffer
	if gc.stdout != nil {
		xc.Stdout = gc.stdout
	} else {
		xc.Stdout = &stdout
	}
	xc.Stderr = &stderr
	err := xc.Run()
	if err == nil {
		return stdout.String(), nil
	}
	if errors.Is(err, exec.ErrNotFound) {
		return "", ErrNotInstalled
	}
	gerr := &Error{Args: gc.args, ExitCode: -1, Stdout: stdout.String(), Stderr: stderr.String(), Err: err, Timeout: timeout}
	if ctx.Err() == context.DeadlineExceeded {
		gerr.TimedOut = true
	} else if ee, ok := err.(*exec.ExitError); ok {
		gerr.ExitCode = ee.ExitCode()
	}
	return stdout.String(), gerr
}

// ExitCode returns git's exit code from err, or -1.
func ExitCode(err error) int {
	var ge *Error
	if errors.As(err, &ge) {
		return ge.ExitCode
	}
	return -1
}

// StderrOf returns git's stderr from err, or "", with the credentials of
// any URL in it redacted (it is quoted to the operator).
func StderrOf(err error) string {
	var ge *Error
	if errors.As(err, &ge) {
		return ui.RedactURLs(ge.Stderr)
	}
	return ""
}

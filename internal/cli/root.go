// Package cli is opsync's command line: the wrapper (`opsync run`, or the
// binary invoked as `abra`) and the operator commands.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/ui"
)

// env is what a command reads from its process, kept in one place so tests
// and the engine agree on it.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// now and after are the one clock of every command and of the engine
	// (lease expiry and renewals, cooldown, log --since, status ages);
	// tests give their own (MainClock).
	now   func() time.Time
	after func(time.Duration) <-chan time.Time
}

func processEnv() *env {
	return &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, now: time.Now, after: time.After}
}

// exitError ends the program with a status; an empty message prints nothing
// (the wrapped abra's status passes through quietly).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// Main runs opsync with the process's arguments and returns the exit status.
// Invoked under the name abra (the shim), it is the wrapper with no `run --`.
func Main(args []string) int { return mainIn(processEnv(), args) }

// MainClock is Main on a clock other than the machine's: now and after
// stand for time.Now and time.After everywhere opsync reads the time. The
// script tests run opsync with a clock they move forward (scripttest's
// `clock`), so that leases expire and are renewed without waiting.
func MainClock(args []string, now func() time.Time, after func(time.Duration) <-chan time.Time) int {
	e := processEnv()
	e.now, e.after = now, after
	return mainIn(e, args)
}

func mainIn(e *env, args []string) (code int) {
	defer recoverBug(e, &code, nil)
	// OPSYNC_NOT_SHIM: git runs opsync's merge driver through opsync's own
	// executable, which may be the shim named abra.
	if isAbraName(args[0]) && e.getenv("OPSYNC_NOT_SHIM") == "" {
		return wrap(e, args[1:])
	}
	// `opsync run …` is the wrapper too: it skips cobra, whose command tree
	// (every command with its flags and help) would cost more than the
	// rest of the pass-through path. cobra gives run its arguments as they
	// are (DisableFlagParsing), so this is what it would do; run's help
	// still goes through cobra.
	if len(args) > 1 && args[1] == "run" && !(len(args) > 2 && isHelp(args[2])) {
		return exitStatus(e, runWrapper(e, args[2:]))
	}
	root := newRoot(e)
	root.SetArgs(args[1:])
	return exitStatus(e, root.Execute())
}

// exitStatus is the status a command's error ends the program with,
// printing its message.
func exitStatus(e *env, err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			ui.Say(e.stderr, "error: "+ee.msg)
		}
		return ee.code
	}
	return report(e, err, engine.ExitUsage)
}

func isAbraName(arg0 string) bool {
	return strings.TrimSuffix(filepath.Base(arg0), ".exe") == "abra"
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "opsync",
		Short: "Operator sync for abra: git pull before, commit and push after every abra app command",
		Long: `opsync keeps ~/.abra/servers in sync through git around every "abra app" command:
it pulls before, commits only the touched app's env file after, and pushes, so nobody
deploys from a stale file and the git log is the operator log.

Run abra through it with "opsync run -- app deploy foo.example.org", or install the
shim ("opsync shim install") and keep typing "abra app ...".`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version(),
	}
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetVersionTemplate("opsync {{.Version}}\n")
	root.AddCommand(newRunCmd(e), newExplainCmd(e), newVersionCmd(e), newInitCmd(e), newShimCmd(e), newDoctorCmd(e),
		newMergeDriverCmd(e), newLeaseCmd(e))
	root.AddCommand(newStatusCmd(e), newSyncCmd(e), newLogCmd(e), newShowCmd(e), newCompletionCmd(e), newCommitCmd(e))
	root.AddCommand(newSessionCmd(e))
	root.AddCommand(newAppsCmd(e))
	root.CompletionOptions.DisableDefaultCmd = true // completioncmd.go documents its own
	return root
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print opsync's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(e.stdout, "opsync %s\n", Version())
			return nil
		},
	}
}

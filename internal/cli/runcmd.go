package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync"
	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/ui"
)

func newRunCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "run [--no-operator-sync|--no-operator-log|--force-sync|--lease|--no-lease|--wait[=D]] -- ABRA-ARGS...",
		Short: "Run abra with operator sync around it",
		Long: `Run the real abra with operator sync around it: pull before, and for commands that
change a server (deploy, upgrade, rollback, undeploy, remove, move, new --secrets,
restore, secret generate/insert/remove, volume remove) commit the app's env file and
push after. stdin, stdout, stderr and the terminal are abra's; the exit status is abra's.

The leading "--" may be left out; a "--" that follows abra's command line
("app cmd foo.example.org app -- ls") is abra's own. opsync's flags may stand
anywhere before a "--" that belongs to abra:
  --no-operator-sync   no pull and no push (a local log commit is still made)
  --no-operator-log    no commit either: abra runs as if opsync were not there
  --force-sync         pull even if the repository was pulled within the cooldown
  --lease, --no-lease  take (or do not take) a lease on the app before a command
                       that changes a server, whatever abra.yml says (lease: true)
  --wait[=DURATION]    wait for a lease someone else holds (bare: up to lease_ttl)`,
		Example: `  opsync run -- app deploy foo.example.org 1.2.0+1.21
  opsync run --no-operator-sync -- app upgrade foo.example.org
  opsync run -- app ls --force-sync`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 && isHelp(args[0]) {
				return cmd.Help()
			}
			return runWrapper(e, args)
		},
	}
}

func isHelp(arg string) bool { return arg == "-h" || arg == "--help" }

// runWrapper is `opsync run ARGS`, ARGS as given (Main calls it without
// cobra, see there).
func runWrapper(e *env, args []string) error {
	// A "--" is opsync's when only opsync's flags stand before it;
	// once abra's command line has begun ("app …"), it is abra's
	// own (`app cmd foo.example.org app -- ls`), and the line is
	// given to abra whole (opsync's flags are still taken out of
	// it, up to abra's "--").
	if i := slices.Index(args, "--"); i >= 0 {
		split := true
		for _, a := range args[:i] {
			if rest, _, _ := abra.StripSyncFlags([]string{a}); len(rest) != 0 {
				if !strings.HasPrefix(a, "-") {
					split = false
					break
				}
				return &exitError{code: opsync.ExitUsage, msg: fmt.Sprintf("unknown opsync run flag %q; "+
					"opsync run takes --no-operator-sync, --no-operator-log, --force-sync, --lease, --no-lease and --wait[=D] before \"--\", and abra's arguments after it", a)}
			}
		}
		if split {
			args = append(args[:i:i], args[i+1:]...)
		}
	}
	if code := wrap(e, dropProgramName(args)); code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// wrap runs abra with operator sync around it and returns the exit status.
// It uses opsync's embedding contract (the root package) exactly as abra
// would: plan, Before, the command, After.
func wrap(e *env, args []string) (code int) {
	eng := opsync.New(opsync.Options{Version: Version(), Getenv: e.getenv,
		Now: e.now, After: e.after, Reporter: e.reporter(), MergeDriver: mergeDriverCommand(), ShareSSH: true})
	defer eng.Close()
	var plan *opsync.Plan
	defer recoverBug(e, &code, func() { plan.Abandon(context.Background()) })
	plan, err := eng.PlanArgs(args)
	if err != nil {
		return fail(e, err)
	}
	abraPath, err := findAbra(e, plan.AbraBin())
	if err != nil {
		return fail(e, err)
	}
	env := append(os.Environ(), plan.Env()...)
	env = append(env, abra.DepthEnv(e.getenv))
	// A command that pulls or is logged is interruptible from the start;
	// for one opsync does nothing around, or a read-only one within the
	// cooldown, the signal handling starts only if Before waits on
	// something (signalctx.go): there it would cost more than the rest.
	begin := interruptible
	if !plan.Active() || !plan.Modifies() && !plan.Pulls() {
		begin = lazyInterruptible
	}
	ctx, stop := begin()
	if err := plan.Before(ctx); err != nil {
		stop()
		return fail(e, err)
	}
	stop()
	if !plan.Active() && plan.SuggestsSetup() {
		// abra runs as a child, so that the tip can follow it.
		exit, err := abra.Run(abraPath, plan.AbraArgs(), env)
		if se := (*abra.StartError)(nil); errors.As(err, &se) {
			return fail(e, &opsync.Error{Code: opsync.ExitNoAbra, Err: se})
		}
		if err != nil {
			ui.Say(e.stderr, "error: "+err.Error())
		} else if exit == 0 {
			ui.Say(e.stderr, setupTip)
		}
		return exit
	}
	if !plan.Active() || !plan.Modifies() {
		// Nothing to do after abra (After only logs modifying commands):
		// become abra, which saves keeping a process around it and makes
		// a read-only command cost what abra alone costs, plus Before.
		eng.Close() // deferred calls do not run across exec
		err := abra.Exec(abraPath, plan.AbraArgs(), env)
		return fail(e, &opsync.Error{Code: opsync.ExitNoAbra, Err: err})
	}
	plan.Starting()
	start := time.Now()
	exit, err := abra.RunStarted(abraPath, plan.AbraArgs(), env, plan.Started)
	took := time.Since(start)
	if se := (*abra.StartError)(nil); errors.As(err, &se) {
		// Nothing ran: no entry, and the leases go.
		ctx, stop := interruptible()
		defer stop()
		plan.NotRun(ctx)
		return fail(e, &opsync.Error{Code: opsync.ExitNoAbra, Err: fmt.Errorf("%w\nNothing ran, so nothing was logged", se)})
	}
	if err != nil {
		ui.Say(e.stderr, "error: "+err.Error())
	}
	ctx, stop = interruptible()
	defer stop()
	return plan.After(ctx, exit, took).ExitCode(exit)
}

// dropProgramName removes a leading "abra" from a command line pasted whole
// ("opsync run -- abra app deploy x"): abra has no subcommand of that name.
func dropProgramName(args []string) []string {
	if len(args) > 0 && isAbraName(args[0]) {
		return args[1:]
	}
	return args
}

// findAbra finds the real abra; configured is abra.yml's abra_bin.
func findAbra(e *env, configured string) (string, error) {
	if err := abra.CheckDepth(e.getenv); err != nil {
		return "", &engine.Error{Code: engine.ExitNoAbra, Err: err}
	}
	self, _ := executable()
	p, err := abra.FindReal(e.getenv, configured, self)
	if err != nil {
		return "", &engine.Error{Code: engine.ExitNoAbra, Err: err}
	}
	return p, nil
}

// fail prints an error the wrapper stops on and returns its exit status:
// the one an *opsync.Error or *engine.Error carries, else ExitInternal.
func fail(e *env, err error) int { return report(e, err, engine.ExitInternal) }

// report prints an error as opsync's and returns the status to exit with:
// the one an *opsync.Error (the wrapper's) or *engine.Error (the operator
// commands') carries, else def.
func report(e *env, err error, def int) int {
	var oe *engine.Error
	var pe *opsync.Error
	switch {
	case errors.As(err, &oe):
		def = oe.Code
	case errors.As(err, &pe):
		def = pe.Code
	}
	ui.Say(e.stderr, "error: "+err.Error())
	return def
}

// executable is os.Executable, asked once: the wrapper needs it twice (the
// merge driver, and to skip itself when looking for abra).
var executable = sync.OnceValues(os.Executable)

// mergeDriverCommand is the merge driver command line for this program;
// "" (git's line merge) when its path is unknown.
func mergeDriverCommand() string {
	exe, err := executable()
	if err != nil {
		return ""
	}
	return engine.MergeDriverCommand(exe)
}

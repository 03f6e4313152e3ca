package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync/internal/doctor"
	"coopcloud.tech/opsync/internal/shim"
	"coopcloud.tech/opsync/internal/ui"
)

type doctorOptions struct {
	json    bool
	timeout time.Duration
}

func newDoctorCmd(e *env) *cobra.Command {
	var o doctorOptions
	cmd := &cobra.Command{
		Use:   "doctor [--json] [--timeout D]",
		Short: "Check the set-up: git, identity, config, abra, shim, and each repository's remote, hooks and state",
		Long: `Check everything opsync needs, one line per check (ok, warn or fail), with the fix
for every check that failed:

  git         git is installed and recent enough (2.25 or later)
  config      abra.yml is valid, and whether sync: true is on
  identity    git knows who you are (the author of your log entries)
  abra        the real abra is found, and it is not opsync again (a loop)
  shim        whether typing "abra" runs opsync
  repository  for each repository holding server directories: on a branch,
              no merge or rebase half done
  remote      the remote answers (within --timeout)
  hooks       the git hooks that run on each log entry
  signing     whether log entries are signed, and what that needs
  cooldown    opsync's state (the last pull) is readable

doctor exits 1 when any check failed. --json prints one JSON array of
{"name", "status", "detail", "fix", "repository"} objects on stdout.`,
		Example: `  opsync doctor
  opsync doctor --json | jq '.[] | select(.status == "fail")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			self, _ := shim.Self()
			ctx, stop := interruptible()
			defer stop()
			checks := doctor.Run(ctx, doctor.Options{Getenv: e.getenv, Now: e.now, Self: self, RemoteTimeout: o.timeout})
			if o.json {
				enc := json.NewEncoder(ui.JSONWriter(e.stdout))
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				if err := enc.Encode(checks); err != nil {
					return err
				}
			} else {
				printChecks(e, checks)
			}
			if doctor.Failed(checks) {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print the checks as a JSON array")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 20*time.Second, "how long each remote has to answer")
	return cmd
}

// printChecks prints the report as a table: status, name, detail, and the
// fix under a failed or warned check.
func printChecks(e *env, checks []doctor.Check) {
	width := 0
	for _, c := range checks {
		width = max(width, len(c.Name))
	}
	indent := strings.Repeat(" ", 6+width+2)
	var failed, warned int
	for _, c := range checks {
		lines := strings.Split(strings.TrimRight(c.Detail, "\n"), "\n")
		// Details quote file names, git's stderr and remotes: escaped.
		fmt.Fprintf(e.stdout, "%-4s  %-*s  %s\n", c.Status, width, c.Name, ui.Escape(lines[0]))
		for _, l := range lines[1:] {
			if strings.TrimSpace(l) != "" {
				fmt.Fprintf(e.stdout, "%s%s\n", indent, ui.Escape(l))
			}
		}
		if c.Fix != "" && c.Status != doctor.OK {
			fmt.Fprintf(e.stdout, "%sfix: %s\n", indent, ui.EscapeText(c.Fix))
		}
		switch c.Status {
		case doctor.Fail:
			failed++
		case doctor.Warn:
			warned++
		}
	}
	switch {
	case failed > 0:
		fmt.Fprintf(e.stdout, "\n%d of %d checks failed", failed, len(checks))
		if warned > 0 {
			fmt.Fprintf(e.stdout, ", %d with a warning", warned)
		}
		fmt.Fprintln(e.stdout)
	case warned > 0:
		fmt.Fprintf(e.stdout, "\nall %d checks passed, %d with a warning\n", len(checks), warned)
	default:
		fmt.Fprintf(e.stdout, "\nall %d checks passed\n", len(checks))
	}
}

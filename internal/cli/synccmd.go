package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/ui"
)

type syncOptions struct {
	json bool
	repo string
}

func newSyncCmd(e *env) *cobra.Command {
	var o syncOptions
	cmd := &cobra.Command{
		Use:   "sync [--json] [--repo DIR]",
		Short: "Pull and push now: finish what a failed push left",
		Long: `Pull (a merge, as before every abra app command) and push every repository that
holds an opted-in server directory, now, whatever the cooldown. Log entries that
were committed but not pushed (the remote was unreachable, a pull conflicted,
--no-operator-sync was given) are pushed; new entries from teammates are pulled.

A repository in the middle of a merge or rebase, or with a detached HEAD, is left
alone: sync says what to finish first. A pull that conflicts is undone, as always.

Exit status: 0 when every repository is in step with its remote; 75 when a pull
worked but the push did not (the entries stay committed locally); 77 when a
repository could not be synced at all; 78 when nothing is set up for sync.
--json prints an array with one object per repository (keys in the README).`,
		Example: `  opsync sync
  opsync sync --repo ~/.abra/servers --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSync(e, o)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON (an array, one object per repository) on stdout")
	cmd.Flags().StringVar(&o.repo, "repo", "", "only the repository holding `DIR`")
	cmd.MarkFlagDirname("repo")
	return cmd
}

func runSync(e *env, o syncOptions) error {
	ctx, stop := interruptible()
	defer stop()
	eng := e.engine(false)
	var results []engine.SyncResult
	if o.repo == "" {
		var err error
		if results, err = eng.Sync(ctx); err != nil {
			return err
		}
	} else {
		rs, err := repos(eng, o.repo)
		if err != nil {
			return err
		}
		for _, rp := range rs {
			if !rp.SyncOn {
				return &exitError{code: engine.ExitConfig, msg: fmt.Sprintf("%s is not synced: %s", rp.Name(), rp.Reason)}
			}
			results = append(results, rp.Sync(ctx))
		}
	}
	for _, r := range results {
		reportSync(e, ui.HomePath(r.Repo, e.getenv("HOME")), r)
	}
	if o.json {
		if err := writeJSON(e.stdout, results); err != nil {
			return err
		}
	}
	if code := engine.SyncExitCode(results); code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// reportSync tells the operator what sync did in one repository.
func reportSync(e *env, name string, r engine.SyncResult) {
	switch {
	case !r.Sync:
		ui.Say(e.stderr, fmt.Sprintf("skipped %s: %s", name, r.Reason))
		return
	case r.Code == engine.ExitSyncFailed:
		ui.Say(e.stderr, "error: "+ui.EscapeText(r.Error))
		return
	}
	if r.Pulled {
		if r.PulledFrom == "" {
			ui.Say(e.stderr, fmt.Sprintf("pulled %s from %s", name, r.Remote))
		} else {
			ui.Say(e.stderr, fmt.Sprintf("pulled new changes into %s from %s (%s..%s)", name, r.Remote, shortID(r.PulledFrom), shortID(r.PulledTo)))
		}
	}
	switch {
	case r.Code == engine.ExitNotPushed:
		ui.Say(e.stderr, "error: "+ui.EscapeText(r.Error))
	case len(r.Pushed) > 0:
		ui.Say(e.stderr, fmt.Sprintf("pushed %s from %s to %s:\n%s", entries(len(r.Pushed)), name, r.Remote, entryLines(r.Pushed)))
	case r.Remote == "":
		ui.Say(e.stderr, fmt.Sprintf("%s has no remote: the log is kept locally, there is nothing to sync", name))
	case r.InStep && !r.Pulled:
		ui.Say(e.stderr, fmt.Sprintf("%s is in step with %s", name, r.Remote))
	case r.InStep:
		ui.Say(e.stderr, fmt.Sprintf("%s is now in step with %s", name, r.Remote))
	}
}

func entries(n int) string {
	if n == 1 {
		return "1 log entry"
	}
	return fmt.Sprintf("%d log entries", n)
}

// entryLines lists entries one per line, the first ten.
func entryLines(les []engine.LogEntry) string {
	const most = 10
	var lines []string
	for i, le := range les {
		if i == most {
			lines = append(lines, fmt.Sprintf("… and %d more (opsync log)", len(les)-most))
			break
		}
		lines = append(lines, shortID(le.Commit)+" "+ui.Escape(le.Entry.Line))
	}
	return git.Indent(strings.Join(lines, "\n"))
}

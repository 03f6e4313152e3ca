package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/lease"
	"coopcloud.tech/opsync/internal/ui"
)

func newLeaseCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lease",
		Short: "List and break app leases (who is changing which app now)",
		Long: `With "lease: true" under operator_sync: in abra.yml (or --lease), every command
that changes a server first takes a lease on its app on the git remote — the ref
refs/opsync/leases/<server>/<app> — and releases it when its log entry is pushed.
While one operator holds it, another's command on that app is refused before abra
runs (or waits, with --wait). "opsync lease ls" shows the leases; "opsync lease
break" removes one whose holder is gone, naming it by its id.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newLeaseLsCmd(e), newLeaseBreakCmd(e))
	return cmd
}

func leaseEngine(e *env) *engine.Engine {
	return engine.New(e.engineOptions())
}

// leaseListJSON is one repository in `lease ls --json`.
type leaseListJSON struct {
	Repo   string        `json:"repo"`
	Remote string        `json:"remote"`
	Leases []leaseJSON   `json:"leases"`
	Error  string        `json:"error,omitempty"`
	raw    []lease.Lease // for the table
}

type leaseJSON struct {
	lease.Lease
	Expired bool `json:"expired"`
}

func newLeaseLsCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "ls [--json]",
		Aliases: []string{"list"},
		Short:   "List the app leases on the remotes of your server directories",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			eng := leaseEngine(e)
			all, err := eng.ListLeases(cmd.Context())
			if err != nil {
				return err
			}
			now := e.now()
			failed := false
			var out []leaseListJSON
			for _, rl := range all {
				j := leaseListJSON{Repo: rl.Repo, Remote: rl.Remote, Leases: []leaseJSON{}, raw: rl.Leases}
				for _, l := range rl.Leases {
					j.Leases = append(j.Leases, leaseJSON{Lease: l, Expired: l.Expired(now)})
				}
				if rl.Err != nil {
					failed = true
					j.Error = rl.Err.Error()
					ui.Say(e.stderr, fmt.Sprintf("warning: cannot read the leases of %s at %s:\n%s", rl.Repo, rl.Remote, ui.EscapeText(rl.Err.Error())))
				}
				out = append(out, j)
			}
			if asJSON {
				if out == nil {
					out = []leaseListJSON{}
				}
				enc := json.NewEncoder(ui.JSONWriter(e.stdout))
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				if err := enc.Encode(out); err != nil {
					return err
				}
			} else {
				printLeases(e, out, now)
			}
			if failed {
				return &exitError{code: engine.ExitSyncFailed}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the leases as JSON")
	return cmd
}

func printLeases(e *env, repos []leaseListJSON, now time.Time) {
	n := 0
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, r := range repos {
		for _, l := range r.raw {
			l = l.Escaped()
			if n == 0 {
				fmt.Fprintln(tw, "APP\tSERVER\tHOLDER\tCOMMAND\tSINCE\tEXPIRES\tID")
			}
			n++
			exp := lease.Clock(l.Expires, now)
			if l.Expired(now) {
				exp += " (expired)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.App, l.Server, l.Holder(), l.Command,
				lease.Clock(l.Started, now), exp, l.ID)
		}
	}
	tw.Flush()
	if n == 0 {
		var where []string
		for _, r := range repos {
			if r.Remote != "" {
				where = append(where, r.Remote+" of "+r.Repo)
			}
		}
		if len(where) == 0 {
			ui.Say(e.stderr, "no repository with a remote holds a server directory, so there are no leases")
			return
		}
		ui.Say(e.stderr, "no app leases on "+strings.Join(where, ", "))
	}
}

func newLeaseBreakCmd(e *env) *cobra.Command {
	var id, server string
	cmd := &cobra.Command{
		Use:   "break APP --id LEASE-ID [--server SERVER]",
		Short: "Remove the lease on an app whose holder is gone (its id is required)",
		Long: `Remove the lease on APP, but only if its id is LEASE-ID: the id is shown by
"opsync lease ls" and in the message of a command the lease refused, so nobody
breaks a lease they have not looked at. Break a lease only when the command
holding it is surely no longer running (a crashed opsync's lease also simply
expires). --server is needed only when APP's env file is not in a local server
directory.`,
		Example: `  opsync lease break foo.example.org --id 3f9a1c0b7d2e`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if id == "" {
				return &exitError{code: engine.ExitUsage, msg: "opsync lease break needs --id LEASE-ID: the id of the lease to break, " +
					"as `opsync lease ls` shows it, so that no lease is broken unseen"}
			}
			eng := leaseEngine(e)
			l, where, err := eng.BreakLease(cmd.Context(), args[0], server, id)
			if err != nil {
				return err
			}
			l = l.Escaped()
			ui.Say(e.stderr, fmt.Sprintf("broke the lease %s on %s at %s: it was held by %s, running `%s` since %s",
				l.ID, l.App, where, l.Holder(), l.Command, lease.Clock(l.Started, e.now())))
			return nil
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "the id of the lease to break (required)")
	cmd.Flags().StringVar(&server, "server", "", "the server the app is on, when its env file is not local")
	return cmd
}

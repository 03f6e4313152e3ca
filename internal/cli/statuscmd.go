package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/lease"
	"coopcloud.tech/opsync/internal/ui"
)

type statusOptions struct {
	json   bool
	repo   string
	color  string
	leases bool
}

func newStatusCmd(e *env) *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status [--json] [--repo DIR]",
		Short: "Show, per repository, whether operator sync is on and what is not in step",
		Long: `Show every git repository that holds a server directory of the abra directory
(and every server directory outside git): whether operator sync is on and why, the
branch and the remote opsync syncs with, commits ahead and behind (as of the last
pull; status itself never fetches), log entries not pushed yet, other uncommitted
changes, a merge or rebase in progress, when opsync last pulled and how much of the
cooldown is left, and which opsync process holds the repository's lock. When app
leases are on (operator_sync: lease: true), or with --leases, it also lists who holds
a lease on which app: that reads the lease refs from the remote.

It changes nothing and takes no lock. Each line that needs you says what to type.
--json prints an array with one object per repository (keys in the README).`,
		Example: `  opsync status
  opsync status --json | jq -r '.[] | select(.sync and (.in_step | not)) | .repo'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStatus(cmd.Context(), e, o)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON (an array, one object per repository)")
	cmd.Flags().StringVar(&o.repo, "repo", "", "only the repository holding `DIR`")
	cmd.Flags().BoolVar(&o.leases, "leases", false, "also list the app leases on each remote (automatic when leasing is on)")
	cmd.MarkFlagDirname("repo")
	addColorFlag(cmd, &o.color)
	return cmd
}

func runStatus(ctx context.Context, e *env, o statusOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	pal, err := e.palette(o.color)
	if err != nil {
		return err
	}
	eng := e.engine(false)
	rs, err := repos(eng, o.repo)
	if err != nil {
		return err
	}
	out := make([]engine.RepoStatus, 0, len(rs))
	for _, rp := range rs {
		st := rp.Status(ctx)
		if o.leases || rp.LeasesWanted() {
			rp.AddLeases(ctx, &st)
		}
		out = append(out, st)
	}
	if o.json {
		return writeJSON(e.stdout, out)
	}
	if len(out) == 0 {
		ui.Say(e.stderr, "the abra directory has no server directory yet, and its servers/ is not in a git repository, so operator sync has nothing to do; `opsync init` sets it up")
		return nil
	}
	now := e.now()
	for i, st := range out {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		printStatus(e.stdout, pal, rs[i].Name(), st, now)
	}
	return nil
}

// printStatus writes one repository's block.
func printStatus(w io.Writer, p ui.Palette, name string, st engine.RepoStatus, now time.Time) {
	if !st.Sync {
		fmt.Fprintf(w, "%s  %s\n", p.Bold(name), p.Warn("sync off: "+st.Reason))
	} else {
		fmt.Fprintf(w, "%s  %s\n", p.Bold(name), p.Good("sync on")+p.Dim(" ("+st.Reason+")"))
	}
	row := func(label, value string) {
		fmt.Fprintf(w, "  %s %s\n", p.Dim(fmt.Sprintf("%-10s", label)), value)
	}
	more := func(value string) { fmt.Fprintf(w, "  %-10s %s\n", "", value) }
	if len(st.Servers) > 0 {
		row("servers", ui.Escape(strings.Join(st.Servers, ", ")))
	}
	if !st.Git {
		return
	}
	if st.Error != "" {
		row("error", p.Bad(strings.ReplaceAll(ui.EscapeText(st.Error), "\n", "\n             ")))
		return
	}
	row("branch", branchLine(p, st))
	if st.InProgress != "" {
		row("state", p.Bad(st.InProgress+" in progress"))
	}
	for i, le := range st.Unpushed {
		line := p.ID(shortID(le.Commit)) + " " + ui.Escape(le.Entry.Line)
		if i == 0 {
			row("unpushed", line)
		} else {
			more(line)
		}
	}
	if st.UnpushedTruncated {
		more("…")
	}
	const mostChanges = 10
	for i, c := range st.Changes {
		if i == mostChanges {
			more(fmt.Sprintf("… and %d more (git -C %s status)", len(st.Changes)-mostChanges, st.Repo))
			break
		}
		line := ui.Escape(c.Path) + p.Dim(" ("+c.State+")")
		if c.OrigPath != "" {
			line = ui.Escape(c.OrigPath) + " -> " + line
		}
		if i == 0 {
			row("changes", line)
		} else {
			more(line)
		}
	}
	if st.Remote != "" || st.RemoteError != "" {
		row("last pull", pullLine(st, now))
	}
	for i, l := range st.Leases {
		line := fmt.Sprintf("%s on %s: %s, running `%s` since %s, expires %s (id %s)", ui.Escape(l.App), ui.Escape(l.Server),
			ui.Escape(l.Holder()), ui.Escape(l.Command), lease.Clock(l.Started, now), lease.Clock(l.Expires, now), ui.Escape(l.ID))
		if !l.Expires.After(now) {
			line = p.Dim(line + " (expired: the next command takes it over)")
		} else {
			line = p.Warn(line)
		}
		if i == 0 {
			row("leases", line)
		} else {
			more(line)
		}
	}
	if st.Leases != nil && len(st.Leases) == 0 && st.LeasesError == "" {
		row("leases", "none held")
	}
	if st.Lock != nil {
		l := st.Lock
		held := fmt.Sprintf("held by pid %d on %s since %s", l.PID, ui.Escape(l.Host), l.Since.Local().Format("2006-01-02 15:04:05"))
		if l.Command != "" {
			held += " (" + ui.Escape(l.Command) + ")"
		}
		row("lock", p.Warn(held))
	}
	first := true
	for _, s := range st.Settings {
		if s.From == "default" {
			continue
		}
		line := fmt.Sprintf("%s %s (%s)", s.Key, ui.Escape(s.Value), ui.Escape(s.From))
		if first {
			row("settings", line)
			first = false
		} else {
			more(line)
		}
		if s.Note != "" {
			more(p.Warn(ui.Escape(s.Note)))
		}
	}
	for _, in := range st.Interrupted {
		row("interrupted", p.Warn(in))
	}
	for _, prob := range st.Problems {
		fmt.Fprintf(w, "  %s %s\n", p.Bad("!"), ui.EscapeText(prob))
	}
	if st.InStep {
		if st.Remote != "" {
			fmt.Fprintf(w, "  %s\n", p.Good("in step with "+st.Remote))
		} else {
			fmt.Fprintf(w, "  %s\n", p.Good("in step (a local log: no remote)"))
		}
	}
}

func branchLine(p ui.Palette, st engine.RepoStatus) string {
	var b strings.Builder
	switch {
	case st.Detached:
		b.WriteString(p.Bad("detached HEAD at " + shortID(st.Head)))
	default:
		b.WriteString(st.Branch)
		if st.Head == "" {
			b.WriteString(p.Dim(" (no commit yet)"))
		}
	}
	switch {
	case st.Remote == "" && st.RemoteError == "":
		b.WriteString(p.Dim(" (no remote: the log is kept locally)"))
	case st.Remote == "":
	case st.Ahead == nil || st.Behind == nil:
		fmt.Fprintf(&b, " -> %s %s", st.Remote, p.Dim("(not fetched yet, or the remote has no such branch)"))
	case *st.Ahead == 0 && *st.Behind == 0:
		fmt.Fprintf(&b, " -> %s", st.Remote) // "in step" says the rest
	default:
		fmt.Fprintf(&b, " -> %s: %s", st.Remote, p.Warn(fmt.Sprintf("%d ahead, %d behind", *st.Ahead, *st.Behind)))
	}
	return b.String()
}

func pullLine(st engine.RepoStatus, now time.Time) string {
	failed := ""
	if st.PullFailures > 0 && st.LastPullFailure != nil {
		failed = fmt.Sprintf("; the pull before read-only commands failed %d time%s in a row, last %s ago", st.PullFailures,
			map[bool]string{true: "", false: "s"}[st.PullFailures == 1], age(now.Sub(*st.LastPullFailure)))
		if st.PullBackoffLeftSeconds > 0 {
			failed += fmt.Sprintf(" (they skip it for %s more; --force-sync or `opsync sync` tries now)",
				age(time.Duration(st.PullBackoffLeftSeconds*float64(time.Second))))
		}
	}
	if st.LastPull == nil {
		return "never by opsync" + failed
	}
	s := age(now.Sub(*st.LastPull)) + " ago"
	switch {
	case st.CooldownSeconds == 0:
		s += " (no cooldown: every command pulls)"
	case st.CooldownLeftSeconds > 0:
		s += fmt.Sprintf(" (cooldown: %s left)", age(time.Duration(st.CooldownLeftSeconds*float64(time.Second))))
	default:
		s += " (cooldown over: the next abra app command pulls)"
	}
	return s + failed
}

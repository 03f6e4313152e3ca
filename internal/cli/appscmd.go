package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/ui"
)

type appsOptions struct {
	q    engine.AppsQuery
	json bool
}

func newAppsCmd(e *env) *cobra.Command {
	var o appsOptions
	cmd := &cobra.Command{
		Use:   "apps [--server S] [--app A] [--attention] [--json]",
		Short: "Show every app: the version its env file says, its last entry, and what needs you",
		Long: `Show one line per app (env file) of every opted-in repository: its server, the
version its env file's version line says, its last log entry (who, when, which
command, with what result), and flags for what needs an operator:

  failed             the last command that changes the server failed
  interrupted        the last entry is interrupted (opsync stopped while abra ran),
                     or a killed opsync left a command not logged yet
  undeployed-change  the env file is not what its last deploy, upgrade or rollback
                     left: a config edit not deployed yet
  uncommitted        the env file differs from its committed version
  unpushed           its last entry is not on the remote branch yet
  leased             someone holds a lease on it (as of your last pull)

It reads the files and the local log only: no network, no abra. Run "opsync sync"
first to see what teammates pushed since your last pull. --server and --app take
exact names; --attention lists only the apps with a flag (or that could not be
read). --json prints an array,
an object per app (keys in docs/json.md). The exit status is 0, also when a
repository's log cannot be read: its apps are listed with the error (on stderr,
and in "error" with --json), without flags.`,
		Example: `  opsync apps
  opsync apps --attention
  opsync apps --server server1.example.org
  opsync apps --json | jq -r '.[] | select(.flags | index("undeployed-change")) | .app'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, f := range []struct{ flag, value string }{{"server", o.q.Server}, {"app", o.q.App}} {
				if err := checkAppsName(f.flag, f.value, cmd.Flags().Changed(f.flag)); err != nil {
					return err
				}
			}
			return runApps(cmd.Context(), e, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.q.Server, "server", "", "only the apps of this server (the server directory's exact name)")
	f.StringVar(&o.q.App, "app", "", "only this app (the env file's exact name without .env)")
	f.BoolVar(&o.q.Attention, "attention", false, "only the apps with a flag (or that could not be read)")
	f.BoolVar(&o.json, "json", false, "print a JSON array, an object per app")
	cmd.RegisterFlagCompletionFunc("app", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return completeNames(e, true), cobra.ShellCompDirectiveNoFileComp
	})
	cmd.RegisterFlagCompletionFunc("server", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return completeNames(e, false), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// checkAppsName refuses a --server or --app that cannot name a server
// directory or an env file: empty, a path, or holding control characters.
func checkAppsName(flag, v string, given bool) error {
	if !given {
		return nil
	}
	if v == "" || v == "." || v == ".." || strings.HasPrefix(v, ".") || strings.ContainsAny(v, "/\x00") || !ui.Printable(v) {
		return &exitError{code: engine.ExitUsage, msg: fmt.Sprintf("--%s %s is not a name opsync apps can match: it takes the exact name of a "+
			"server directory or of an app (its env file without .env), without a path, a leading dot or control characters; "+
			"`opsync apps` lists the names", flag, ui.Escape(fmt.Sprintf("%q", v)))}
	}
	return nil
}

func runApps(ctx context.Context, e *env, o appsOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	eng := e.engine(false)
	rs, err := logRepos(eng, "")
	if err != nil {
		return err
	}
	apps := eng.Apps(ctx, rs, o.q)
	warned := map[string]bool{}
	for _, a := range apps {
		if a.Error != "" && !warned[a.Repo+"\x00"+a.Error] {
			warned[a.Repo+"\x00"+a.Error] = true
			ui.Say(e.stderr, fmt.Sprintf("warning: %s: its apps are listed without flags", ui.EscapeText(a.Error)))
		}
	}
	out := bufio.NewWriterSize(e.stdout, 64<<10)
	defer out.Flush()
	if o.json {
		arr := &jsonArray{w: out}
		for _, a := range apps {
			if err := arr.add(a); err != nil {
				return err
			}
		}
		return arr.close()
	}
	if len(apps) == 0 {
		switch {
		case o.q.Attention:
			ui.Say(e.stderr, "no app needs you")
		default:
			ui.Say(e.stderr, "no app found in the server directories of the opted-in repositories")
		}
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tAPP\tVERSION\tWHO\tWHEN\tCOMMAND\tRESULT\tFLAGS")
	for _, a := range apps {
		fmt.Fprintln(tw, appLine(a))
	}
	return tw.Flush()
}

// appLine is one app's line of the table, every field read from the
// repository escaped.
func appLine(a engine.AppState) string {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return ui.Escape(s)
	}
	who, when, command, result := "-", "-", "-", "-"
	if le := a.Last; le != nil {
		who, command = dash(le.Author), dash(le.Entry.Command)
		if !le.Time.IsZero() {
			when = le.Time.In(time.Local).Format("2006-01-02 15:04")
		}
		switch {
		case le.Entry.Unknown():
			result = "interrupted"
		case le.Failed():
			result = fmt.Sprintf("exit %d", le.Entry.Exit)
		default:
			result = "ok"
		}
	}
	flags := strings.Join(a.Flags, ",")
	if a.Error != "" {
		flags = "(unreadable)"
	}
	return strings.Join([]string{dash(a.Server), dash(a.App), dash(a.Version), who, when, command, result, dash(flags)}, "\t")
}

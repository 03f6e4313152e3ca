package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/config"
	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/servers"
	"coopcloud.tech/opsync/internal/ui"
)

type logOptions struct {
	q       engine.LogQuery
	json    bool
	repo    string
	color   string
	noPager bool
	oneline bool // a session's entries collapsed to one line (logsessions.go)
}

func newLogCmd(e *env) *cobra.Command {
	var o logOptions
	cmd := &cobra.Command{
		Use:   "log [--app A] [--server S] [--operator O] [--command C] [--grep T] [--session ID] [--signed] [--since T] [--until T] [--failed] [--limit N] [--json]",
		Short: "Show the operator log: who ran what, on which app, with what result",
		Long: `Show the operator log, newest first: one line per logged abra command (when, who,
the command as typed with secrets redacted, its exit status), read from the commits'
Opsync-* trailers. Commits made by hand, without trailers, are shown too, marked
(manual); merge commits that pulls make are left out unless --merges is given.

It reads every repository that holds an opted-in server directory (or the one
holding --repo DIR), as it is locally: run "opsync sync" first to include what
teammates pushed since your last pull.

--command takes an abra command as abra does, by any alias and with or without "app"
(deploy, d, app d, secret insert); a command group ("app secret") selects all of its
commands. --grep searches the subject, the body and the reason for literal text in any
case (not the trailers). --session selects the entries of one session (Opsync-Session).

Each entry's signature is checked with git's own verification (commit.gpgsign
signs entries; for SSH keys, gpg.ssh.allowedSignersFile says whose they are): a
signed entry is marked "signed by <signer>", "BAD SIGNATURE" or "signed by an
unknown key"; an unsigned one is not marked. --signed lists only entries with a
good signature.

--server matches both sides of an app move. --operator matches part of the author's
name or email, in any case. --since and --until take a date (2026-11-25, today,
yesterday: the whole day counts), a date and time (2026-11-25 14:02, or RFC 3339
like 2026-11-25T14:02:00Z), or a time ago (3 days ago, 2.weeks, 36h).

--json prints one JSON array, an object per entry, with the keys documented in the
README ("opsync log"); manual commits have "manual": true and "exit": null.`,
		Example: `  opsync log --limit 20
  opsync log --app wiki.example.org --since 2.weeks
  opsync log --server server1.example.org --failed
  opsync log --command d --app wiki.example.org --limit 5
  opsync log --grep "disk full"
  opsync log --operator alice --since 2026-11-01 --until 2026-11-30 --json | jq length`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.q.Limit < 0 {
				return &exitError{code: engine.ExitUsage, msg: "--limit must be 0 (no limit) or more"}
			}
			if o.oneline && (o.json || o.q.Patch) {
				return &exitError{code: engine.ExitUsage, msg: "--oneline collapses a session's entries for people; it does not go with --json or --patch"}
			}
			return runLog(cmd.Context(), e, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.q.App, "app", "", "only entries for this app (domain)")
	f.StringVar(&o.q.Server, "server", "", "only entries on this server")
	f.StringVar(&o.q.Operator, "operator", "", "only entries whose author's name or email contains this")
	f.StringVar(&o.q.Since, "since", "", "only entries from this time on (2026-11-25, yesterday, 2.weeks, 3 days ago, RFC 3339)")
	f.StringVar(&o.q.Until, "until", "", "only entries up to this time (same forms as --since)")
	f.IntVar(&o.q.Limit, "limit", 0, "show at most `N` entries (0: all)")
	f.BoolVar(&o.q.Failed, "failed", false, "only entries whose command failed")
	f.BoolVar(&o.q.Merges, "merges", false, "also show merge commits")
	f.StringVar(&o.q.Command, "command", "", "only entries of this abra command (`CMD`: deploy, d, app d, secret insert; a group such as \"app secret\" selects all of its commands)")
	f.StringVar(&o.q.Grep, "grep", "", "only entries whose subject, body or reason contains this `TEXT` (literal, any case)")
	f.BoolVar(&o.q.Patch, "patch", false, "show what each entry changed in its env file, key by key (as opsync show)")
	f.StringVar(&o.q.Session, "session", "", "only entries of this session (`ID`, the Opsync-Session trailer)")
	f.BoolVar(&o.q.Signed, "signed", false, "only entries with a good signature (README: \"Signed entries\")")
	f.BoolVar(&o.json, "json", false, "print one JSON array")
	f.BoolVar(&o.oneline, "oneline", false, "show each run of a session's entries as one line")
	f.StringVar(&o.repo, "repo", "", "read only the repository holding `DIR`")
	f.BoolVar(&o.noPager, "no-pager", false, "do not page the output on a terminal ($OPSYNC_PAGER, $PAGER, less -FRX)")
	cmd.MarkFlagDirname("repo")
	addColorFlag(cmd, &o.color)
	cmd.RegisterFlagCompletionFunc("app", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return completeNames(e, true), cobra.ShellCompDirectiveNoFileComp
	})
	cmd.RegisterFlagCompletionFunc("server", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return completeNames(e, false), cobra.ShellCompDirectiveNoFileComp
	})
	cmd.RegisterFlagCompletionFunc("command", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var names []string
		for _, c := range abra.Root.Lookup("app").Sub {
			names = append(names, c.Name)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
	for _, name := range []string{"operator", "since", "until", "limit", "grep", "session"} {
		cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
	return cmd
}

func runLog(ctx context.Context, e *env, o logOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	pal, err := e.palette(o.color)
	if err != nil {
		return err
	}
	eng := e.engine(false)
	rs, err := logRepos(eng, o.repo)
	if err != nil {
		return err
	}
	o.q.Signatures = true // each entry is marked with its signature
	return e.paged(o.noPager, func(w io.Writer) error { return printLog(ctx, e, eng, rs, o, pal, w) })
}

func printLog(ctx context.Context, e *env, eng *engine.Engine, rs []*engine.Repository, o logOptions, pal ui.Palette, w io.Writer) error {
	// Buffered: one write per entry would be most of the cost of a long
	// log. Entries still leave as git streams them, a buffer at a time.
	out := bufio.NewWriterSize(w, 64<<10)
	defer out.Flush()
	if o.json {
		arr := &jsonArray{w: out}
		if err := eng.Log(ctx, rs, o.q, func(le engine.LogEntry) error {
			if o.q.Patch {
				return arr.add(engine.ShownEntry{LogEntry: le, Changes: le.Changes})
			}
			return arr.add(le)
		}); err != nil {
			return err
		}
		if err := arr.close(); err != nil {
			return err
		}
		return out.Flush()
	}
	n := 0
	sp := &sessionPrinter{w: out, p: pal, oneline: o.oneline, patch: o.q.Patch}
	err := eng.Log(ctx, rs, o.q, func(le engine.LogEntry) error {
		n++
		return sp.entry(le)
	})
	if err != nil {
		return err
	}
	if err := sp.flush(); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if n == 0 {
		if o.q == (engine.LogQuery{Merges: o.q.Merges, Patch: o.q.Patch, Signatures: o.q.Signatures}) {
			ui.Say(e.stderr, "the operator log is empty")
		} else {
			ui.Say(e.stderr, "no log entries match")
		}
	}
	return nil
}

func noLogHere(all []*engine.Repository) error {
	for _, rp := range all {
		if rp.Git {
			return &exitError{code: engine.ExitConfig, msg: fmt.Sprintf("operator sync is off for %s (%s), so it holds no operator log opsync reads by default; "+
				"read it anyway with `opsync log --repo %s`", rp.Name(), rp.Reason, rp.Path)}
		}
	}
	return &exitError{code: engine.ExitConfig, msg: "no server directory of the abra directory is in a git repository, so there is no operator log yet; `opsync init` sets one up"}
}

// printLogLine writes one entry: id, local date and time, author, the
// command as logged, and how it ended. Everything but the id and the date
// is a teammate's text: it is printed through ui.Escape, so no control,
// bidi or zero-width character reaches the terminal. What opsync could not
// read of the commit is named at the end ("(unreadable: author)").
func printLogLine(w io.Writer, p ui.Palette, le engine.LogEntry) error {
	var mark string
	switch {
	case le.Merge:
		mark = p.Note("(merge)")
	case le.Manual:
		mark = p.Note("(manual)")
	case le.Entry.Unknown():
		mark = p.Bad("exit unknown (opsync stopped while abra ran)")
	case le.Failed():
		mark = p.Bad(fmt.Sprintf("exit %d, failed", le.Entry.Exit))
	default:
		mark = p.Dim("exit 0")
	}
	if le.Entry.Deployed != "" {
		mark += "  deployed " + ui.Escape(le.Entry.Deployed)
	}
	mark += signatureMark(p, le.Signature)
	if len(le.Unreadable) > 0 {
		mark += " " + p.Note("(unreadable: "+strings.Join(le.Unreadable, ", ")+")")
	}
	subject := ui.Escape(le.Entry.Line)
	if le.Failed() {
		subject = p.Bad(subject)
	}
	if le.Entry.Reason != "" {
		mark += "  " + p.Note("reason: "+ui.Escape(le.Entry.Reason))
	}
	when := "????-??-?? ??:??"
	if !le.Time.IsZero() {
		when = le.Time.In(time.Local).Format("2006-01-02 15:04")
	}
	_, err := fmt.Fprintf(w, "%s %s  %-8s  %s  %s\n", p.ID(shortID(ui.Escape(le.Commit))),
		when, ui.Escape(le.Author), subject, mark)
	return err
}

// completable reports whether a file name may be offered as an app or
// server name: letters, digits, '.', '-' and '_' only, as abra's domain-like
// names are. Anything else read from the repository's file names is left
// out: raw, a newline would add candidates, a tab would start a
// description, an escape sequence would reach the terminal and '*' or ':!'
// would reach the shell or git as patterns; escaped, it would complete to
// a name that is not there.
func completable(n string) bool {
	if n == "" || !ui.Printable(n) {
		return false
	}
	for _, r := range n {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(".-_", r) {
			return false
		}
	}
	return true
}

// completeNames lists app (env file) or server names for shell completion.
func completeNames(e *env, apps bool) []string {
	dir, _ := os.Getwd()
	cfg, err := config.Load(dir, e.getenv)
	if err != nil {
		return nil
	}
	layout := servers.Layout{AbraDir: cfg.AbraDir}
	seen := map[string]bool{}
	if apps {
		files, _ := layout.EnvFiles()
		for _, a := range files {
			seen[a.Name] = true
		}
	} else {
		srvs, _ := layout.Servers()
		for _, s := range srvs {
			seen[s.Name] = true
		}
	}
	var out []string
	for n := range seen {
		if completable(n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// logRepos are the repositories whose log log and show read: the one
// holding --repo DIR, else every one with sync on.
func logRepos(eng *engine.Engine, dir string) ([]*engine.Repository, error) {
	if dir != "" {
		return repos(eng, dir)
	}
	all, err := eng.Repos()
	if err != nil {
		return nil, err
	}
	rs := engine.OptedIn(all)
	if len(rs) == 0 {
		return nil, noLogHere(all)
	}
	return rs, nil
}

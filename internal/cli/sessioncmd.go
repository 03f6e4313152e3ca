package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/ui"
)

func newSessionCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "session",
		Short: "Group related commands under one summary: session start, status, end",
		Long: `A session groups the log entries of one piece of work under a summary, without
rewriting any history: "opsync session start" logs an entry of its own in every
repository with an opted-in server directory, and every entry you make until
"opsync session end" (also an entry) or the end of its time carries the trailer
Opsync-Session: <id>. "opsync log" shows a session's entries under its summary.

The session is remembered on this machine, for you ($XDG_STATE_HOME/opsync, else
~/.local/state/opsync), not in the shared repository. OPSYNC_SESSION=<id> joins a
session from a script: the entries of commands it is set for carry that id, whatever
session is remembered.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newSessionStartCmd(e), newSessionEndCmd(e), newSessionStatusCmd(e))
	return cmd
}

func newSessionStartCmd(e *env) *cobra.Command {
	var d time.Duration
	cmd := &cobra.Command{
		Use:   `start "SUMMARY" [--for 2h]`,
		Short: "Begin a session: its entry is logged and pushed, and your entries carry its id",
		Long: `Begin a session for you on every repository with an opted-in server directory:
each is pulled, then gets the entry "opsync session start: SUMMARY" (Opsync-Command:
opsync session start, Opsync-Session: <id>), which is pushed. Until "opsync session
end" or the end of --for, every entry you make carries Opsync-Session: <id>.

SUMMARY is one line of printable text, at most 100 characters; the credentials of a
URL in it are redacted. --for is from 1m to 24h (default 2h). The id (the date and 8
hexadecimal digits, 20261202-3fa9c1d2) is printed on stdout.

Exit status: 0; 64 when the summary or --for is refused, a session is running already
(end it first) or OPSYNC_SESSION is set; 75 when an entry could not be pushed (the
session is started; "opsync sync" pushes it); 76 when an entry could not be committed;
77 when a pull failed, the repository's state or lock stops it (nothing is logged and
no session started); 78 when nothing is set up for sync.`,
		Example: `  opsync session start "upgrade the wikis to 1.3"
  opsync session start "migrate chat to server2" --for 4h`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &exitError{code: engine.ExitUsage, msg: fmt.Sprintf("give the summary as one argument, in quotes: "+
					"opsync session start \"upgrade the wikis\" (%d arguments were given)", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := interruptible()
			defer stop()
			res, err := e.engine(false).StartSession(ctx, args[0], d)
			if err != nil {
				return err
			}
			s := res.Session
			ui.Say(e.stderr, fmt.Sprintf("session %s started: %s, until %s (%s); your entries carry Opsync-Session: %s until `opsync session end`",
				s.ID, ui.Escape(s.Summary), s.Until.In(time.Local).Format("15:04"), shortDur(d), s.ID))
			fmt.Fprintln(e.stdout, s.ID)
			if res.Code != 0 {
				return &exitError{code: res.Code}
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&d, "for", engine.DefaultSessionFor, "how long the session lasts (`DURATION`, 1m to 24h)")
	cmd.RegisterFlagCompletionFunc("for", cobra.FixedCompletions([]string{"30m", "1h", "2h", "4h", "8h"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func newSessionEndCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "end",
		Short: "End your session: its end is logged and pushed",
		Long: `End your session: every repository with an opted-in server directory is pulled and gets the entry "opsync session end: SUMMARY"
(with its Opsync-Session), which is pushed; then the session is forgotten and your
entries carry none. A session whose time ran out has ended already: it is forgotten,
nothing is logged.

Exit status: 0; 64 when no session is running; 75, 76, 77, 78 as for session start
(on 77 the session is still running).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := interruptible()
			defer stop()
			eng := e.engine(false)
			res, err := eng.EndSession(ctx)
			if err != nil {
				return err
			}
			s := res.Session
			if len(res.Logged) == 0 {
				ui.Say(e.stderr, fmt.Sprintf("session %s (%s) had already ended: its time ran out at %s. Nothing was logged; it is forgotten",
					s.ID, ui.Escape(s.Summary), s.Until.In(time.Local).Format("2006-01-02 15:04")))
				return nil
			}
			ui.Say(e.stderr, fmt.Sprintf("session %s ended: %s (started %s)", s.ID, ui.Escape(s.Summary), s.Started.In(time.Local).Format("15:04")))
			if res.Code != 0 {
				return &exitError{code: res.Code}
			}
			return nil
		},
	}
}

// sessionStatus is `opsync session status --json` (docs/json.md): every
// key always present.
type sessionStatus struct {
	// Active: the entries made now carry ID.
	Active  bool   `json:"active"`
	ID      string `json:"id"`
	Summary string `json:"summary"`
	// Source is "started" (opsync session start, on this machine),
	// "environment" (OPSYNC_SESSION) or "" (no session).
	Source      string   `json:"source"`
	Started     string   `json:"started"`
	Until       string   `json:"until"`
	Expired     bool     `json:"expired"`
	SecondsLeft int64    `json:"seconds_left"`
	Repos       []string `json:"repos"`
}

func newSessionStatusCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [--json]",
		Short: "Show your current session: id, summary, started, time left, repositories",
		Long: `Show the session your entries carry now: its id, summary, when it started, the time
left and the repositories it was started in. OPSYNC_SESSION, when set, is the one
shown (its summary is read from its start entry in the log). A session whose time ran
out is shown as expired: entries no longer carry it.

Exit status: 0 (also when there is no session); 78 when OPSYNC_SESSION is no session id
or the session file cannot be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := currentSession(cmd.Context(), e)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(e.stdout, st)
			}
			if st.ID == "" {
				ui.Say(e.stderr, "no session is running (`opsync session start \"summary\"` begins one)")
				return nil
			}
			printSessionStatus(e.stdout, e, st)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// currentSession finds the session entries carry now, or the one remembered
// that expired.
func currentSession(ctx context.Context, e *env) (sessionStatus, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	st := sessionStatus{Repos: []string{}}
	eng := e.engine(false)
	now := e.now()
	if id := e.getenv(engine.SessionEnv); id != "" {
		if _, _, err := eng.EntrySession(); err != nil {
			return st, err
		}
		st.Active, st.ID, st.Source = true, id, "environment"
		if all, err := eng.Repos(); err == nil {
			rs := engine.OptedIn(all)
			st.Summary = eng.SessionSummary(ctx, rs, id)
			for _, rp := range rs {
				st.Repos = append(st.Repos, rp.Path)
			}
		}
		return st, nil
	}
	s, err := eng.StoredSession()
	if err != nil {
		return st, &exitError{code: engine.ExitConfig, msg: err.Error()}
	}
	if s == nil {
		return st, nil
	}
	st.ID, st.Summary, st.Source = s.ID, s.Summary, "started"
	st.Started, st.Until = s.Started.Format(time.RFC3339), s.Until.Format(time.RFC3339)
	st.Expired = s.Expired(now)
	st.Active = !st.Expired
	if st.Active {
		st.SecondsLeft = int64(s.Until.Sub(now) / time.Second)
	}
	st.Repos = append(st.Repos, s.Repos...)
	return st, nil
}

func printSessionStatus(w io.Writer, e *env, st sessionStatus) {
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(w, "%-8s %s\n", name, value)
		}
	}
	field("session", ui.Escape(st.ID))
	field("summary", ui.Escape(st.Summary))
	if st.Source == "environment" {
		if st.Summary == "" {
			field("summary", "(no start entry of it in the log)")
		}
		field("from", engine.SessionEnv+": the entries of commands it is set for carry it")
	}
	local := func(s string) string {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return s
		}
		return t.In(time.Local).Format("2006-01-02 15:04")
	}
	if st.Started != "" {
		field("started", local(st.Started))
	}
	switch {
	case st.Expired:
		field("until", local(st.Until)+"  expired: your entries no longer carry it (`opsync session end` clears it)")
	case st.Until != "":
		field("until", fmt.Sprintf("%s  %s left", local(st.Until), shortDur(time.Duration(st.SecondsLeft)*time.Second)))
	}
	var names []string
	for _, r := range st.Repos {
		names = append(names, ui.Escape(ui.HomePath(r, e.getenv("HOME"))))
	}
	field("repos", strings.Join(names, ", "))
}

// shortDur writes 2h, 1h30m, 45m rather than 2h0m0s (to the minute from
// a minute on).
func shortDur(d time.Duration) string {
	if d >= time.Minute {
		d = d.Round(time.Minute)
	}
	return engine.ShortDuration(d)
}

package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/ui"
	"coopcloud.tech/opsync/oplog"
)

type showOptions struct {
	json    bool
	repo    string
	color   string
	noPager bool
}

func newShowCmd(e *env) *cobra.Command {
	var o showOptions
	cmd := &cobra.Command{
		Use:   "show ENTRY [--json] [--repo DIR]",
		Short: "Show one log entry in full: command, result, who, when, why, and what it changed by key",
		Long: `Show one entry of the operator log in full: the command as logged, how it ended and
how long it took, what it left deployed, who ran it (git identity and host) and when,
the reason, the session, the conflicts opsync resolved for it, its signature (good,
bad, unsigned or unknown key, with the signer), and what it changed in
the env file, key by key: variables added (+), removed (-) and changed (~, old → new),
with their values as git has them; a change of comments or layout only is said so.

ENTRY is the commit id opsync log prints, or a longer prefix of it (4 to 64
hexadecimal digits). It is looked up in every repository opsync log reads (or the one
holding --repo DIR).

--json prints one object: the keys of "opsync log --json" and "changes" (docs/json.md).`,
		Example: `  opsync show 3f2a9c1
  opsync show 3f2a9c1 --json | jq '.changes[].changed'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runShow(cmd.Context(), e, o, args[0])
		},
		ValidArgsFunction: cobra.NoFileCompletions,
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print one JSON object")
	f.StringVar(&o.repo, "repo", "", "look in the repository holding `DIR` only")
	f.BoolVar(&o.noPager, "no-pager", false, "do not page the output on a terminal ($OPSYNC_PAGER, $PAGER, less -FRX)")
	cmd.MarkFlagDirname("repo")
	addColorFlag(cmd, &o.color)
	return cmd
}

func runShow(ctx context.Context, e *env, o showOptions, ref string) error {
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
	shown, err := eng.Show(ctx, rs, ref)
	if err != nil {
		return err
	}
	return e.paged(o.noPager, func(w io.Writer) error {
		out := bufio.NewWriter(w)
		if o.json {
			enc := json.NewEncoder(out)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(shown); err != nil {
				return err
			}
			return out.Flush()
		}
		printShown(out, pal, shown)
		return out.Flush()
	})
}

// printShown writes an entry in full. Everything read from the commit is
// a teammate's text: it goes through ui.Escape.
func printShown(w io.Writer, p ui.Palette, s engine.ShownEntry) {
	le, en := s.LogEntry, s.Entry
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(w, "%-9s %s\n", name, value)
		}
	}
	fmt.Fprintf(w, "%-9s %s\n", "entry", p.ID(ui.Escape(le.Commit)))
	field("repo", ui.Escape(le.Repo))
	switch {
	case le.Merge:
		field("merge", ui.Escape(en.Line))
	case le.Manual:
		field("manual", ui.Escape(en.Line)+"  "+p.Note("(a commit made by hand: no Opsync trailers)"))
	default:
		field("command", ui.Escape(en.Line))
		result := en.Result()
		if le.Failed() {
			result = p.Bad(result)
		}
		field("result", result)
		where := ui.Escape(en.App)
		if en.Server != "" {
			where += " on server " + ui.Escape(en.Server)
		}
		field("app", strings.TrimSpace(where))
		if en.MovedFrom != "" || en.MovedTo != "" {
			field("moved", strings.TrimSpace(ui.Escape(en.MovedFrom)+" → "+ui.Escape(en.MovedTo)))
		}
		field("deployed", ui.Escape(en.Deployed))
	}
	who := ui.Escape(le.Author)
	if le.Email != "" {
		who += " <" + ui.Escape(le.Email) + ">"
	}
	if host := oplog.OperatorHost(en.Operator); host != "" {
		who += " on " + ui.Escape(host)
	}
	field("who", who)
	if name := oplog.OperatorName(en.Operator); en.Operator != "" && name != strings.TrimSpace(le.Author+" <"+le.Email+">") {
		field("operator", ui.Escape(en.Operator))
	}
	if !le.Time.IsZero() {
		field("when", le.Time.In(time.Local).Format("2006-01-02 15:04:05 -0700"))
	}
	field("reason", ui.Escape(en.Reason))
	if le.SessionSummary != "" {
		field("session", ui.Escape(en.Session)+"  "+ui.Escape(le.SessionSummary))
	} else {
		field("session", ui.Escape(en.Session))
	}
	for _, r := range en.Resolved {
		field("resolved", ui.Escape(r))
	}
	for _, t := range en.Extra {
		field("trailer", ui.Escape(t.Key+": "+t.Value))
	}
	field("signature", signatureDetail(p, le.Signature))
	if len(le.Unreadable) > 0 {
		field("unreadable", p.Note(strings.Join(le.Unreadable, ", ")))
	}
	printChanges(w, p, s.Changes, "")
}

// printChanges writes the key-level diff of each file, indented by indent.
func printChanges(w io.Writer, p ui.Palette, changes []engine.FileDiff, indent string) {
	if len(changes) == 0 {
		fmt.Fprintf(w, "%s%s\n", indent, p.Dim("no file changed"))
		return
	}
	for _, d := range changes {
		head := ui.Escape(d.Path)
		if d.Status != "modified" {
			head += " (" + d.Status + ")"
		}
		fmt.Fprintf(w, "%s%s\n", indent, p.Bold(head))
		for _, c := range d.Added {
			fmt.Fprintf(w, "%s  %s %s=%s\n", indent, p.Good("+"), ui.Escape(c.Key), ui.Escape(c.New))
		}
		for _, c := range d.Removed {
			fmt.Fprintf(w, "%s  %s %s=%s\n", indent, p.Bad("-"), ui.Escape(c.Key), ui.Escape(c.Old))
		}
		for _, c := range d.Changed {
			fmt.Fprintf(w, "%s  ~ %s: %s → %s\n", indent, ui.Escape(c.Key), ui.Escape(c.Old), ui.Escape(c.New))
		}
		if d.CommentsOnly {
			fmt.Fprintf(w, "%s  %s\n", indent, p.Dim("no key changed: comments or layout only"))
		}
	}
}

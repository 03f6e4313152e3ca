package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/ui"
	"coopcloud.tech/opsync/oplog"
)

// mostPulledShown is how many of the entries a pull brought are named.
const mostPulledShown = 3

// sayPulled tells the operator what a pull before a command brought: the
// teammates' entries by name ("Alice: abra app rollback wiki.example.org
// 1.2.0+1.1, 2 min ago"), a count past a few. When one of them changed the
// app this command is about to change, it says so before abra runs. One
// `git log`, only when the pull brought something.
func (run *Run) sayPulled(ctx context.Context, r *repo, res pullResult) {
	if res.before == "" {
		run.e.event(EventPulled, "pulled %s from %s", r.name(), r.target())
		return
	}
	lr := r.c.StartLog(ctx, git.LogFilter{Revs: res.before + ".." + res.after})
	var shown []string
	n := 0
	app := run.Inv.App
	var touched []string
	now := run.e.o.Now()
	for {
		c, ok := lr.Next()
		if !ok {
			break
		}
		n++
		e, isEntry := oplog.Parse(c.Message)
		what := e.Line
		if !isEntry {
			what += " (by hand)"
		}
		// Each line escaped on its own: the lines are joined with newlines.
		line := ui.Escape(fmt.Sprintf("%s: %s, %s", c.AuthorName, what, ago(now.Sub(c.AuthorTime))))
		if len(shown) < mostPulledShown {
			shown = append(shown, line)
		}
		if isEntry && app != "" && strings.EqualFold(e.App, app) && len(touched) < mostPulledShown {
			touched = append(touched, line)
		}
	}
	if err := lr.Close(); err != nil || n == 0 {
		run.e.event(EventPulled, "pulled new changes into %s from %s (%.7s..%.7s)", r.name(), r.target(), res.before, res.after)
		return
	}
	more := ""
	if n > len(shown) {
		more = fmt.Sprintf("\n… and %d more (`opsync log` lists them)", n-len(shown))
	}
	run.e.event(EventPulled, "pulled new changes into %s from %s (%.7s..%.7s), %s:\n%s%s", r.name(), r.target(), res.before, res.after,
		fmt.Sprintf("%d commit%s", n, plural(n)), strings.Join(shown, "\n"), more)
	if len(touched) > 0 && run.Modifies {
		run.e.note("%s was changed by a teammate since your last pull (%s); abra runs with the file as it is now",
			app, strings.Join(touched, "; "))
	}
}

// ago says how long ago, for people: "just now", "5 min ago", "3 h ago",
// "2 days ago".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

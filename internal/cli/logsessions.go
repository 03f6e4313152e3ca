package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/ui"
)

// sessionPrinter prints `opsync log` as it streams, grouping by session
// (the Opsync-Session trailer, nothing else): a run of consecutive entries
// of one session is printed under a header, the session's id and summary,
// each entry indented. An entry of no session, or of another, ends the
// run where it stands — the log is never reordered — and when the
// session's entries go on below it the header is printed again. With
// oneline each run is collapsed to one line: the newest entry's id and
// time, the authors, the summary, how many entries (how many failed) and
// the times they span.
type sessionPrinter struct {
	w       io.Writer
	p       ui.Palette
	oneline bool
	patch   bool

	cur string            // the session of the run being printed; "" = none
	run []engine.LogEntry // oneline: the run being collapsed, newest first
}

func (sp *sessionPrinter) entry(le engine.LogEntry) error {
	sid := le.Entry.Session
	if sid == "" || sid != sp.cur {
		if err := sp.flush(); err != nil {
			return err
		}
	}
	if sid == "" {
		sp.cur = ""
		if err := printLogLine(sp.w, sp.p, le); err != nil {
			return err
		}
		if sp.patch {
			printChanges(sp.w, sp.p, le.Changes, "    ")
		}
		return nil
	}
	if sp.oneline {
		sp.cur, sp.run = sid, append(sp.run, le)
		return nil
	}
	if sid != sp.cur {
		sp.cur = sid
		if _, err := fmt.Fprintln(sp.w, sessionHeader(sp.p, le)); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(sp.w, "  "); err != nil {
		return err
	}
	if err := printLogLine(sp.w, sp.p, le); err != nil {
		return err
	}
	if sp.patch {
		printChanges(sp.w, sp.p, le.Changes, "      ")
	}
	return nil
}

// sessionHeader is the line over a session's entries.
func sessionHeader(p ui.Palette, le engine.LogEntry) string {
	summary := ui.Escape(le.SessionSummary)
	if summary == "" {
		summary = p.Note("(its start entry is not in this log)")
	}
	return p.Bold("session "+ui.Escape(le.Entry.Session)) + "  " + summary
}

// flush prints the run collapsed (oneline), if one is held.
func (sp *sessionPrinter) flush() error {
	if len(sp.run) == 0 {
		return nil
	}
	run := sp.run
	sp.run = nil
	newest, oldest := run[0], run[len(run)-1]
	var authors []string
	failed := 0
	for _, le := range run {
		if a := ui.Escape(le.Author); !slices.Contains(authors, a) {
			authors = append(authors, a)
		}
		if le.Failed() {
			failed++
		}
	}
	count := fmt.Sprintf("%d entries", len(run))
	if len(run) == 1 {
		count = "1 entry"
	}
	mark := sp.p.Dim(count)
	if failed > 0 {
		mark += ", " + sp.p.Bad(fmt.Sprintf("%d failed", failed))
	}
	if span := timeSpan(oldest.Time, newest.Time); span != "" {
		mark += "  " + span
	}
	when := "????-??-?? ??:??"
	if !newest.Time.IsZero() {
		when = newest.Time.In(time.Local).Format("2006-01-02 15:04")
	}
	_, err := fmt.Fprintf(sp.w, "%s %s  %-8s  %s  %s\n", sp.p.ID(shortID(ui.Escape(newest.Commit))), when,
		strings.Join(authors, ", "), sessionHeader(sp.p, newest), mark)
	return err
}

// timeSpan writes the times a run spans, "14:02–15:10" (with the date
// when it changes); "" when a time is unknown.
func timeSpan(from, to time.Time) string {
	if from.IsZero() || to.IsZero() {
		return ""
	}
	from, to = from.In(time.Local), to.In(time.Local)
	end := to.Format("15:04")
	if from.Format("2006-01-02") != to.Format("2006-01-02") {
		end = to.Format("2006-01-02 15:04")
	}
	return from.Format("15:04") + "–" + end
}

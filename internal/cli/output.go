package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync"
	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/ui"
)

// Helpers the operator commands (status, sync, log) share.

// engine is the engine the operator commands use: sync pulls with the same
// env-aware merge driver as the wrapper's pulls.
// shareSSH lets its git processes share one ssh connection (the caller
// must Close the engine).
func (e *env) engine(shareSSH bool) *engine.Engine {
	o := e.engineOptions()
	o.MergeDriver, o.ShareSSH = mergeDriverCommand(), shareSSH
	return engine.New(o)
}

// engineOptions are what every engine the CLI makes is given: the
// environment, and the CLI's rendering of what the engine reports.
func (e *env) engineOptions() engine.Options {
	return engine.Options{Version: Version(), Getenv: e.getenv, Now: e.now, After: e.after, Report: func(ev engine.Event) { sayEvent(e.stderr, ev.Kind, ev.Message) }}
}

// reporter renders what the embedding contract reports as sayEvent does.
func (e *env) reporter() opsync.Reporter {
	return opsync.ReporterFunc(func(ev opsync.Event) { sayEvent(e.stderr, string(ev.Kind), ev.Message) })
}

// sayEvent prints one thing the engine reports as an opsync line on stderr:
// "opsync: warning: …" for a warning, "opsync: …" for most.
func sayEvent(w io.Writer, kind, msg string) {
	switch kind {
	case engine.EventWarning, engine.EventError, engine.EventNote:
		msg = kind + ": " + msg
	}
	ui.Say(w, msg)
}

// addColorFlag adds --color to a command that prints for people.
func addColorFlag(cmd *cobra.Command, mode *string) {
	cmd.Flags().StringVar(mode, "color", "auto", "colour the output `WHEN`: auto (on a terminal, unless NO_COLOR is set), always or never")
	cmd.RegisterFlagCompletionFunc("color", cobra.FixedCompletions(ui.ColorModes, cobra.ShellCompDirectiveNoFileComp))
}

// palette decides colour for the command's stdout.
func (e *env) palette(mode string) (ui.Palette, error) {
	on, err := ui.UseColor(e.stdout, mode, e.getenv)
	if err != nil {
		return ui.Palette{}, &exitError{code: engine.ExitUsage, msg: err.Error()}
	}
	return ui.Palette{On: on}, nil
}

// repos returns the repositories a command works on: the one holding dir
// when --repo is given, else every repository Repos lists.
func repos(eng *engine.Engine, dir string) ([]*engine.Repository, error) {
	if dir != "" {
		rp, err := eng.RepoAt(dir)
		if err != nil {
			return nil, err
		}
		return []*engine.Repository{rp}, nil
	}
	return eng.Repos()
}

// writeJSON writes v indented, as explain does.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(ui.JSONWriter(w))
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// jsonArray writes a JSON array one element at a time, one element per
// line, so a long array streams.
type jsonArray struct {
	w    io.Writer
	n    int
	done bool
}

func (a *jsonArray) add(v json.Marshaler) error {
	// The element's own JSON as it is: passing it through an encoder
	// would validate and compact it a second time, which is most of the
	// cost of a long log.
	b, err := v.MarshalJSON()
	if err != nil {
		return err
	}
	sep := ",\n"
	if a.n == 0 {
		sep = "[\n"
	}
	a.n++
	if _, err := io.WriteString(a.w, sep); err != nil {
		return err
	}
	_, err = a.w.Write(ui.EscapeJSON(b))
	return err
}

func (a *jsonArray) close() error {
	if a.n == 0 {
		_, err := io.WriteString(a.w, "[]\n")
		return err
	}
	_, err := io.WriteString(a.w, "\n]\n")
	return err
}

// age says how long ago for people: 12s, 3m12s, 5h3m, 4d2h.
func age(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}

func shortID(id string) string {
	if len(id) > 7 {
		return id[:7]
	}
	return id
}

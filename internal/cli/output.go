package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"coopcloud.tech/opsync"
	"coopcloud.tech/opsync/internal/ui"
)

// Helpers the operator commands (status, sync, log) share.

// engine is the engine the operator commands use: sync pulls with the same
// env-aware merge driver as the wrapper's pulls.
func (e *env) engine() *opsync.Engine {
	return opsync.New(opsync.Options{Version: Version(), Stderr: e.stderr, Getenv: e.getenv, Now: e.now, After: e.after, MergeDriver: mergeDriverCommand()})
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
		return ui.Palette{}, &exitError{code: opsync.ExitUsage, msg: err.Error()}
	}
	return ui.Palette{On: on}, nil
}

// repos returns the repositories a command works on: the one holding dir
// when --repo is given, else every repository Repos lists.
func repos(eng *opsync.Engine, dir string) ([]*opsync.Repository, error) {
	if dir != "" {
		rp, err := eng.RepoAt(dir)
		if err != nil {
			return nil, err
		}
		return []*opsync.Repository{rp}, nil
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

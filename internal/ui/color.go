package ui

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// ColorModes are the values of an operator command's --color flag.
var ColorModes = []string{"auto", "always", "never"}

// UseColor decides once, for output going to w, whether it gets ANSI
// colour. "always" and "never" are the operator's explicit choice (they win
// over NO_COLOR, as no-color.org asks of explicit flags). "auto" colours
// only a terminal, and not when NO_COLOR is set to anything or TERM is
// "dumb"; output into a pipe or a file is never coloured.
func UseColor(w io.Writer, mode string, getenv func(string) string) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
	default:
		return false, fmt.Errorf("--color must be one of %s, not %q", strings.Join(ColorModes, ", "), mode)
	}
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false, nil
	}
	f, ok := w.(*os.File)
	return ok && IsTerminal(f), nil
}

// Palette colours text, or leaves it alone when colour is off. The zero
// value is off, so code that prints can always use one.
type Palette struct {
	On bool
}

// SGR codes opsync uses; few, so the output stays readable on any theme.
const (
	sgrBold   = "1"
	sgrDim    = "2"
	sgrRed    = "31"
	sgrGreen  = "32"
	sgrYellow = "33"
	sgrCyan   = "36"
)

func (p Palette) paint(code, s string) string {
	if !p.On || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Bad is for failures and things that need the operator (failed entries,
// a merge in progress).
func (p Palette) Bad(s string) string { return p.paint(sgrRed, s) }

// Good is for a healthy state (sync on, in step).
func (p Palette) Good(s string) string { return p.paint(sgrGreen, s) }

// Warn is for states worth a look that are not failures (sync off,
// unpushed entries, lock held).
func (p Palette) Warn(s string) string { return p.paint(sgrYellow, s) }

// Note is for secondary marks (manual commits, merges).
func (p Palette) Note(s string) string { return p.paint(sgrCyan, s) }

// ID is for commit ids, coloured as git colours them.
func (p Palette) ID(s string) string { return p.paint(sgrYellow, s) }

// Dim is for labels and details.
func (p Palette) Dim(s string) string { return p.paint(sgrDim, s) }

// Bold is for headings (a repository's path in status).
func (p Palette) Bold(s string) string { return p.paint(sgrBold, s) }

package scripttest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/opsync/internal/ui"
)

// nocontrol stdout|stderr|FILE
//
// Fails if the text holds a character that must not reach a terminal as
// it is (ui.Invisible: C0 and C1 controls, DEL, U+2028/2029, bidi and
// zero-width characters, bytes that are not UTF-8), other than newline
// and tab. JSON output too must hold none: opsync writes them as \uXXXX
// there. The failure names each offending character and its line.
func cmdNoControl(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: nocontrol stdout|stderr|FILE")
	}
	var text string
	switch args[0] {
	case "stdout":
		text = ts.ReadFile("stdout")
	case "stderr":
		text = ts.ReadFile("stderr")
	default:
		text = ts.ReadFile(args[0])
	}
	if bad := rawControls(text); len(bad) > 0 {
		ts.Fatalf("%s holds characters a terminal would act on:\n%s", args[0], strings.Join(bad, "\n"))
	}
}

// rawControls lists the characters of text that nocontrol refuses, with
// their line.
func rawControls(text string) []string {
	var bad []string
	for n, line := range strings.Split(text, "\n") {
		for i := 0; i < len(line); {
			r, size := utf8.DecodeRuneInString(line[i:])
			i += size
			if r == '\t' || !ui.Invisible(r, size) {
				continue
			}
			bad = append(bad, fmt.Sprintf("line %d: %q in %q", n+1, line[i-size:i], line))
			if len(bad) == 20 {
				return bad
			}
		}
	}
	return bad
}

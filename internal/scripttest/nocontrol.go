package scripttest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/opsync/internal/ui"
)

// nocontrol [-json] stdout|stderr|FILE
//
// Fails if the text holds a character that must not reach a terminal as
// it is (ui.Invisible: C0 and C1 controls, DEL, U+2028/2029, bidi and
// zero-width characters, bytes that are not UTF-8), other than newline
// and tab. With -json the text is JSON output, which is exact: bidi and
// zero-width characters are allowed there (JSON need not escape them),
// controls, DEL, U+2028/2029 and bytes that are not UTF-8 are not. The
// failure names each offending character and the line it is on.
func cmdNoControl(ts *testscript.TestScript, neg bool, args []string) {
	json := len(args) > 0 && args[0] == "-json"
	if json {
		args = args[1:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: nocontrol [-json] stdout|stderr|FILE")
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
	if bad := rawControls(text, json); len(bad) > 0 {
		ts.Fatalf("%s holds characters a terminal would act on:\n%s", args[0], strings.Join(bad, "\n"))
	}
}

// rawControls lists the characters of text that nocontrol refuses, with
// their line.
func rawControls(text string, json bool) []string {
	var bad []string
	for n, line := range strings.Split(text, "\n") {
		for i := 0; i < len(line); {
			r, size := utf8.DecodeRuneInString(line[i:])
			i += size
			if r == '\t' || !ui.Invisible(r, size) {
				continue
			}
			if json && r > 0x9f && r != '\u2028' && r != '\u2029' {
				continue // bidi, zero-width: exact in JSON
			}
			bad = append(bad, fmt.Sprintf("line %d: %q in %q", n+1, line[i-size:i], line))
			if len(bad) == 20 {
				return bad
			}
		}
	}
	return bad
}

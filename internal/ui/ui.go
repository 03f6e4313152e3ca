// Package ui formats opsync's own words. stdout belongs to abra (and to
// --json output); everything opsync says goes to stderr, one message at a
// time, each line of it marked so it is never mistaken for abra's.
package ui

import (
	"io"
	"strings"
)

// Prefix starts every opsync message.
const Prefix = "opsync: "

// Say writes one message: the first line after "opsync: ", the following
// lines indented under it. Each line goes through Escape: a message may
// quote a teammate's text (a lease, a file name, git's stderr), and no
// control character of it reaches the terminal; Say's messages are never
// coloured.
func Say(w io.Writer, msg string) {
	lines := strings.Split(strings.TrimRight(msg, "\n"), "\n")
	var b strings.Builder
	for i, l := range lines {
		if i == 0 {
			b.WriteString(Prefix)
		} else if l != "" {
			b.WriteString(strings.Repeat(" ", len(Prefix)))
		}
		b.WriteString(Escape(l))
		b.WriteByte('\n')
	}
	io.WriteString(w, b.String())
}

package abra

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"coopcloud.tech/opsync/internal/ui"
)

// Redacted replaces every value that must never be logged.
const Redacted = "<redacted>"

// redactFrom returns the index of the first positional that must not be
// logged, or -1: secret insert's <data> (unless --file), everything after
// the remote command of app run / app command, and everything after their
// "--". For a command opsync does not know, every positional after the
// first (the app) is hidden, since nothing says what it holds. Hidden
// arguments always run to the end of the line.
func (inv *Invocation) redactFrom() int {
	from := -1
	hideFrom := func(i int) {
		if i >= 0 && (from < 0 || i < from) {
			from = i
		}
	}
	if inv.Cmd == nil {
		if inv.IsApp() {
			hideFrom(1)
		}
		return from
	}
	spec := inv.Cmd.Args
	if spec.SecretArg > 0 && !inv.Has(spec.SecretUnlessFlag) {
		hideFrom(spec.SecretArg)
	}
	if spec.RemoteCommandAt > 0 {
		at := spec.RemoteCommandAt
		if spec.RemoteCommandShiftFlag != "" && inv.Has(spec.RemoteCommandShiftFlag) {
			at--
		}
		hideFrom(at + 1)
		if inv.DashAt >= 0 {
			hideFrom(inv.DashAt)
		}
	}
	return from
}

// Canonical renders the command line for the operator log: "abra", the
// canonical command path (with any unknown flag typed between its words
// left there), then the arguments in the order typed, short flags
// spelled out as their long names, value flags as --name=value, and every
// secret replaced by <redacted> (a run of hidden arguments becomes one
// <redacted>, so not even their number shows). Arguments are shell-quoted
// where needed, so the line can be read, and parsed back, as a command.
//
// Where arguments are hidden, a word holding a flag abra does not know is
// hidden too: it is a secret or a remote command's option that happens to
// start with "-" (abra refuses it, but the attempt is still logged).
func (inv *Invocation) Canonical() string {
	from := inv.redactFrom()
	unknownWord := map[int]bool{}
	for _, t := range inv.tokens {
		if t.kind == tokFlag && !t.known {
			unknownWord[t.arg] = true
		}
	}
	// The command path comes first. A flag abra does not know that was
	// typed between command words stays where it was: after the next word
	// it might be a flag of that command, and mean something else.
	lastCmd := -1
	for i, t := range inv.tokens {
		if t.kind == tokCommand {
			lastCmd = i
		}
	}
	parts := []string{"abra"}
	inPath := func(i int, t token) bool { return i < lastCmd && t.kind == tokFlag && !t.known }
	pi := 0
	for i, t := range inv.tokens[:lastCmd+1] {
		switch {
		case t.kind == tokCommand:
			parts = append(parts, Quote(inv.Path[pi]))
			pi++
		case inPath(i, t):
			parts = append(parts, renderFlag(t))
		}
	}
	lastHidden := false
	seen := 0 // positionals before the current token
	for i, t := range inv.tokens {
		hidden := false
		switch {
		case t.kind == tokCommand, inPath(i, t):
			continue
		}
		switch t.kind {
		case tokDash:
			parts = append(parts, "--")
		case tokPositional:
			seen = t.pos + 1
			if hidden = from >= 0 && t.pos >= from; !hidden {
				parts = append(parts, Quote(t.text))
			}
		case tokFlag:
			if hidden = from >= 0 && seen >= from && unknownWord[t.arg]; !hidden {
				parts = append(parts, renderFlag(t))
			}
		}
		if hidden && !lastHidden {
			parts = append(parts, Redacted)
		}
		lastHidden = hidden
	}
	return strings.Join(parts, " ")
}

func renderFlag(t token) string {
	name := "--" + t.flag.Long
	if !t.known {
		// Unknown flags stay as typed, with as many dashes as typed ("--o"
		// is not "-o", which is --offline), quoted like any argument.
		if !strings.HasPrefix(t.text, "--") {
			name = "-" + t.flag.Long
		}
		name = Quote(name)
	}
	switch {
	case t.flag.Secret:
		return name + "=" + Redacted
	case t.flag.Value || t.hasEq:
		return name + "=" + Quote(t.value)
	}
	return name
}

// Quote shell-quotes s when it holds anything but plain word characters.
// Control characters (C0 and C1), line and paragraph separators, bidi and
// zero-width characters (ui.Invisible) and bytes that are not UTF-8 are
// written as $'\n'-style escapes (\xHH for a byte, \uHHHH or \UHHHHHHHH
// for a character), so a rendered line never spans lines and never carries
// an invisible character.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	plain, escape := true, false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case invisible(r, size):
			escape, plain = true, false
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("@%+=:,./_-^", r):
		case r > 0x7f:
		default:
			plain = false
		}
	}
	if plain {
		return s
	}
	if !escape {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\'' || r == '\\':
			b.WriteString(`\` + string(r))
		case invisible(r, size) && r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case invisible(r, size) && r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		case invisible(r, size):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	b.WriteString("'")
	return b.String()
}

// invisible reports characters a log line must not carry as they are:
// controls, line separators, bidi and zero-width characters, and bytes
// that are not UTF-8 (one definition for opsync, ui.Invisible).
func invisible(r rune, size int) bool { return ui.Invisible(r, size) }

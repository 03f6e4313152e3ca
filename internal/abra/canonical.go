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
	if inv.Cmd == nil || inv.Refused != nil {
		// A command opsync does not know, or a line abra refuses: opsync
		// cannot be sure which word abra would read as what, so every
		// word after the app is hidden.
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
	hidden := inv.hiddenWords(inv.redactFrom())
	// The command path comes first when abra accepts the line: cobra finds
	// the same path wherever the known flags stand. A line abra refuses is
	// rendered as typed: which word cobra takes as a command depends on the
	// flags around it (it takes the word after a flag it does not know as
	// that flag's value), so moving one could change what it means.
	if inv.Refused != nil {
		return inv.typed(hidden)
	}
	parts := []string{"abra"}
	pi := 0
	for _, t := range inv.tokens {
		if t.kind == tokCommand {
			parts = append(parts, Quote(inv.Path[pi]))
			pi++
		}
	}
	lastHidden := false
	for _, t := range inv.tokens {
		if t.kind == tokCommand {
			continue
		}
		h := hidden[t.arg]
		if !h {
			switch t.kind {
			case tokDash:
				parts = append(parts, "--")
			case tokPositional:
				parts = append(parts, Quote(t.text))
			case tokFlag:
				parts = append(parts, renderFlag(t))
			}
		}
		if h && !lastHidden {
			parts = append(parts, Redacted)
		}
		lastHidden = h
	}
	return strings.Join(parts, " ")
}

// typed renders a line opsync cannot be sure of word for word as typed,
// so that read back it means exactly what it meant: command words by their
// canonical names, every other word as typed (a cluster of unknown
// shorthands split into "-x -y" would make cobra take the next word as a
// flag's value), hidden words as <redacted>, and a boolean's value pflag
// cannot read as <redacted> ("--file=<redacted>").
func (inv *Invocation) typed(hidden map[int]bool) string {
	cmdName := map[int]string{}
	badBool := map[int]bool{}
	pi := 0
	for _, t := range inv.tokens {
		switch {
		case t.kind == tokCommand:
			cmdName[t.arg] = inv.Path[pi]
			pi++
		case t.kind == tokFlag && t.badBool:
			badBool[t.arg] = true
		}
	}
	parts := []string{"abra"}
	lastHidden := false
	for i, a := range inv.Args {
		h := hidden[i]
		switch name, isCmd := cmdName[i]; {
		case h && !lastHidden:
			parts = append(parts, Redacted)
		case h:
		case isCmd:
			parts = append(parts, Quote(name))
		case badBool[i]:
			flag, _, _ := strings.Cut(a, "=")
			parts = append(parts, Quote(flag)+"="+Redacted)
		default:
			parts = append(parts, Quote(a))
		}
		lastHidden = h
	}
	return strings.Join(parts, " ")
}

// hiddenWords marks the words of Args that are never logged: the
// positionals from index from on, and, from there on, every word holding a
// flag abra does not know (a secret or a remote command's option that
// happens to start with "-"; abra refuses it, but the attempt is logged).
func (inv *Invocation) hiddenWords(from int) map[int]bool {
	hidden := map[int]bool{}
	if from < 0 {
		return hidden
	}
	unknownWord := map[int]bool{}
	for _, t := range inv.tokens {
		if t.kind == tokFlag && !t.known {
			unknownWord[t.arg] = true
		}
	}
	seen := 0 // positionals before the current token
	for _, t := range inv.tokens {
		switch t.kind {
		case tokPositional:
			seen = t.pos + 1
			if t.pos >= from {
				hidden[t.arg] = true
			}
		case tokFlag:
			if seen >= from && unknownWord[t.arg] {
				hidden[t.arg] = true
			}
		}
	}
	return hidden
}

// RedactedArgs is Args as explain shows it: every word the log hides
// (Canonical) replaced by <redacted>, a run of hidden words by one, and the
// words holding a secret flag value or a boolean value pflag cannot read
// ("--file=x") too. Everything else is exactly what abra is given.
func (inv *Invocation) RedactedArgs() []string {
	hidden := inv.hiddenWords(inv.redactFrom())
	for _, t := range inv.tokens {
		if t.kind != tokFlag {
			continue
		}
		if t.badBool || (t.flag.Secret && t.valueArg < 0) {
			hidden[t.arg] = true
		}
		if t.flag.Secret && t.valueArg >= 0 {
			hidden[t.valueArg] = true
		}
	}
	out := make([]string, 0, len(inv.Args))
	for i, a := range inv.Args {
		switch {
		case !hidden[i]:
			out = append(out, a)
		case i == 0 || !hidden[i-1]:
			out = append(out, Redacted)
		}
	}
	return out
}

func renderFlag(t token) string {
	if t.ignored {
		return Quote(t.text) // "-test.…", which pflag skips: as typed
	}
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
	case t.flag.Secret, t.badBool:
		// A boolean pflag cannot read ("--file=x") is refused by abra;
		// its value might be anything the operator typed, a secret too.
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

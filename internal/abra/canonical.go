package abra

import (
	"fmt"
	"strings"
)

// Redacted replaces every value that must never be logged.
const Redacted = "<redacted>"

// redacted reports, per positional index, whether it must not be logged:
// secret insert's <data> (unless --file), everything after the remote
// command of app run / app command, and everything after their "--". For a
// command opsync does not know, every positional after the first (the app)
// is hidden, since nothing says what it holds.
func (inv *Invocation) redacted() []bool {
	r := make([]bool, len(inv.Positionals))
	hideFrom := func(from int) {
		for i := from; i < len(r); i++ {
			if i >= 0 {
				r[i] = true
			}
		}
	}
	if inv.Cmd == nil {
		if inv.IsApp() {
			hideFrom(1)
		}
		return r
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
	return r
}

// Canonical renders the command line for the operator log: "abra", the
// canonical command path, then the arguments in the order typed, short flags
// spelled out as their long names, value flags as --name=value, and every
// secret replaced by <redacted> (a run of hidden arguments becomes one
// <redacted>, so not even their number shows). Arguments are shell-quoted
// where needed, so the line can be read, and parsed back, as a command.
func (inv *Invocation) Canonical() string {
	hide := inv.redacted()
	parts := append([]string{"abra"}, inv.Path...)
	lastHidden := false
	for _, t := range inv.tokens {
		switch t.kind {
		case tokCommand:
			continue
		case tokDash:
			parts = append(parts, "--")
		case tokPositional:
			if hide[t.pos] {
				if !lastHidden {
					parts = append(parts, Redacted)
				}
				lastHidden = true
				continue
			}
			parts = append(parts, Quote(t.text))
		case tokFlag:
			parts = append(parts, renderFlag(t))
		}
		lastHidden = false
	}
	return strings.Join(parts, " ")
}

func renderFlag(t token) string {
	name := t.flag.Long
	if !t.known {
		// Unknown flags stay as typed (a lone letter keeps its single dash).
		if len(name) == 1 {
			name = "-" + name
		} else {
			name = "--" + name
		}
	} else {
		name = "--" + name
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
// Control characters are written as $'\n'-style escapes, so a rendered line
// never spans lines.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	plain, control := true, false
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f:
			control = true
			plain = false
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
	if control {
		var b strings.Builder
		b.WriteString("$'")
		for _, r := range s {
			switch {
			case r == '\'' || r == '\\':
				b.WriteString(`\` + string(r))
			case r < 0x20 || r == 0x7f:
				fmt.Fprintf(&b, `\x%02x`, r)
			default:
				b.WriteRune(r)
			}
		}
		b.WriteString("'")
		return b.String()
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

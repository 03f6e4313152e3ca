package abra

import (
	"strings"
)

// Invocation is one abra command line, understood.
type Invocation struct {
	// Args is exactly what abra is given: the command line with opsync's own
	// flags removed and nothing else changed.
	Args []string
	// Path is the canonical command path with aliases resolved, e.g.
	// ["app", "secret", "remove"] for "a s rm". Words that are not known
	// commands are kept as typed (an unknown app subcommand stays visible).
	Path []string
	// Cmd is the leaf command from the table, nil when the command is not
	// known (or no command was given).
	Cmd *Command
	// Positionals are the arguments that are neither command words nor flags,
	// in order; those after a "--" included.
	Positionals []string
	// DashAt is the index in Positionals of the first argument after "--",
	// or -1 when there was no "--".
	DashAt int
	// Flags holds the value of every flag seen, by canonical long name when
	// known ("force"), else by the name as typed ("x" for -x). Booleans hold
	// "true" (or the explicit =value).
	Flags map[string]string

	// App is the app (domain) the command acts on, "" when none.
	App string
	// Server is the server the command names explicitly (app new --server),
	// "" when it must be found from the app's env file.
	Server string
	// MoveTo is the target server of app move.
	MoveTo string

	tokens []token
}

type tokenKind int

const (
	tokCommand tokenKind = iota
	tokFlag
	tokFlagValue
	tokPositional
	tokDash
)

type token struct {
	kind  tokenKind
	text  string // as typed
	flag  Flag   // for tokFlag: the flag (Long may be the typed name when unknown)
	known bool   // for tokFlag: found in the table
	value string // for tokFlag: the value (for value flags and --bool=x)
	hasEq bool   // for tokFlag: the value was given inline
	pos   int    // for tokPositional: index in Positionals
	arg   int    // for tokFlag: index in Args of the word it was typed in
}

// Has reports whether the flag with this canonical long name was given and
// not set to false.
func (inv *Invocation) Has(long string) bool {
	v, ok := inv.Flags[long]
	return ok && v != "false"
}

// CommandName is the canonical command path, e.g. "app deploy".
func (inv *Invocation) CommandName() string { return strings.Join(inv.Path, " ") }

// IsApp reports whether this is an `abra app …` command.
func (inv *Invocation) IsApp() bool { return len(inv.Path) > 0 && inv.Path[0] == "app" }

// Help reports whether abra will only print help or its version.
func (inv *Invocation) Help() bool {
	return inv.Has("help") || inv.Has("version") || (len(inv.Path) > 0 && inv.Path[0] == "help")
}

// Offline reports abra's own -o/--offline.
func (inv *Invocation) Offline() bool { return inv.Has("offline") }

// Modifies reports whether the command changes what is on a server, taking
// flags such as --secrets and --dry-run into account.
func (inv *Invocation) Modifies() bool {
	if inv.Cmd == nil || inv.Help() {
		return false
	}
	m := inv.Cmd.Modifies
	for _, f := range inv.Cmd.Flags {
		if !inv.Has(f.Long) {
			continue
		}
		switch f.Effect {
		case MakesModify:
			m = true
		case MakesNoModify:
			return false
		}
	}
	return m
}

// Parse reads an abra command line (without the program name) the way abra's
// cobra/pflag parser does: global booleans anywhere, value flags as
// "--f v", "--f=v", "-f v", "-fv", "-f=v", clustered short booleans that may
// end in one value flag, and "--" ending the flags. It never fails: a line
// abra would reject is still described as well as it can be, and abra itself
// reports the error.
func Parse(args []string) *Invocation {
	inv := &Invocation{Args: args, DashAt: -1, Flags: map[string]string{}}
	cur := Root
	atRoot := true
	inCommand := true // still reading command words
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			inv.tokens = append(inv.tokens, token{kind: tokDash, text: a})
			inv.DashAt = len(inv.Positionals)
			for _, rest := range args[i+1:] {
				inv.addPositional(rest)
			}
			i = len(args)
		case strings.HasPrefix(a, "--") && len(a) > 2:
			i = inv.parseLong(cur, atRoot, args, i)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			i = inv.parseShort(cur, atRoot, args, i)
		default:
			if inCommand && cur != nil && len(cur.Sub) > 0 {
				if sub := cur.Lookup(a); sub != nil {
					inv.Path = append(inv.Path, sub.Name)
					inv.tokens = append(inv.tokens, token{kind: tokCommand, text: a})
					cur = sub
					atRoot = false
					continue
				}
				// A word that is not a subcommand of a group: abra reports
				// "unknown command"; keep it visible in the path.
				inv.Path = append(inv.Path, a)
				inv.tokens = append(inv.tokens, token{kind: tokCommand, text: a})
				cur = nil
				atRoot = false
				inCommand = false
				continue
			}
			inCommand = false
			inv.addPositional(a)
		}
	}
	if cur != nil && cur != Root && len(cur.Sub) == 0 {
		inv.Cmd = cur
	}
	inv.findArgs()
	return inv
}

func (inv *Invocation) addPositional(a string) {
	inv.tokens = append(inv.tokens, token{kind: tokPositional, text: a, pos: len(inv.Positionals)})
	inv.Positionals = append(inv.Positionals, a)
}

func lookupLong(cur *Command, atRoot bool, name string) (Flag, bool) {
	if f, ok := cur.flag(name); ok {
		return f, true
	}
	if atRoot {
		for _, f := range rootOnly {
			if f.Long == name {
				return f, true
			}
		}
	}
	return Flag{Long: name}, false
}

func lookupShort(cur *Command, atRoot bool, ch byte) (Flag, bool) {
	if f, ok := cur.shortFlag(ch); ok {
		return f, true
	}
	if atRoot {
		for _, f := range rootOnly {
			if f.Short == ch {
				return f, true
			}
		}
	}
	return Flag{Long: string(ch)}, false
}

func (inv *Invocation) parseLong(cur *Command, atRoot bool, args []string, i int) int {
	body := args[i][2:]
	name, value, hasEq := strings.Cut(body, "=")
	f, known := lookupLong(cur, atRoot, name)
	t := token{kind: tokFlag, text: args[i], flag: f, known: known, value: value, hasEq: hasEq, arg: i}
	if f.Value && !hasEq && i+1 < len(args) {
		i++
		t.value = args[i]
	}
	if !f.Value && !hasEq {
		t.value = "true"
	}
	inv.Flags[f.Long] = t.value
	inv.tokens = append(inv.tokens, t)
	return i
}

func (inv *Invocation) parseShort(cur *Command, atRoot bool, args []string, i int) int {
	body := args[i][1:]
	if !isASCII(body) {
		// Short flags are ASCII letters; pflag would split the bytes of
		// "-é" and reject them. Keep the word whole, as an unknown flag.
		t := token{kind: tokFlag, text: args[i], flag: Flag{Long: body}, value: "true", arg: i}
		inv.Flags[body] = "true"
		inv.tokens = append(inv.tokens, t)
		return i
	}
	for j := 0; j < len(body); j++ {
		f, known := lookupShort(cur, atRoot, body[j])
		t := token{kind: tokFlag, text: "-" + string(body[j]), flag: f, known: known, value: "true", arg: i}
		rest := body[j+1:]
		if j == 0 {
			t.text = args[i]
		}
		if f.Value {
			switch {
			case rest != "":
				t.value, t.hasEq = strings.TrimPrefix(rest, "="), true
			case i+1 < len(args):
				i++
				t.value = args[i]
			default:
				t.value = ""
			}
			j = len(body)
		} else if strings.HasPrefix(rest, "=") {
			t.value, t.hasEq = rest[1:], true
			j = len(body)
		}
		inv.Flags[f.Long] = t.value
		inv.tokens = append(inv.tokens, t)
	}
	return i
}

// findArgs fills App, Server and MoveTo from the positionals and flags.
func (inv *Invocation) findArgs() {
	if !inv.IsApp() || len(inv.Path) < 2 {
		return
	}
	spec := ArgSpec{}
	if inv.Cmd != nil {
		spec = inv.Cmd.Args
	}
	switch spec.Kind {
	case NoApp:
		inv.Server = inv.Flags["server"]
	case AppFromFlags:
		inv.App = inv.Flags["domain"]
		inv.Server = inv.Flags["server"]
	default:
		if len(inv.Positionals) > 0 {
			inv.App = inv.Positionals[0]
		}
		if spec.ServerArg > 0 && len(inv.Positionals) > spec.ServerArg {
			inv.MoveTo = inv.Positionals[spec.ServerArg]
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

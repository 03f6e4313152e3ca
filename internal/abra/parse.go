package abra

import (
	"errors"
	"fmt"
	"strconv"
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
	// "true" or "false" as pflag reads them (strconv.ParseBool: -f, --file,
	// --file=1, -f=t, --file=FALSE, ...), or the =value as typed when pflag
	// cannot read it (then Refused is set).
	Flags map[string]string
	// Refused is the error abra (cobra/pflag) reports for this line before
	// it runs anything, nil when abra accepts it: an unknown flag or
	// shorthand, a boolean whose value strconv.ParseBool does not read
	// ("--file=", "--file=yes"), a value flag without its value, "---x" or
	// "--=x", an unknown top-level command. opsync cannot be sure what an
	// abra it does not model would do with such a line, so for a refused
	// line Help and Offline are false, Modifies ignores the flags that make
	// a command read-only, and Canonical hides every argument after the
	// app.
	Refused error

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
	arg   int    // index in Args of the word it was typed in
	// valueArg is the index in Args of the word a value flag took as its
	// value ("--server s1"), -1 when the value was inline or absent.
	valueArg int
	// badBool: a boolean whose value pflag cannot read ("--file=x").
	badBool bool
	// ignored: a "-test.…" rest of a word, which pflag skips.
	ignored bool
}

// Has reports whether the flag with this canonical long name was given and
// is true as pflag reads it (a value ParseBool cannot read is not true).
func (inv *Invocation) Has(long string) bool {
	v, ok := inv.Flags[long]
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(v)
	return err == nil && b
}

// given reports whether the flag was typed at all, whatever its value.
func (inv *Invocation) given(long string) bool {
	_, ok := inv.Flags[long]
	return ok
}

// CommandName is the canonical command path, e.g. "app deploy".
func (inv *Invocation) CommandName() string { return strings.Join(inv.Path, " ") }

// IsApp reports whether this is an `abra app …` command.
func (inv *Invocation) IsApp() bool { return len(inv.Path) > 0 && inv.Path[0] == "app" }

// Help reports whether abra will only print help or its version. A line
// abra refuses is never "only help": opsync cannot be sure what abra does.
func (inv *Invocation) Help() bool {
	if inv.Refused != nil {
		return false
	}
	return inv.Has("help") || inv.Has("version") || (len(inv.Path) > 0 && inv.Path[0] == "help")
}

// Offline reports abra's own -o/--offline as pflag reads it ("-o=0" is
// online). On a line abra refuses it is false, so opsync still pulls.
func (inv *Invocation) Offline() bool { return inv.Refused == nil && inv.Has("offline") }

// Modifies reports whether the command changes what is on a server, taking
// flags such as --secrets and --dry-run into account. On a line abra
// refuses, a flag that makes the command read-only does not count and one
// that makes it modify counts whatever its value: in doubt, opsync logs.
func (inv *Invocation) Modifies() bool {
	if inv.Cmd == nil || inv.Help() {
		return false
	}
	m := inv.Cmd.Modifies
	for _, f := range inv.Cmd.Flags {
		if inv.Refused != nil {
			if f.Effect == MakesModify && inv.given(f.Long) {
				m = true
			}
			continue
		}
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
// cobra (v1.10) and pflag (v1.0.9) read it, in their two steps:
//
//  1. cobra's Command.Find walks the command words. At each level it skips
//     the flags that level knows (its own and the persistent ones; cobra's
//     --help and --version are not yet defined then), and it takes the word
//     after a "--name" or "-x" it does not know as that flag's value. Names
//     and aliases match exactly; "--" ends the walk.
//  2. pflag parses what is left with the flags of the command found:
//     booleans read with strconv.ParseBool ("--file=0" is false, "--file="
//     an error), value flags as "--f v", "--f=v", "-f v", "-fv", "-f=v",
//     clusters of short booleans that may end in one value flag or in
//     "=value" for the last boolean ("-Cf=0"), "-test.…" ignored, "--"
//     ending the flags.
//
// It never fails: a line abra would refuse is described as well as it can
// be, with Refused saying why abra refuses it.
func Parse(args []string) *Invocation {
	inv := &Invocation{Args: args, DashAt: -1, Flags: map[string]string{}}
	isCmd := make([]bool, len(args))
	unknownCmd := -1
	cur := Root
	for {
		w := findWord(args, isCmd, cur)
		if w < 0 {
			break
		}
		sub := cur.Lookup(args[w])
		if sub == nil {
			if len(cur.Sub) > 0 {
				unknownCmd = w
			}
			break
		}
		isCmd[w] = true
		inv.Path = append(inv.Path, sub.Name)
		cur = sub
	}
	if unknownCmd >= 0 {
		// A word that is not a subcommand of a group: abra reports
		// "unknown command" (at the top) or prints the group's help; keep
		// it visible in the path.
		isCmd[unknownCmd] = true
		inv.Path = append(inv.Path, args[unknownCmd])
		if cur == Root {
			inv.refuse(fmt.Errorf("unknown command %q for \"abra\"", args[unknownCmd]))
		}
	}
	p := parser{inv: inv, cur: cur, atRoot: cur == Root, isCmd: isCmd}
	p.parse()
	if unknownCmd < 0 && cur != Root && len(cur.Sub) == 0 {
		inv.Cmd = cur
	}
	inv.findArgs()
	return inv
}

func (inv *Invocation) refuse(err error) {
	if inv.Refused == nil {
		inv.Refused = err
	}
}

// findWord is cobra's stripFlags: the index of the first word, among those
// not yet taken as command words, that can be c's subcommand, or -1.
func findWord(args []string, isCmd []bool, c *Command) int {
	next := func(i int) int {
		for i++; i < len(args) && isCmd[i]; i++ {
		}
		return i
	}
	for i := next(-1); i < len(args); i = next(i) {
		s := args[i]
		switch {
		case s == "--":
			return -1
		case strings.HasPrefix(s, "--") && !strings.Contains(s, "=") && !findBool(c, s[2:], 0):
			i = next(i) // cobra takes the next word as the flag's value
		case strings.HasPrefix(s, "-") && !strings.Contains(s, "=") && len(s) == 2 && !findBool(c, "", s[1]):
			i = next(i)
		case s != "" && !strings.HasPrefix(s, "-"):
			return i
		}
		if i >= len(args) {
			return -1
		}
	}
	return -1
}

// findBool reports whether c knows, while cobra looks for subcommands, a
// boolean of that long name (or short letter): c's own flags and the
// persistent ones, but not cobra's --help and --version, which cobra adds
// only to the command it runs.
func findBool(c *Command, long string, short byte) bool {
	var f Flag
	var ok bool
	if short != 0 {
		f, ok = c.shortFlag(short)
	} else {
		f, ok = c.flag(long)
	}
	return ok && !f.Value && f.Long != "help"
}

// parser is pflag's FlagSet.Parse for the command found.
type parser struct {
	inv    *Invocation
	cur    *Command
	atRoot bool
	isCmd  []bool
}

func (p *parser) parse() {
	inv, args := p.inv, p.inv.Args
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case p.isCmd[i]:
			inv.tokens = append(inv.tokens, token{kind: tokCommand, text: a, arg: i})
		case a == "--":
			inv.tokens = append(inv.tokens, token{kind: tokDash, text: a, arg: i})
			inv.DashAt = len(inv.Positionals)
			for j := i + 1; j < len(args); j++ {
				inv.addPositional(args[j], j)
			}
			return
		case strings.HasPrefix(a, "--"):
			i = p.parseLong(i)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			i = p.parseShort(i)
		default:
			inv.addPositional(a, i)
		}
	}
}

func (inv *Invocation) addPositional(a string, arg int) {
	inv.tokens = append(inv.tokens, token{kind: tokPositional, text: a, pos: len(inv.Positionals), arg: arg})
	inv.Positionals = append(inv.Positionals, a)
}

// nextValue is the index of the word after i that a value flag takes (one
// that is not a command word), or -1.
func (p *parser) nextValue(i int) int {
	for j := i + 1; j < len(p.inv.Args); j++ {
		if !p.isCmd[j] {
			return j
		}
	}
	return -1
}

func (p *parser) lookupLong(name string) (Flag, bool) {
	if f, ok := p.cur.flag(name); ok {
		return f, true
	}
	if p.atRoot {
		for _, f := range rootOnly {
			if f.Long == name {
				return f, true
			}
		}
	}
	return Flag{Long: name}, false
}

func (p *parser) lookupShort(ch byte) (Flag, bool) {
	if f, ok := p.cur.shortFlag(ch); ok {
		return f, true
	}
	if p.atRoot {
		for _, f := range rootOnly {
			if f.Short == ch {
				return f, true
			}
		}
	}
	return Flag{Long: string(ch)}, false
}

// setBool records a boolean's value as pflag reads it.
func (p *parser) setBool(t *token, typed string) {
	b, err := strconv.ParseBool(t.value)
	if err != nil {
		t.badBool = true
		p.inv.refuse(fmt.Errorf("invalid argument %q for %q flag: %w", t.value, typed, errors.Unwrap(err)))
		return
	}
	t.value = strconv.FormatBool(b)
}

func (p *parser) parseLong(i int) int {
	inv, a := p.inv, p.inv.Args[i]
	body := a[2:]
	if body == "" || body[0] == '-' || body[0] == '=' {
		// pflag: "bad flag syntax"; the word is kept as an unknown flag.
		inv.refuse(fmt.Errorf("bad flag syntax: %s", a))
		inv.tokens = append(inv.tokens, token{kind: tokFlag, text: a, flag: Flag{Long: body}, value: "true", arg: i, valueArg: -1})
		inv.Flags[body] = "true"
		return i
	}
	name, value, hasEq := strings.Cut(body, "=")
	f, known := p.lookupLong(name)
	t := token{kind: tokFlag, text: a, flag: f, known: known, value: value, hasEq: hasEq, arg: i, valueArg: -1}
	switch {
	case !known:
		inv.refuse(fmt.Errorf("unknown flag: --%s", name))
		if !hasEq {
			t.value = "true"
		}
	case hasEq:
		if !f.Value {
			p.setBool(&t, "--"+name)
		}
	case !f.Value:
		t.value = "true"
	default:
		if j := p.nextValue(i); j >= 0 {
			t.value, t.valueArg = inv.Args[j], j
			i = j
		} else {
			inv.refuse(fmt.Errorf("flag needs an argument: --%s", name))
		}
	}
	inv.Flags[f.Long] = t.value
	inv.tokens = append(inv.tokens, t)
	return i
}

func (p *parser) parseShort(i int) int {
	inv, a := p.inv, p.inv.Args[i]
	sh := a[1:]
	first := true
	for sh != "" {
		if strings.HasPrefix(sh, "test.") {
			// pflag ignores the rest of the word (go test's -test.v).
			inv.tokens = append(inv.tokens, token{kind: tokFlag, text: "-" + sh, flag: Flag{Long: sh}, known: true, ignored: true, arg: i, valueArg: -1})
			break
		}
		ch := sh[0]
		f, known := p.lookupShort(ch)
		t := token{kind: tokFlag, text: "-" + string(ch), flag: f, known: known, value: "true", arg: i, valueArg: -1}
		if first {
			t.text = a
		}
		first = false
		rest := sh[1:]
		switch {
		case !known:
			inv.refuse(fmt.Errorf("unknown shorthand flag: %q in -%s", ch, sh))
			if ch >= 0x80 || !isASCII(rest) {
				// Not a letter pflag could know: keep the rest of the word
				// whole, as one unknown flag.
				t.flag = Flag{Long: sh}
				rest = ""
			}
		case len(sh) > 2 && sh[1] == '=':
			t.value, t.hasEq = sh[2:], true
			if !f.Value {
				p.setBool(&t, "-"+string(ch))
			}
			rest = ""
		case !f.Value:
		case rest != "":
			t.value, t.hasEq = rest, true
			rest = ""
		default:
			if j := p.nextValue(i); j >= 0 {
				t.value, t.valueArg = inv.Args[j], j
				i = j
			} else {
				t.value = ""
				inv.refuse(fmt.Errorf("flag needs an argument: %q in -%s", ch, sh))
			}
		}
		inv.Flags[t.flag.Long] = t.value
		inv.tokens = append(inv.tokens, t)
		sh = rest
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

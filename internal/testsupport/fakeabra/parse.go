package fakeabra

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// flagSpec describes one flag. Flags are boolean unless value is set.
type flagSpec struct {
	short byte // 0 when the flag has no shorthand
	long  string
	value bool
	usage string
}

func boolFlag(short byte, long, usage string) flagSpec {
	return flagSpec{short: short, long: long, usage: usage}
}

func valueFlag(short byte, long, usage string) flagSpec {
	return flagSpec{short: short, long: long, value: true, usage: usage}
}

// globalFlags are abra's persistent root flags, accepted anywhere.
var globalFlags = []flagSpec{
	boolFlag('d', "debug", "show debug messages"),
	boolFlag('h', "help", "help for abra"),
	boolFlag('n', "no-input", "toggle non-interactive mode"),
	boolFlag('o', "offline", "prefer offline & filesystem access"),
}

// rootFlags are accepted only on the root command itself.
var rootFlags = []flagSpec{
	boolFlag('v', "version", "version for abra"),
}

// command is one node of the command tree.
type command struct {
	name     string
	aliases  []string
	args     string // usage of the positional arguments
	short    string
	flags    []flagSpec
	children []*command
	parent   *command
	minArgs  int
	maxArgs  int // -1: unlimited
	// lenient commands (everything outside "abra app") accept any flag.
	lenient bool
	// pure commands do not touch $ABRA_DIR (help).
	pure bool
	run  func(c *ctx) int
}

func (cmd *command) add(children ...*command) *command {
	for _, ch := range children {
		ch.parent = cmd
		if cmd.lenient {
			ch.markLenient()
		}
		cmd.children = append(cmd.children, ch)
	}
	return cmd
}

func (cmd *command) markLenient() {
	cmd.lenient = true
	for _, ch := range cmd.children {
		ch.markLenient()
	}
}

func (cmd *command) child(word string) *command {
	for _, ch := range cmd.children {
		if ch.name == word || slices.Contains(ch.aliases, word) {
			return ch
		}
	}
	return nil
}

// path is the canonical command path without the root, e.g. ["app", "secret", "insert"].
func (cmd *command) path() []string {
	var p []string
	for c := cmd; c != nil && c.parent != nil; c = c.parent {
		p = append([]string{c.name}, p...)
	}
	return p
}

// fullName is "abra app deploy".
func (cmd *command) fullName() string {
	return strings.Join(append([]string{"abra"}, cmd.path()...), " ")
}

func (cmd *command) lookupFlag(long string, short byte) (flagSpec, bool) {
	sets := [][]flagSpec{cmd.flags, globalFlags}
	if cmd.parent == nil {
		sets = append(sets, rootFlags)
	}
	for _, set := range sets {
		for _, f := range set {
			if (long != "" && f.long == long) || (short != 0 && f.short == short) {
				return f, true
			}
		}
	}
	return flagSpec{}, false
}

// checkArgs validates the number of positional arguments the way cobra's
// standard validators do.
func (cmd *command) checkArgs(args []string) error {
	n, lo, hi := len(args), cmd.minArgs, cmd.maxArgs
	switch {
	case hi == 0 && n > 0:
		return fmt.Errorf("unknown command %q for %q", args[0], cmd.fullName())
	case lo == hi && n != lo:
		return fmt.Errorf("accepts %d arg(s), received %d", lo, n)
	case hi < 0 && n < lo:
		return fmt.Errorf("requires at least %d arg(s), only received %d", lo, n)
	case hi >= 0 && lo == 0 && n > hi:
		return fmt.Errorf("accepts at most %d arg(s), received %d", hi, n)
	case n < lo || (hi >= 0 && n > hi):
		return fmt.Errorf("accepts between %d and %d arg(s), received %d", lo, hi, n)
	}
	return nil
}

// invocation is a parsed command line.
type invocation struct {
	cmd   *command
	args  []string          // positional arguments
	flags map[string]string // long flag name -> value ("true"/"false" for booleans)
}

func (inv *invocation) bool(long string) bool {
	v, ok := inv.flags[long]
	if !ok {
		return false
	}
	b, _ := strconv.ParseBool(v)
	return b
}

func (inv *invocation) value(long string) string { return inv.flags[long] }

// parse reads argv the way cobra and pflag would for abra's command tree:
// command words first (exact name or alias), flags anywhere after the word
// that defines them, "--" ending flag parsing.
func parse(root *command, argv []string) (*invocation, error) {
	inv := &invocation{cmd: root, flags: map[string]string{}}
	cur := root
	dashdash := false
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if !dashdash && a == "--" {
			dashdash = true
			continue
		}
		if dashdash || a == "-" || !strings.HasPrefix(a, "-") {
			if !dashdash && len(inv.args) == 0 && len(cur.children) > 0 {
				if ch := cur.child(a); ch != nil {
					cur = ch
					inv.cmd = cur
					continue
				}
				if cur.run == nil && !cur.lenient {
					return nil, fmt.Errorf("unknown command %q for %q", a, cur.fullName())
				}
			}
			inv.args = append(inv.args, a)
			continue
		}
		var err error
		if strings.HasPrefix(a, "--") {
			i, err = parseLong(cur, inv, argv, i)
		} else {
			i, err = parseShort(cur, inv, argv, i)
		}
		if err != nil {
			return nil, err
		}
	}
	return inv, nil
}

func setBool(inv *invocation, f flagSpec, val string, hasVal bool, display string) error {
	if !hasVal {
		inv.flags[f.long] = "true"
		return nil
	}
	b, err := strconv.ParseBool(val)
	if err != nil {
		return fmt.Errorf("invalid argument %q for %q flag: %v", val, display, err)
	}
	inv.flags[f.long] = strconv.FormatBool(b)
	return nil
}

func flagDisplay(f flagSpec) string {
	if f.short != 0 {
		return fmt.Sprintf("-%c, --%s", f.short, f.long)
	}
	return "--" + f.long
}

func parseLong(cur *command, inv *invocation, argv []string, i int) (int, error) {
	name, val, hasVal := strings.Cut(argv[i][2:], "=")
	f, ok := cur.lookupFlag(name, 0)
	if !ok {
		if cur.lenient && name != "" {
			f = flagSpec{long: name, value: hasVal}
		} else {
			return i, fmt.Errorf("unknown flag: --%s", name)
		}
	}
	if !f.value {
		return i, setBool(inv, f, val, hasVal, flagDisplay(f))
	}
	if !hasVal {
		if i+1 >= len(argv) {
			return i, fmt.Errorf("flag needs an argument: --%s", name)
		}
		i++
		val = argv[i]
	}
	inv.flags[f.long] = val
	return i, nil
}

func parseShort(cur *command, inv *invocation, argv []string, i int) (int, error) {
	s := argv[i][1:]
	for j := 0; j < len(s); j++ {
		c := s[j]
		f, ok := cur.lookupFlag("", c)
		if !ok {
			if cur.lenient {
				f = flagSpec{long: string(c)}
			} else {
				return i, fmt.Errorf("unknown shorthand flag: %q in -%s", c, s[j:])
			}
		}
		rest := s[j+1:]
		if !f.value {
			if strings.HasPrefix(rest, "=") {
				return i, setBool(inv, f, rest[1:], true, flagDisplay(f))
			}
			inv.flags[f.long] = "true"
			continue
		}
		switch {
		case rest != "":
			inv.flags[f.long] = strings.TrimPrefix(rest, "=")
		case i+1 < len(argv):
			i++
			inv.flags[f.long] = argv[i]
		default:
			return i, fmt.Errorf("flag needs an argument: %q in -%s", c, s[j:])
		}
		return i, nil
	}
	return i, nil
}

// printUsage writes a short cobra-style help text for cmd.
func printUsage(w io.Writer, cmd *command) {
	if cmd.short != "" {
		fmt.Fprintf(w, "%s\n\n", cmd.short)
	}
	fmt.Fprintln(w, "Usage:")
	if cmd.run != nil || len(cmd.children) == 0 {
		line := cmd.fullName()
		if cmd.args != "" {
			line += " " + cmd.args
		}
		fmt.Fprintf(w, "  %s [flags]\n", line)
	}
	if len(cmd.children) > 0 {
		fmt.Fprintf(w, "  %s [command]\n", cmd.fullName())
	}
	if len(cmd.aliases) > 0 {
		fmt.Fprintf(w, "\nAliases:\n  %s\n", strings.Join(append([]string{cmd.name}, cmd.aliases...), ", "))
	}
	if len(cmd.children) > 0 {
		fmt.Fprintln(w, "\nAvailable Commands:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, ch := range cmd.children {
			fmt.Fprintf(tw, "  %s\t%s\n", ch.name, ch.short)
		}
		tw.Flush()
	}
	flags := cmd.flags
	if cmd.parent == nil {
		flags = append(slices.Clone(rootFlags), flags...)
	}
	if len(flags) > 0 {
		fmt.Fprintln(w, "\nFlags:")
		printFlags(w, flags)
	}
	fmt.Fprintln(w, "\nGlobal Flags:")
	printFlags(w, globalFlags)
	if len(cmd.children) > 0 {
		fmt.Fprintf(w, "\nUse \"%s [command] --help\" for more information about a command.\n", cmd.fullName())
	}
}

func printFlags(w io.Writer, flags []flagSpec) {
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	for _, f := range flags {
		name := "    --" + f.long
		if f.short != 0 {
			name = fmt.Sprintf("-%c, --%s", f.short, f.long)
		}
		if f.value {
			name += " string"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, f.usage)
	}
	tw.Flush()
}

package abra

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// This file checks opsync's reading of an abra command line against cobra
// and pflag themselves (issue 10 §9): a cobra command tree is built from
// the table (every command, alias, flag, shorthand, value flag, boolean;
// the global flags persistent on the root, cobra's own --help, --version
// and help command, as abra gets them from cobra), and every command line
// goes through both.

// cobraReading is what cobra made of a command line.
type cobraReading struct {
	err     error
	ran     *cobra.Command // the leaf command that ran, nil when none did
	help    *cobra.Command // the command whose help was printed
	version bool           // --version printed the version
	args    []string
	dashAt  int
	flags   map[string]string // the flags set, by long name, as pflag holds them
}

// cobraTree builds abra's command tree, as the table has it, in cobra.
func cobraTree(r *cobraReading) *cobra.Command {
	root := &cobra.Command{Use: "abra", Version: "0.13.0-test", SilenceErrors: true, SilenceUsage: true}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetVersionTemplate("version\n")
	for _, f := range Global {
		if f.Long == "help" {
			continue // cobra's own: added to the command that runs
		}
		addFlag(root.PersistentFlags(), f)
	}
	root.SetHelpFunc(func(c *cobra.Command, _ []string) {
		if r.help == nil {
			r.help = c
		}
	})
	var add func(parent *cobra.Command, c *Command)
	add = func(parent *cobra.Command, c *Command) {
		cc := &cobra.Command{Use: c.Name, Aliases: c.Aliases}
		for _, f := range c.Flags {
			addFlag(cc.Flags(), f)
		}
		if len(c.Sub) == 0 {
			cc.Run = func(cmd *cobra.Command, args []string) {
				r.ran, r.args, r.dashAt = cmd, args, cmd.ArgsLenAtDash()
				cmd.Flags().Visit(func(f *pflag.Flag) { r.flags[f.Name] = f.Value.String() })
			}
		}
		for _, s := range c.Sub {
			add(cc, s)
		}
		parent.AddCommand(cc)
	}
	for _, c := range Root.Sub {
		if c.Name == "help" {
			continue // cobra's own help command
		}
		add(root, c)
	}
	return root
}

func addFlag(fs *pflag.FlagSet, f Flag) {
	short := ""
	if f.Short != 0 {
		short = string(f.Short)
	}
	if f.Value {
		fs.StringP(f.Long, short, "", "")
	} else {
		fs.BoolP(f.Long, short, false, "")
	}
}

// readWithCobra runs args through a fresh cobra tree.
func readWithCobra(args []string) cobraReading {
	r := cobraReading{flags: map[string]string{}, dashAt: -1}
	root := cobraTree(&r)
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{}, args...))
	cmd, err := root.ExecuteC()
	r.err = err
	if cmd != nil && cmd.Name() == "help" && cmd.Parent() == root && r.help == nil && err == nil {
		r.help = root // "abra help frob": an unknown help topic, nothing runs
	}
	r.version = strings.Contains(out.String(), "version\n") && r.ran == nil && r.help == nil
	return r
}

// compareWithCobra reports how opsync's reading of args differs from
// cobra's, "" when it does not.
func compareWithCobra(args []string) string {
	for _, a := range args {
		if strings.HasPrefix(a, "__complete") {
			return "" // cobra's hidden completion command, not abra's surface
		}
	}
	c := readWithCobra(args)
	inv := Parse(args)
	var diffs []string
	d := func(format string, v ...any) { diffs = append(diffs, fmt.Sprintf(format, v...)) }
	if (c.err != nil) != (inv.Refused != nil) {
		d("refused: cobra %v, opsync %v", c.err, inv.Refused)
		return strings.Join(diffs, "; ")
	}
	if c.err != nil {
		return ""
	}
	switch {
	case c.ran != nil && c.ran.Name() == "help" && c.ran.Parent() == c.ran.Root():
		fallthrough
	case c.help != nil || c.version:
		if !inv.Help() && inv.Cmd != nil {
			d("cobra prints help or the version, opsync runs %q (help %v)", inv.CommandName(), inv.Help())
		}
		if c.help != nil && len(inv.Path) > 0 && inv.Path[0] != "help" {
			want := strings.TrimPrefix(strings.TrimPrefix(c.help.CommandPath(), "abra"), " ")
			if got := strings.Join(knownPath(inv.Path), " "); got != want {
				d("help for %q, opsync reads %q", want, got)
			}
		}
		if inv.Modifies() {
			d("cobra runs nothing, opsync says it modifies")
		}
	case c.ran != nil:
		want := strings.TrimPrefix(c.ran.CommandPath(), "abra ")
		if inv.Help() || inv.Cmd == nil {
			d("cobra runs %q, opsync: help %v, command %q", want, inv.Help(), inv.CommandName())
			break
		}
		if got := inv.CommandName(); got != want {
			d("command: cobra %q, opsync %q", want, got)
		}
		if !slices.Equal(c.args, inv.Positionals) && !(len(c.args) == 0 && len(inv.Positionals) == 0) {
			d("positionals: cobra %q, opsync %q", c.args, inv.Positionals)
		}
		if c.dashAt != inv.DashAt {
			d("-- at: cobra %d, opsync %d", c.dashAt, inv.DashAt)
		}
		if !mapsEqual(c.flags, inv.Flags) {
			d("flags: cobra %v, opsync %v", c.flags, inv.Flags)
		}
		if d2 := embeddedAgrees(c, inv); d2 != "" {
			d("embedded (CommandLine): %s", d2)
		}
		if want == "app secret insert" && c.flags["file"] != "true" && len(c.args) > 3 {
			d2 := secretShown(args, inv, slices.Index(c.args, c.args[3]))
			if d2 != "" {
				d("%s", d2)
			}
		}
	default:
		if inv.Cmd != nil && !inv.Help() {
			d("cobra runs nothing, opsync runs %q", inv.CommandName())
		}
	}
	return strings.Join(diffs, "; ")
}

// embeddedAgrees checks the embedded way in (opsync.PlanCommand): what
// cobra parsed, rendered by CommandLine and read again, must be the same
// command as the line itself — path, positionals, "--", flags, app,
// servers, whether it modifies — and keep secret insert's data as hidden.
func embeddedAgrees(c cobraReading, inv *Invocation) string {
	path := strings.Fields(strings.TrimPrefix(c.ran.CommandPath(), "abra "))
	line := CommandLine(path, c.args, c.dashAt, c.flags)
	again := Parse(line)
	var diffs []string
	d := func(format string, v ...any) { diffs = append(diffs, fmt.Sprintf(format, v...)) }
	if again.Refused != nil {
		d("refused: %v", again.Refused)
	}
	if again.CommandName() != inv.CommandName() {
		d("command %q, the line %q", again.CommandName(), inv.CommandName())
	}
	if !slices.Equal(again.Positionals, inv.Positionals) && !(len(again.Positionals) == 0 && len(inv.Positionals) == 0) {
		d("positionals %q, the line %q", again.Positionals, inv.Positionals)
	}
	if again.DashAt != inv.DashAt {
		d("-- at %d, the line %d", again.DashAt, inv.DashAt)
	}
	if !mapsEqual(again.Flags, inv.Flags) {
		d("flags %v, the line %v", again.Flags, inv.Flags)
	}
	if again.App != inv.App || again.Server != inv.Server || again.MoveTo != inv.MoveTo {
		d("app/server/move-to %q/%q/%q, the line %q/%q/%q", again.App, again.Server, again.MoveTo, inv.App, inv.Server, inv.MoveTo)
	}
	if again.Modifies() != inv.Modifies() || again.Help() != inv.Help() || again.Offline() != inv.Offline() {
		d("modifies/help/offline %v/%v/%v, the line %v/%v/%v", again.Modifies(), again.Help(), again.Offline(), inv.Modifies(), inv.Help(), inv.Offline())
	}
	if again.CommandName() == "app secret insert" && c.flags["file"] != "true" && len(c.args) > 3 {
		if s := secretShown(line, again, 0); s != "" {
			d("%s", s)
		}
	}
	return strings.Join(diffs, "; ")
}

// secretShown checks that secret insert's data, which cobra hands abra as
// its fourth positional, is in neither the log line (subject, body,
// trailers and lease ref are all made from Canonical) nor explain's
// abra_args. The data is replaced by a marker no other word holds, so a
// data word that happens to equal the app's name does not count.
func secretShown(args []string, inv *Invocation, _ int) string {
	const marker = "Zq9SECRETq9Z"
	var pos []int
	for _, t := range inv.tokens {
		// A word cobra skips while it looks for the command ("" and "-…"
		// before a "--") cannot be swapped for the marker without changing
		// the line; "" holds nothing to leak, and "-x" is not data unless
		// it comes after "--".
		afterDash := inv.DashAt >= 0 && t.pos >= inv.DashAt
		if t.kind == tokPositional && t.pos >= 3 && (afterDash || (t.text != "" && !strings.HasPrefix(t.text, "-"))) {
			pos = append(pos, t.arg)
		}
	}
	marked := append([]string{}, args...)
	for _, i := range pos {
		marked[i] = marker
	}
	m := Parse(marked)
	if s := m.Canonical(); strings.Contains(s, marker) {
		return "secret insert data in the log line: " + s
	}
	for _, a := range m.RedactedArgs() {
		if strings.Contains(a, marker) {
			return fmt.Sprintf("secret insert data in explain's abra_args: %q", m.RedactedArgs())
		}
	}
	return ""
}

// knownPath is the part of a command path that names known commands.
func knownPath(path []string) []string {
	c := Root
	for i, w := range path {
		if c = c.Lookup(w); c == nil {
			return path[:i]
		}
	}
	return path
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// cobraSeeds are command lines that exercise what cobra and pflag do:
// aliases, clusters, "=" forms, every ParseBool spelling and a few it does
// not read, "--" anywhere, unknown flags and commands, flags before and
// between command words.
func cobraSeeds() [][]string {
	var seeds [][]string
	add := func(line string) { seeds = append(seeds, strings.Fields(line)) }
	bools := []string{"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False",
		"", "yes", "no", "on", "2", "tRuE", "hunter2", "=", "-1"}
	for _, v := range bools {
		seeds = append(seeds,
			[]string{"app", "secret", "insert", "foo.example.org", "db", "v2", "hunter2", "--file=" + v},
			[]string{"a", "s", "i", "foo.example.org", "db", "v2", "hunter2", "-f=" + v},
			[]string{"app", "secret", "insert", "-Cf=" + v, "foo.example.org", "db", "v2", "hunter2"},
			[]string{"app", "move", "foo.example.org", "s2", "--dry-run=" + v},
			[]string{"app", "upgrade", "foo.example.org", "-r=" + v},
			[]string{"app", "deploy", "foo.example.org", "--help=" + v},
			[]string{"app", "deploy", "foo.example.org", "-h=" + v},
			[]string{"-o=" + v, "app", "deploy", "foo.example.org"},
			[]string{"app", "deploy", "--offline=" + v, "foo.example.org"},
			[]string{"--version=" + v},
			[]string{"app", "new", "wordpress", "--secrets=" + v, "-s", "s1", "-D", "foo.example.org"},
		)
	}
	for _, l := range []string{
		"app secret insert foo.example.org db v1 hunter2 -fC",
		"app secret insert foo.example.org db v1 hunter2 -Cf",
		"app secret insert foo.example.org db v1 hunter2 -ft",
		"app secret insert foo.example.org db v1 -- hunter2",
		"app secret insert foo.example.org db v1 -- -f",
		"app secret insert foo.example.org -- db v1 hunter2 -f",
		"app secret insert -- foo.example.org db v1 hunter2",
		"app -- secret insert foo.example.org db v1 hunter2",
		"-- app deploy foo.example.org",
		"app secret insert foo.example.org db v1 hunter2 --file",
		"app secret insert foo.example.org db v1 hunter2 -f=",
		"app secret insert foo.example.org db v1 hunter2 --frob",
		"app secret insert foo.example.org db v1 hunter2 -x",
		"app secret insert foo.example.org db v1 hunter2 ---file",
		"app secret insert foo.example.org db v1 hunter2 --=x",
		"app secret insert foo.example.org db v1 hunter2 -test.v",
		"app secret insert foo.example.org db v1 hunter2 -Ctest.v",
		"app secret insert foo.example.org db v1 hunter2 extra more",
		"app s i foo.example.org db v1 hunter2",
		"a secret i -n foo.example.org db v1 hunter2 -t",
		"-n app secret insert foo.example.org db v1 hunter2",
		"app -n secret -o insert foo.example.org db v1 hunter2",
		"app -C secret insert foo.example.org db v1 hunter2",
		"app --frob secret insert foo.example.org db v1 hunter2",
		"app --frob=1 secret insert foo.example.org db v1 hunter2",
		"-h app secret rm foo.example.org ssl_cert",
		"app -h secret rm foo.example.org ssl_cert",
		"app secret -h rm foo.example.org ssl_cert",
		"--help app deploy foo.example.org",
		"app --help deploy foo.example.org",
		"app deploy --help foo.example.org",
		"help app deploy",
		"help frob",
		"-v", "--version", "-v app deploy foo.example.org", "app -v",
		"", "app", "app secret", "frob a b", "app frob foo.example.org",
		"app deploy -nCf foo.example.org", "app d -fcD foo.example.org",
		"app new wordpress -Ss srv1 -D foo.example.org", "app new wordpress -Ss", "app new wordpress -s=",
		"app new wordpress -s=srv1", "app new wordpress -ssrv1", "app new wordpress -s==x",
		"app new wordpress --server", "app new wordpress --server=",
		"app new -S wordpress", "app new --secrets=0 wordpress",
		"app restore foo.example.org -s abc --target /x", "app ls -s hypha.social.coop -S",
		"app run foo.example.org app -- sh -c 'echo x'", "app run -u root foo.example.org app id -t",
		"app cmd --local foo.example.org fn -- a b", "app cmd -l=0 foo.example.org app fn a",
		"app logs foo.example.org -o", "app logs -e foo.example.org", "a -e logs foo.example.org",
		"app mv -r foo.example.org s2", "app move foo.example.org s2 -r=F",
		"app up foo.example.org --releasenotes=False", "app rm foo.example.org -f=t",
		"app deploy foo.example.org -é", "app deploy foo.example.org --o", "app deploy - foo.example.org",
		"server add host.example.org -n", "recipe new foo", "app version foo.example.org -m",
	} {
		add(l)
	}
	return seeds
}

// TestCobraAgrees runs the seed lines through opsync and cobra.
func TestCobraAgrees(t *testing.T) {
	for _, args := range cobraSeeds() {
		if d := compareWithCobra(args); d != "" {
			t.Errorf("%q: %s", args, d)
		}
	}
}

// FuzzCobra is the differential check: any command line (NUL-separated
// words), read by opsync and by cobra/pflag, must mean the same: command
// path, positionals, "--", every flag value, refused or not, help or not;
// and secret insert's data must be hidden in the log line and in explain.
// Long run: go test -run XXX -fuzz FuzzCobra -fuzztime 10m -parallel 1 ./internal/abra/
func FuzzCobra(f *testing.F) {
	for _, s := range cobraSeeds() {
		f.Add(strings.Join(s, "\x00"))
	}
	f.Fuzz(func(t *testing.T, joined string) {
		var args []string
		if joined != "" {
			args = strings.Split(joined, "\x00")
		}
		if d := compareWithCobra(args); d != "" {
			t.Fatalf("%q: %s", args, d)
		}
	})
}

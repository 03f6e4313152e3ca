package abra

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// commandWords lists every command word abra accepts (name and aliases, as
// in abra-reference.md §3 and §8) with the canonical path it names. It is
// written out by hand rather than derived from Root, so that a changed or
// dropped alias in the table fails here; TestEveryTableWordIsListed makes
// sure a new one is added here too.
var commandWords = []struct {
	words    string // as typed after "abra"
	path     string // canonical
	modifies bool   // without flags
}{
	{"app", "app", false},
	{"a", "app", false},

	{"app deploy", "app deploy", true},
	{"app d", "app deploy", true},
	{"app upgrade", "app upgrade", true},
	{"app up", "app upgrade", true},
	{"app rollback", "app rollback", true},
	{"app rl", "app rollback", true},
	{"app undeploy", "app undeploy", true},
	{"app un", "app undeploy", true},
	{"app remove", "app remove", true},
	{"app rm", "app remove", true},
	{"app move", "app move", true},
	{"app m", "app move", true},
	{"app mv", "app move", true},
	{"app new", "app new", false},
	{"app n", "app new", false},
	{"app restore", "app restore", true},
	{"app rs", "app restore", true},

	{"app secret", "app secret", false},
	{"app s", "app secret", false},
	{"app secret generate", "app secret generate", true},
	{"app secret g", "app secret generate", true},
	{"app secret insert", "app secret insert", true},
	{"app secret i", "app secret insert", true},
	{"app secret remove", "app secret remove", true},
	{"app secret rm", "app secret remove", true},
	{"app secret list", "app secret list", false},
	{"app secret ls", "app secret list", false},
	{"app s g", "app secret generate", true},
	{"app s i", "app secret insert", true},
	{"app s rm", "app secret remove", true},
	{"app s ls", "app secret list", false},

	{"app volume", "app volume", false},
	{"app vl", "app volume", false},
	{"app volume remove", "app volume remove", true},
	{"app volume rm", "app volume remove", true},
	{"app volume list", "app volume list", false},
	{"app volume ls", "app volume list", false},
	{"app vl rm", "app volume remove", true},
	{"app vl ls", "app volume list", false},

	{"app backup", "app backup", false},
	{"app b", "app backup", false},
	{"app backup create", "app backup create", false},
	{"app backup c", "app backup create", false},
	{"app backup list", "app backup list", false},
	{"app backup ls", "app backup list", false},
	{"app backup download", "app backup download", false},
	{"app backup d", "app backup download", false},
	{"app backup snapshots", "app backup snapshots", false},
	{"app backup s", "app backup snapshots", false},
	{"app b c", "app backup create", false},
	{"app b ls", "app backup list", false},
	{"app b d", "app backup download", false},
	{"app b s", "app backup snapshots", false},

	{"app restart", "app restart", false},
	{"app re", "app restart", false},
	{"app config", "app config", false},
	{"app cfg", "app config", false},
	{"app list", "app list", false},
	{"app ls", "app list", false},
	{"app ps", "app ps", false},
	{"app p", "app ps", false},
	{"app logs", "app logs", false},
	{"app lg", "app logs", false},
	{"app command", "app command", false},
	{"app cmd", "app command", false},
	{"app run", "app run", false},
	{"app r", "app run", false},
	{"app cp", "app cp", false},
	{"app labels", "app labels", false},
	{"app lb", "app labels", false},
	{"app check", "app check", false},
	{"app chk", "app check", false},
	{"app env", "app env", false},
	{"app services", "app services", false},
	{"app sr", "app services", false},
	{"app errors", "app errors", false},
	{"app version", "app version", false},
	{"app v", "app version", false},

	// The "a" alias combines with every subcommand alias.
	{"a d", "app deploy", true},
	{"a up", "app upgrade", true},
	{"a s i", "app secret insert", true},
	{"a vl rm", "app volume remove", true},
	{"a b s", "app backup snapshots", false},
	{"a cmd", "app command", false},

	// abra's other top-level commands are passed through; they are named
	// canonically.
	{"server", "server", false},
	{"s", "server", false},
	{"server add", "server add", false},
	{"server a", "server add", false},
	{"server list", "server list", false},
	{"server ls", "server list", false},
	{"server remove", "server remove", false},
	{"server rm", "server remove", false},
	{"server prune", "server prune", false},
	{"server p", "server prune", false},
	{"s a", "server add", false},
	{"recipe", "recipe", false},
	{"r", "recipe", false},
	{"catalogue", "catalogue", false},
	{"c", "catalogue", false},
	{"upgrade", "upgrade", false},
	{"u", "upgrade", false},
	{"autocomplete", "autocomplete", false},
	{"ac", "autocomplete", false},
	{"help", "help", false},
}

func TestParseCommandWords(t *testing.T) {
	for _, tt := range commandWords {
		words := strings.Fields(tt.words)
		leaf := Root
		for _, w := range words {
			leaf = leaf.Lookup(w)
		}
		wantCmd := leaf
		variants := [][]string{words}
		if len(leaf.Sub) > 0 {
			wantCmd = nil // a group is not a command (and a word after it is an unknown subcommand)
		} else {
			// With an app name after the words, abra's usual shape.
			variants = append(variants, append(slices.Clone(words), "foo.example.org"))
		}
		for _, args := range variants {
			inv := Parse(args)
			if got := inv.CommandName(); got != tt.path {
				t.Errorf("Parse(%q).CommandName() = %q, want %q", args, got, tt.path)
			}
			if got := inv.Modifies(); got != tt.modifies {
				t.Errorf("Parse(%q).Modifies() = %v, want %v", args, got, tt.modifies)
			}
			if inv.Cmd != wantCmd {
				t.Errorf("Parse(%q).Cmd = %v, want %v", args, cmdName(inv.Cmd), cmdName(wantCmd))
			}
		}
	}
}

func cmdName(c *Command) string {
	if c == nil {
		return "<nil>"
	}
	return c.Name
}

// TestEveryTableWordIsListed keeps commandWords complete: every name and
// alias in the table must appear in it.
func TestEveryTableWordIsListed(t *testing.T) {
	listed := map[string]bool{}
	for _, tt := range commandWords {
		listed[tt.words] = true
	}
	var walk func(prefix string, c *Command)
	walk = func(prefix string, c *Command) {
		for _, s := range c.Sub {
			for _, w := range append([]string{s.Name}, s.Aliases...) {
				words := strings.TrimSpace(prefix + " " + w)
				if !listed[words] {
					t.Errorf("command word %q (%s) is in the table but not in commandWords", words, s.Name)
				}
			}
			walk(strings.TrimSpace(prefix+" "+s.Name), s)
		}
	}
	walk("", Root)
}

func TestResolvePath(t *testing.T) {
	for _, tt := range commandWords {
		path, ok := ResolvePath(strings.Fields(tt.words))
		if !ok || strings.Join(path, " ") != tt.path {
			t.Errorf("ResolvePath(%q) = %q, %v; want %q, true", tt.words, path, ok, tt.path)
		}
	}
	for _, bad := range []string{"app deplo", "app secret frobnicate", "frob", "app deploy foo"} {
		if _, ok := ResolvePath(strings.Fields(bad)); ok {
			t.Errorf("ResolvePath(%q) ok, want not ok", bad)
		}
	}
}

// parsed is what TestParse checks of an Invocation. Nil/empty fields are
// checked too: an empty want means "none".
type parsed struct {
	path     string
	pos      []string
	dashAt   int
	app      string
	server   string
	moveTo   string
	flags    map[string]string
	modifies bool
	offline  bool
	help     bool
	refused  bool // abra (cobra/pflag) refuses the line
}

func TestParse(t *testing.T) {
	none := map[string]string{}
	tests := []struct {
		name string
		args string
		want parsed
	}{
		// abra-reference.md §2.1: every form of a value flag.
		{"long=value", "app new traefik --domain=t.example.org --server=default", parsed{
			path: "app new", pos: []string{"traefik"}, dashAt: -1, app: "t.example.org", server: "default",
			flags: map[string]string{"domain": "t.example.org", "server": "default"}}},
		{"long value", "app new traefik --domain t.example.org --server default", parsed{
			path: "app new", pos: []string{"traefik"}, dashAt: -1, app: "t.example.org", server: "default",
			flags: map[string]string{"domain": "t.example.org", "server": "default"}}},
		{"-s value", "app new traefik -D t.example.org -s default", parsed{
			path: "app new", pos: []string{"traefik"}, dashAt: -1, app: "t.example.org", server: "default",
			flags: map[string]string{"domain": "t.example.org", "server": "default"}}},
		{"-svalue", "app new traefik -Dt.example.org -sdefault", parsed{
			path: "app new", pos: []string{"traefik"}, dashAt: -1, app: "t.example.org", server: "default",
			flags: map[string]string{"domain": "t.example.org", "server": "default"}}},
		{"-s=value", "app new traefik -D=t.example.org -s=default", parsed{
			path: "app new", pos: []string{"traefik"}, dashAt: -1, app: "t.example.org", server: "default",
			flags: map[string]string{"domain": "t.example.org", "server": "default"}}},
		{"value containing =", "app logs foo.example.org --since=a=b", parsed{
			path: "app logs", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org",
			flags: map[string]string{"since": "a=b"}}},
		{"value flag takes a word starting with -", "app new wp --server -n", parsed{
			path: "app new", pos: []string{"wp"}, dashAt: -1, server: "-n",
			flags: map[string]string{"server": "-n"}}},
		{"value flag takes --", "app new wp -s -- x", parsed{
			path: "app new", pos: []string{"wp", "x"}, dashAt: -1, server: "--",
			flags: map[string]string{"server": "--"}}},
		{"value flag at the end has no value", "app new wp --server", parsed{refused: true,
			path: "app new", pos: []string{"wp"}, dashAt: -1,
			flags: map[string]string{"server": ""}}},
		{"short value flag at the end has no value", "app new wp -s", parsed{refused: true,
			path: "app new", pos: []string{"wp"}, dashAt: -1,
			flags: map[string]string{"server": ""}}},

		// Booleans.
		{"clustered bools", "app deploy -nCf foo.example.org", parsed{
			path: "app deploy", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", modifies: true,
			flags: map[string]string{"no-input": "true", "chaos": "true", "force": "true"}}},
		{"cluster ending in a value flag", "app new wp -Ss srv -D wp.example.org", parsed{
			path: "app new", pos: []string{"wp"}, dashAt: -1, app: "wp.example.org", server: "srv", modifies: true,
			flags: map[string]string{"secrets": "true", "server": "srv", "domain": "wp.example.org"}}},
		{"cluster ending in a value flag with the value attached", "app new wp -nSssrv", parsed{
			path: "app new", pos: []string{"wp"}, dashAt: -1, server: "srv", modifies: true,
			flags: map[string]string{"no-input": "true", "secrets": "true", "server": "srv"}}},
		{"bool=false", "app deploy foo.example.org --force=false -C=true", parsed{
			path: "app deploy", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", modifies: true,
			flags: map[string]string{"force": "false", "chaos": "true"}}},
		{"a bool never takes the next word", "app deploy --force foo.example.org 1.2.0+1.21", parsed{
			path: "app deploy", pos: []string{"foo.example.org", "1.2.0+1.21"}, dashAt: -1, app: "foo.example.org", modifies: true,
			flags: map[string]string{"force": "true"}}},
		{"flags interspersed with positionals", "app upgrade foo.example.org -f 2.0.0+1.0 -D", parsed{
			path: "app upgrade", pos: []string{"foo.example.org", "2.0.0+1.0"}, dashAt: -1, app: "foo.example.org", modifies: true,
			flags: map[string]string{"force": "true", "no-domain-checks": "true"}}},

		// "--" ends the flags.
		{"-- ends flags", "app run foo.example.org app -- ls -la --all", parsed{
			path: "app run", pos: []string{"foo.example.org", "app", "ls", "-la", "--all"}, dashAt: 2, app: "foo.example.org",
			flags: none}},
		{"-- first", "app deploy -- -weird", parsed{
			path: "app deploy", pos: []string{"-weird"}, dashAt: 0, app: "-weird", modifies: true, flags: none}},
		{"-- last", "app deploy foo.example.org --", parsed{
			path: "app deploy", pos: []string{"foo.example.org"}, dashAt: 1, app: "foo.example.org", modifies: true, flags: none}},
		{"a second -- is a positional", "app run foo.example.org app -- a -- b", parsed{
			path: "app run", pos: []string{"foo.example.org", "app", "a", "--", "b"}, dashAt: 2, app: "foo.example.org", flags: none}},
		{"command words after -- are positionals", "app -- deploy foo", parsed{
			path: "app", pos: []string{"deploy", "foo"}, dashAt: 0, flags: none}},

		// Global flags anywhere (§2).
		{"globals before app", "-n -o -d app deploy foo.example.org", parsed{
			path: "app deploy", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", modifies: true, offline: true,
			flags: map[string]string{"no-input": "true", "offline": "true", "debug": "true"}}},
		{"globals between command words", "app -n secret --offline rm foo.example.org ssl_cert", parsed{
			path: "app secret remove", pos: []string{"foo.example.org", "ssl_cert"}, dashAt: -1, app: "foo.example.org",
			modifies: true, offline: true, flags: map[string]string{"no-input": "true", "offline": "true"}}},
		{"globals after positionals", "app secret rm foo.example.org ssl_cert -n", parsed{
			path: "app secret remove", pos: []string{"foo.example.org", "ssl_cert"}, dashAt: -1, app: "foo.example.org",
			modifies: true, flags: map[string]string{"no-input": "true"}}},
		{"long globals", "--no-input --debug app ps foo.example.org --offline", parsed{
			path: "app ps", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", offline: true,
			flags: map[string]string{"no-input": "true", "debug": "true", "offline": "true"}}},
		{"offline=false", "app ps foo.example.org --offline=false", parsed{
			path: "app ps", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org",
			flags: map[string]string{"offline": "false"}}},
		// pflag cannot give a command's own flag a shorthand a persistent
		// flag has (it panics), so -o is --offline on every command.
		{"-o is --offline on app logs too", "app logs foo.example.org -o", parsed{
			path: "app logs", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", offline: true,
			flags: map[string]string{"offline": "true"}}},

		// Help and version.
		{"-h never modifies", "app deploy foo.example.org -h", parsed{
			path: "app deploy", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", help: true,
			flags: map[string]string{"help": "true"}}},
		// cobra defines --help only on the command it runs, after it has
		// found it: while it looks for the command, "--help" is a flag it
		// does not know, and it takes the next word as its value.
		{"--help before app", "--help app deploy foo.example.org", parsed{
			path: "deploy", pos: []string{"app", "foo.example.org"}, dashAt: -1, refused: true,
			flags: map[string]string{"help": "true"}}},
		{"--help between command words", "app --help deploy foo.example.org", parsed{
			path: "app foo.example.org", pos: []string{"deploy"}, app: "deploy", dashAt: -1, help: true,
			flags: map[string]string{"help": "true"}}},
		{"-h in a cluster", "app rm -fh foo.example.org", parsed{
			path: "app remove", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", help: true,
			flags: map[string]string{"force": "true", "help": "true"}}},
		{"help command", "help app deploy", parsed{
			path: "help", pos: []string{"app", "deploy"}, dashAt: -1, help: true, flags: none}},
		{"root -v", "-v", parsed{path: "", dashAt: -1, help: true, flags: map[string]string{"version": "true"}}},
		{"root --version", "--version", parsed{path: "", dashAt: -1, help: true, flags: map[string]string{"version": "true"}}},
		{"-v after app is not --version", "app -v", parsed{refused: true, path: "app", dashAt: -1, flags: map[string]string{"v": "true"}}},
		{"app version is a command", "app version foo.example.org", parsed{
			path: "app version", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", flags: none}},

		// Unknown flags: pflag refuses them; opsync reads them as booleans.
		{"unknown long flag", "app deploy --frobnicate foo.example.org", parsed{refused: true,
			path: "app deploy", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", modifies: true,
			flags: map[string]string{"frobnicate": "true"}}},
		{"unknown long flag with value", "app deploy --frob=x foo.example.org", parsed{refused: true,
			path: "app deploy", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", modifies: true,
			flags: map[string]string{"frob": "x"}}},
		{"unknown short flags", "app deploy -xy foo.example.org", parsed{refused: true,
			path: "app deploy", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", modifies: true,
			flags: map[string]string{"x": "true", "y": "true"}}},
		{"another command's value flag is a bool here", "app deploy --server foo.example.org", parsed{refused: true,
			path: "app deploy", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", modifies: true,
			flags: map[string]string{"server": "true"}}},

		// "-" alone is a positional.
		{"- is a positional", "app cp foo.example.org - app:/tmp/x", parsed{
			path: "app cp", pos: []string{"foo.example.org", "-", "app:/tmp/x"}, dashAt: -1, app: "foo.example.org", flags: none}},

		// Where the app and server come from.
		{"move", "app move foo.example.org new.example.org", parsed{
			path: "app move", pos: []string{"foo.example.org", "new.example.org"}, dashAt: -1, app: "foo.example.org",
			moveTo: "new.example.org", modifies: true, flags: none}},
		{"move --dry-run", "app mv -r foo.example.org new.example.org", parsed{
			path: "app move", pos: []string{"foo.example.org", "new.example.org"}, dashAt: -1, app: "foo.example.org",
			moveTo: "new.example.org", flags: map[string]string{"dry-run": "true"}}},
		{"move without target", "app m foo.example.org", parsed{
			path: "app move", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", modifies: true, flags: none}},
		{"upgrade --releasenotes", "app up foo.example.org -r", parsed{
			path: "app upgrade", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org",
			flags: map[string]string{"releasenotes": "true"}}},
		{"new without flags", "app new wordpress", parsed{
			path: "app new", pos: []string{"wordpress"}, dashAt: -1, flags: none}},
		{"new --secrets", "app new wordpress --secrets", parsed{
			path: "app new", pos: []string{"wordpress"}, dashAt: -1, modifies: true, flags: map[string]string{"secrets": "true"}}},
		{"new --secrets=false", "app new wordpress --secrets=false", parsed{
			path: "app new", pos: []string{"wordpress"}, dashAt: -1, flags: map[string]string{"secrets": "false"}}},
		{"new -S", "app n wordpress -S", parsed{
			path: "app new", pos: []string{"wordpress"}, dashAt: -1, modifies: true, flags: map[string]string{"secrets": "true"}}},
		{"list takes no app", "app ls -s hypha.social.coop", parsed{
			path: "app list", dashAt: -1, server: "hypha.social.coop", flags: map[string]string{"server": "hypha.social.coop"}}},
		{"list ignores positionals for the app", "app list foo", parsed{
			path: "app list", pos: []string{"foo"}, dashAt: -1, flags: none}},
		{"list -S is status, -r a value", "app ls -S -r wordpress -m", parsed{
			path: "app list", dashAt: -1,
			flags: map[string]string{"status": "true", "recipe": "wordpress", "machine": "true"}}},
		{"restore value flags", "app restore foo.example.org -s abc123 --target=/var/lib", parsed{
			path: "app restore", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", modifies: true,
			flags: map[string]string{"snapshot": "abc123", "target": "/var/lib"}}},
		{"backup snapshot value", "app b s foo.example.org -s abc", parsed{
			path: "app backup snapshots", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org",
			flags: map[string]string{"snapshot": "abc"}}},
		{"run -u value", "app run -u root foo.example.org app id", parsed{
			path: "app run", pos: []string{"foo.example.org", "app", "id"}, dashAt: -1, app: "foo.example.org",
			flags: map[string]string{"user": "root"}}},
		{"cmd --remote-user value", "app cmd foo.example.org app migrate -u www-data", parsed{
			path: "app command", pos: []string{"foo.example.org", "app", "migrate"}, dashAt: -1, app: "foo.example.org",
			flags: map[string]string{"remote-user": "www-data"}}},
		{"logs -S value", "app logs foo.example.org app -S 1h", parsed{
			path: "app logs", pos: []string{"foo.example.org", "app"}, dashAt: -1, app: "foo.example.org",
			flags: map[string]string{"since": "1h"}}},

		// Lines abra would refuse are still described.
		{"unknown app subcommand", "app frobnicate foo.example.org x", parsed{
			path: "app frobnicate", pos: []string{"foo.example.org", "x"}, dashAt: -1, app: "foo.example.org", flags: none}},
		{"unknown secret subcommand", "app secret frob foo.example.org", parsed{
			path: "app secret frob", pos: []string{"foo.example.org"}, dashAt: -1, app: "foo.example.org", flags: none}},
		{"old bash word order", "app foo.example.org deploy", parsed{
			path: "app foo.example.org", pos: []string{"deploy"}, dashAt: -1, app: "deploy", flags: none}},
		{"app alone", "app", parsed{path: "app", dashAt: -1, flags: none}},
		{"nothing", "", parsed{path: "", dashAt: -1, flags: none}},
		{"unknown top-level command", "frob a b", parsed{refused: true, path: "frob", pos: []string{"a", "b"}, dashAt: -1, flags: none}},
		{"top-level command with arguments", "recipe new foo", parsed{path: "recipe", pos: []string{"new", "foo"}, dashAt: -1, flags: none}},
		{"server add", "server add host.example.org -n", parsed{
			path: "server add", pos: []string{"host.example.org"}, dashAt: -1, flags: map[string]string{"no-input": "true"}}},
		{"server commands name no app", "server rm host.example.org", parsed{
			path: "server remove", pos: []string{"host.example.org"}, dashAt: -1, flags: none}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := strings.Fields(tt.args)
			inv := Parse(args)
			w := tt.want
			if got := inv.CommandName(); got != w.path {
				t.Errorf("path = %q, want %q", got, w.path)
			}
			if !slices.Equal(inv.Positionals, w.pos) {
				t.Errorf("positionals = %q, want %q", inv.Positionals, w.pos)
			}
			if inv.DashAt != w.dashAt {
				t.Errorf("DashAt = %d, want %d", inv.DashAt, w.dashAt)
			}
			if inv.App != w.app || inv.Server != w.server || inv.MoveTo != w.moveTo {
				t.Errorf("app, server, moveTo = %q, %q, %q; want %q, %q, %q", inv.App, inv.Server, inv.MoveTo, w.app, w.server, w.moveTo)
			}
			wantFlags := w.flags
			if wantFlags == nil {
				wantFlags = none
			}
			if !maps.Equal(inv.Flags, wantFlags) {
				t.Errorf("flags = %v, want %v", inv.Flags, wantFlags)
			}
			if got := inv.Modifies(); got != w.modifies {
				t.Errorf("Modifies() = %v, want %v", got, w.modifies)
			}
			if got := inv.Offline(); got != w.offline {
				t.Errorf("Offline() = %v, want %v", got, w.offline)
			}
			if got := inv.Help(); got != w.help {
				t.Errorf("Help() = %v, want %v", got, w.help)
			}
			if got := inv.Refused != nil; got != w.refused {
				t.Errorf("Refused = %v, want refused %v", inv.Refused, w.refused)
			}
			if !slices.Equal(inv.Args, args) {
				t.Errorf("Args = %q, want the input %q unchanged", inv.Args, args)
			}
		})
	}
}

// TestParseFlagPositions puts each global flag, in each spelling, at every
// place abra accepts it, and checks that the command is still understood.
func TestParseFlagPositions(t *testing.T) {
	base := []string{"app", "secret", "rm", "foo.example.org", "ssl_cert"}
	// cobra's --help is defined only once the command is found: before a
	// command word it takes that word as its value (TestParse has those).
	firstAt := map[string]int{"help": 3}
	for _, g := range []struct{ spelling, long string }{
		{"-n", "no-input"}, {"--no-input", "no-input"},
		{"-o", "offline"}, {"--offline", "offline"},
		{"-d", "debug"}, {"--debug", "debug"},
		{"-h", "help"}, {"--help", "help"},
	} {
		for at := firstAt[g.long]; at <= len(base); at++ {
			args := slices.Insert(slices.Clone(base), at, g.spelling)
			inv := Parse(args)
			if inv.CommandName() != "app secret remove" {
				t.Errorf("Parse(%q): path %q", args, inv.CommandName())
			}
			if !slices.Equal(inv.Positionals, []string{"foo.example.org", "ssl_cert"}) || inv.App != "foo.example.org" {
				t.Errorf("Parse(%q): positionals %q, app %q", args, inv.Positionals, inv.App)
			}
			if !inv.Has(g.long) {
				t.Errorf("Parse(%q): flag %s not seen (flags %v)", args, g.long, inv.Flags)
			}
			wantModifies := g.long != "help"
			if inv.Modifies() != wantModifies {
				t.Errorf("Parse(%q).Modifies() = %v, want %v", args, inv.Modifies(), wantModifies)
			}
			if inv.Offline() != (g.long == "offline") {
				t.Errorf("Parse(%q).Offline() = %v", args, inv.Offline())
			}
		}
	}
}

func TestModifiesNeverWithHelp(t *testing.T) {
	for _, tt := range commandWords {
		if !tt.modifies {
			continue
		}
		for _, h := range []string{"-h", "--help"} {
			args := append(strings.Fields(tt.words), "foo.example.org", h)
			if Parse(args).Modifies() {
				t.Errorf("Parse(%q).Modifies() = true, want false (abra only prints help)", args)
			}
		}
		args := append([]string{"help"}, strings.Fields(tt.words)...)
		if Parse(args).Modifies() {
			t.Errorf("Parse(%q).Modifies() = true, want false", args)
		}
	}
}

func TestInvocationHelpers(t *testing.T) {
	inv := Parse([]string{"app", "deploy", "foo.example.org", "--force=false", "-C"})
	if inv.Has("force") {
		t.Error(`Has("force") with --force=false = true`)
	}
	if !inv.Has("chaos") {
		t.Error(`Has("chaos") = false`)
	}
	if inv.Has("no-input") {
		t.Error(`Has("no-input") = true for a flag not given`)
	}
	if !inv.IsApp() {
		t.Error("IsApp() = false")
	}
	if Parse([]string{"server", "add", "x"}).IsApp() || Parse(nil).IsApp() {
		t.Error("IsApp() = true for a line that is not `abra app`")
	}
}

// Package abra knows abra's command line: which commands exist under which
// aliases, which flags take a value, and which commands change what is on a
// server. The knowledge is one table (Root), so that a new abra command or
// alias is one line here and nowhere else.
//
// Sources: docs/abra-reference.md §2–3 (abra ≥ 0.10, cobra/pflag parsing).
package abra

// Command is one node of abra's command tree.
type Command struct {
	Name    string
	Aliases []string
	Sub     []*Command
	// Flags are this command's own flags. Flags not listed are treated as
	// booleans, which is what pflag does for every flag that is not a value
	// flag; listing booleans only gives them a canonical long name.
	Flags []Flag

	// Modifies marks the commands that change what is on a server: opsync
	// pulls before them and commits and pushes a log entry after them.
	Modifies bool
	// Edits marks the commands that edit the app's env file on this
	// machine (app config opens it in $EDITOR): opsync pulls before them
	// whatever the cooldown, and logs them only when the file changed.
	Edits bool
	// Args says where the app name and other meaningful positionals are.
	Args ArgSpec
	// WritesVersion marks the commands that rewrite the version line
	// (TYPE=/RECIPE=) of an existing env file: deploy, upgrade, rollback,
	// and undeploy, which writes the version it took down
	// (docs/abra-reference.md §3.2 and §5: "probably writes the last
	// deployed version", marked likely; if it does not, the resolver finds
	// nothing written and does nothing). opsync's resolver keeps the local
	// version line when such a command's push races another change of it;
	// the stand-in abra writes it for exactly these commands.
	WritesVersion bool
}

// Flag is one flag of a command.
type Flag struct {
	Long  string
	Short byte // 0 when the flag has no short form
	Value bool // takes a value (--server s1); otherwise boolean
	// Effect changes whether the command modifies server state when the
	// flag is set: app new --secrets creates secrets on the server, while
	// app move --dry-run and app upgrade --releasenotes change nothing.
	Effect FlagEffect
	// Secret means the flag's value must never be logged.
	Secret bool
}

// FlagEffect is how a flag changes a command's Modifies.
type FlagEffect int

const (
	NoEffect      FlagEffect = iota
	MakesModify              // the command modifies the server only with this flag
	MakesNoModify            // with this flag the command changes nothing
)

// ArgKind says how to find the app in a command's positionals.
type ArgKind int

const (
	// AppFirst: the first positional argument is the app (domain).
	AppFirst ArgKind = iota
	// NoApp: the command takes no app (app list).
	NoApp
	// AppFromFlags: the app comes from --domain and the server from
	// --server (app new); without them abra prompts.
	AppFromFlags
)

// ArgSpec describes the positionals of a command.
type ArgSpec struct {
	Kind ArgKind
	// ServerArg is the index of a positional naming a server (app move's
	// target), or 0 when there is none (index 0 is always the app).
	ServerArg int
	// SecretArg is the index of a positional holding a secret value
	// (secret insert's <data>), or 0 for none. The flag named in
	// SecretUnlessFlag turns it into a file path, which is not secret.
	SecretArg        int
	SecretUnlessFlag string
	// RemoteCommandAt is the index of the positional that names a command run
	// on the server (app run, app command); every positional after it is
	// that command's argument list and is never logged. 0 for none.
	RemoteCommandAt int
	// RemoteCommandShiftFlag, when set, moves RemoteCommandAt one to the
	// left (app command --local has no service argument).
	RemoteCommandShiftFlag string
}

func boolFlag(long string, short byte) Flag { return Flag{Long: long, Short: short} }
func valueFlag(long string, short byte) Flag {
	return Flag{Long: long, Short: short, Value: true}
}

// Global flags are abra's persistent flags: booleans accepted anywhere.
var Global = []Flag{
	boolFlag("no-input", 'n'),
	boolFlag("offline", 'o'),
	boolFlag("debug", 'd'),
	boolFlag("help", 'h'),
}

// rootOnly flags are accepted only before any command word.
var rootOnly = []Flag{boolFlag("version", 'v')}

var (
	chaos      = boolFlag("chaos", 'C')
	force      = boolFlag("force", 'f')
	noDomain   = boolFlag("no-domain-checks", 'D')
	noConverge = boolFlag("no-converge-checks", 'c')
	machine    = boolFlag("machine", 'm')
	pass       = boolFlag("pass", 'P')
	all        = boolFlag("all", 'a')
	snapshot   = valueFlag("snapshot", 's')
)

// Root is abra's command tree as far as opsync needs it.
var Root = &Command{
	Name: "abra",
	Sub: []*Command{
		{
			Name: "app", Aliases: []string{"a"},
			Sub: []*Command{
				{Name: "deploy", Aliases: []string{"d"}, Modifies: true, WritesVersion: true,
					Flags: []Flag{chaos, boolFlag("ignore-env-version", 'i'), force, noDomain, noConverge}},
				{Name: "upgrade", Aliases: []string{"up"}, Modifies: true, WritesVersion: true,
					Flags: []Flag{force, noDomain, noConverge, chaos,
						{Long: "releasenotes", Short: 'r', Effect: MakesNoModify}}},
				{Name: "rollback", Aliases: []string{"rl"}, Modifies: true, WritesVersion: true,
					Flags: []Flag{force, noDomain, noConverge, chaos}},
				{Name: "undeploy", Aliases: []string{"un"}, Modifies: true, WritesVersion: true,
					Flags: []Flag{boolFlag("prune", 'p')}},
				{Name: "remove", Aliases: []string{"rm"}, Modifies: true,
					Flags: []Flag{force}},
				{Name: "move", Aliases: []string{"m", "mv"}, Modifies: true,
					Flags: []Flag{{Long: "dry-run", Short: 'r', Effect: MakesNoModify}},
					Args:  ArgSpec{ServerArg: 1}},
				{Name: "new", Aliases: []string{"n"},
					Flags: []Flag{valueFlag("server", 's'), valueFlag("domain", 'D'),
						{Long: "secrets", Short: 'S', Effect: MakesModify},
						boolFlag("pass", 'p'), chaos},
					Args: ArgSpec{Kind: AppFromFlags}},
				{Name: "restore", Aliases: []string{"rs"}, Modifies: true,
					Flags: []Flag{snapshot, valueFlag("target", 't')}},
				{Name: "secret", Aliases: []string{"s"},
					Sub: []*Command{
						{Name: "generate", Aliases: []string{"g"}, Modifies: true,
							Flags: []Flag{all, machine, pass, chaos}},
						{Name: "insert", Aliases: []string{"i"}, Modifies: true,
							Flags: []Flag{boolFlag("file", 'f'), boolFlag("trim", 't'), pass, chaos},
							Args:  ArgSpec{SecretArg: 3, SecretUnlessFlag: "file"}},
						{Name: "remove", Aliases: []string{"rm"}, Modifies: true,
							Flags: []Flag{all, pass}},
						{Name: "list", Aliases: []string{"ls"},
							Flags: []Flag{machine, chaos}},
					}},
				{Name: "volume", Aliases: []string{"vl"},
					Sub: []*Command{
						{Name: "remove", Aliases: []string{"rm"}, Modifies: true,
							Flags: []Flag{force}},
						{Name: "list", Aliases: []string{"ls"}},
					}},
				{Name: "backup", Aliases: []string{"b"},
					Sub: []*Command{
						{Name: "create", Aliases: []string{"c"}, Flags: []Flag{snapshot}},
						{Name: "list", Aliases: []string{"ls"}, Flags: []Flag{snapshot}},
						{Name: "download", Aliases: []string{"d"}, Flags: []Flag{snapshot}},
						{Name: "snapshots", Aliases: []string{"s"}, Flags: []Flag{snapshot}},
					}},
				{Name: "restart", Aliases: []string{"re"},
					Flags: []Flag{boolFlag("all-services", 'a')}},
				{Name: "config", Aliases: []string{"cfg"}, Edits: true},
				{Name: "list", Aliases: []string{"ls"},
					Flags: []Flag{valueFlag("server", 's'), valueFlag("recipe", 'r'),
						boolFlag("status", 'S'), machine},
					Args: ArgSpec{Kind: NoApp}},
				{Name: "ps", Aliases: []string{"p"}, Flags: []Flag{machine}},
				{Name: "logs", Aliases: []string{"lg"},
					Flags: []Flag{boolFlag("stdout", 0), boolFlag("stderr", 'e'), valueFlag("since", 'S')}},
				{Name: "command", Aliases: []string{"cmd"},
					Flags: []Flag{boolFlag("local", 'l'), valueFlag("remote-user", 'u'), boolFlag("tty", 'T'), chaos},
					Args:  ArgSpec{RemoteCommandAt: 2, RemoteCommandShiftFlag: "local"}},
				{Name: "run", Aliases: []string{"r"},
					Flags: []Flag{boolFlag("no-tty", 't'), valueFlag("user", 'u')},
					Args:  ArgSpec{RemoteCommandAt: 2}},
				{Name: "cp"},
				{Name: "labels", Aliases: []string{"lb"}, Flags: []Flag{chaos}},
				{Name: "check", Aliases: []string{"chk"}, Flags: []Flag{chaos}},
				{Name: "env"},
				{Name: "services", Aliases: []string{"sr"}},
				{Name: "errors", Flags: []Flag{boolFlag("watch", 'w')}},
				{Name: "version", Aliases: []string{"v"}, Flags: []Flag{machine}},
			},
		},
		// abra's other top-level commands are passed through untouched; they
		// are listed so that explain names them canonically.
		{Name: "server", Aliases: []string{"s"}, Sub: []*Command{
			{Name: "add", Aliases: []string{"a"}},
			{Name: "list", Aliases: []string{"ls"}},
			{Name: "remove", Aliases: []string{"rm"}},
			{Name: "prune", Aliases: []string{"p"}},
		}},
		{Name: "recipe", Aliases: []string{"r"}},
		{Name: "catalogue", Aliases: []string{"c"}},
		{Name: "upgrade", Aliases: []string{"u"}},
		{Name: "autocomplete", Aliases: []string{"ac"}},
		{Name: "help"},
	},
}

// Lookup finds the subcommand of c named name or one of its aliases.
func (c *Command) Lookup(name string) *Command {
	for _, s := range c.Sub {
		if s.Name == name {
			return s
		}
		for _, a := range s.Aliases {
			if a == name {
				return s
			}
		}
	}
	return nil
}

// flag finds a flag of c (or a global one) by long name.
func (c *Command) flag(long string) (Flag, bool) {
	if c != nil {
		for _, f := range c.Flags {
			if f.Long == long {
				return f, true
			}
		}
	}
	for _, f := range Global {
		if f.Long == long {
			return f, true
		}
	}
	return Flag{}, false
}

// shortFlag finds a flag of c (or a global one) by its short letter.
func (c *Command) shortFlag(ch byte) (Flag, bool) {
	if c != nil {
		for _, f := range c.Flags {
			if f.Short == ch {
				return f, true
			}
		}
	}
	for _, f := range Global {
		if f.Short == ch {
			return f, true
		}
	}
	return Flag{}, false
}

// ResolvePath resolves command words ("a", "s", "rm") to the canonical path
// ("app secret remove"). It reports ok=false when a word is not a command.
func ResolvePath(words []string) (path []string, ok bool) {
	c := Root
	for _, w := range words {
		s := c.Lookup(w)
		if s == nil {
			return path, false
		}
		path = append(path, s.Name)
		c = s
	}
	return path, true
}

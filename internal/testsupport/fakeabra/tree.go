package fakeabra

// commandTree builds abra's command tree: command words, aliases, flags
// and argument counts (docs/abra-reference.md §2–3). Built per run so it holds
// no shared mutable state.
func commandTree() *command {
	var (
		chaos      = boolFlag('C', "chaos", "ignore uncommitted recipes changes")
		force      = boolFlag('f', "force", "perform action without further prompt")
		noDomain   = boolFlag('D', "no-domain-checks", "disable public DNS checks")
		noConverge = boolFlag('c', "no-converge-checks", "disable converge logic checks")
		machine    = boolFlag('m', "machine", "print machine-readable output")
		pass       = boolFlag('P', "pass", "use local pass store for secrets")
		all        = boolFlag('a', "all", "all secrets")
		snapshot   = valueFlag('s', "snapshot", "snapshot to use")
	)

	app := &command{name: "app", aliases: []string{"a"}, short: "Manage apps"}
	app.add(
		&command{name: "deploy", aliases: []string{"d"}, args: "<domain> [version]",
			short: "Deploy an app", minArgs: 1, maxArgs: 2, run: runDeploy,
			flags: []flagSpec{chaos, boolFlag('i', "ignore-env-version", "ignore .env version checkout"),
				force, noDomain, noConverge}},
		&command{name: "upgrade", aliases: []string{"up"}, args: "<domain> [version]",
			short: "Upgrade an app", minArgs: 1, maxArgs: 2, run: runDeploy,
			flags: []flagSpec{force, noDomain, noConverge, chaos,
				boolFlag('r', "releasenotes", "only show release notes")}},
		&command{name: "rollback", aliases: []string{"rl"}, args: "<domain> [version]",
			short: "Roll an app back to a previous version", minArgs: 1, maxArgs: 2, run: runDeploy,
			flags: []flagSpec{force, noDomain, noConverge, chaos}},
		&command{name: "undeploy", aliases: []string{"un"}, args: "<domain>",
			short: "Undeploy a deployed app", minArgs: 1, maxArgs: 1, run: runUndeploy,
			flags: []flagSpec{boolFlag('p', "prune", "prune unused containers, networks, and dangling images")}},
		&command{name: "remove", aliases: []string{"rm"}, args: "<domain>",
			short: "Remove all app data, locally and remotely", minArgs: 1, maxArgs: 1, run: runRemove,
			flags: []flagSpec{force}},
		&command{name: "move", aliases: []string{"mv"}, args: "<domain> <server>",
			short: "Move an app to another server", minArgs: 2, maxArgs: 2, run: runMove,
			flags: []flagSpec{boolFlag('r', "dry-run", "report changes that would be made")}},
		&command{name: "new", aliases: []string{"n"}, args: "[recipe] [version]",
			short: "Create a new app", minArgs: 0, maxArgs: 2, run: runNew,
			flags: []flagSpec{valueFlag('s', "server", "specify server for new app"),
				valueFlag('D', "domain", "domain name for app"),
				boolFlag('S', "secrets", "automatically generate secrets"),
				boolFlag('p', "pass", "store secrets in a local pass store"), chaos}},
		&command{name: "restore", aliases: []string{"rs"}, args: "<domain>",
			short: "Restore a snapshot", minArgs: 1, maxArgs: 1, run: runRestore,
			flags: []flagSpec{valueFlag('s', "snapshot", "snapshot to restore"),
				valueFlag('t', "target", "target path")}},
		&command{name: "restart", aliases: []string{"re"}, args: "<domain> [service]",
			short: "Restart an app", minArgs: 1, maxArgs: 2, run: runRestart,
			flags: []flagSpec{boolFlag('a', "all-services", "restart all services")}},
		&command{name: "config", aliases: []string{"cfg"}, args: "<domain>",
			short: "Edit app config", minArgs: 1, maxArgs: 1, run: runConfig},
		&command{name: "list", aliases: []string{"ls"},
			short: "List all managed apps", minArgs: 0, maxArgs: 0, run: runList,
			flags: []flagSpec{valueFlag('s', "server", "show apps of a specific server"),
				valueFlag('r', "recipe", "show apps of a specific recipe"),
				boolFlag('S', "status", "show app deployment status"), machine}},
		&command{name: "ps", aliases: []string{"p"}, args: "<domain>",
			short: "Check app deployment status", minArgs: 1, maxArgs: 1, run: runPs,
			flags: []flagSpec{machine}},
		&command{name: "logs", aliases: []string{"lg"}, args: "<domain> [service]",
			short: "Tail app logs", minArgs: 1, maxArgs: 2, run: runLogs,
			flags: []flagSpec{boolFlag('f', "follow", "follow the logs (accepted; the stand-in prints and exits)"),
				boolFlag('o', "stdout", "only tail stdout"),
				boolFlag('e', "stderr", "only tail stderr"),
				valueFlag('S', "since", "tail logs since YYYY-MM-DDTHH:MM:SSZ")}},
		&command{name: "command", aliases: []string{"cmd"}, args: "<domain> [service | --local] <cmd> [args...]",
			short: "Run app commands", minArgs: 2, maxArgs: -1, run: runCommand,
			flags: []flagSpec{boolFlag('l', "local", "run command locally"),
				valueFlag('u', "remote-user", "user to run command as"),
				boolFlag('T', "tty", "disable remote TTY"), chaos}},
		&command{name: "run", aliases: []string{"r"}, args: "<domain> <service> <cmd> [args...]",
			short: "Run a command inside a service container", minArgs: 3, maxArgs: -1, run: runRun,
			flags: []flagSpec{boolFlag('t', "no-tty", "do not request a TTY"),
				valueFlag('u', "user", "user to run command as")}},
		&command{name: "cp", args: "<domain> <src> <dst>",
			short: "Copy files to/from a deployed app service", minArgs: 3, maxArgs: 3, run: runCp},
		&command{name: "labels", aliases: []string{"lb"}, args: "<domain>",
			short: "Show deployment labels", minArgs: 1, maxArgs: 1, run: runLabels,
			flags: []flagSpec{chaos}},
		&command{name: "check", aliases: []string{"chk"}, args: "<domain>",
			short: "Ensure an app is well configured", minArgs: 1, maxArgs: 1, run: runCheck,
			flags: []flagSpec{chaos}},
		&command{name: "env", args: "<domain>",
			short: "Show app .env values", minArgs: 1, maxArgs: 1, run: runEnv},
		&command{name: "services", aliases: []string{"sr"}, args: "<domain>",
			short: "Display all services of an app", minArgs: 1, maxArgs: 1, run: runServices},
		&command{name: "errors", args: "<domain>",
			short: "List errors for a deployed app", minArgs: 1, maxArgs: 1, run: runErrors,
			flags: []flagSpec{boolFlag('w', "watch", "run errors in a loop")}},
		&command{name: "version", aliases: []string{"v"}, args: "<domain>",
			short: "Show version info of a deployed app", minArgs: 1, maxArgs: 1, run: runVersion,
			flags: []flagSpec{machine}},
		(&command{name: "secret", aliases: []string{"s"}, short: "Manage app secrets"}).add(
			&command{name: "generate", aliases: []string{"g"}, args: "<domain> [[secret] [version] | --all]",
				short: "Generate secrets", minArgs: 1, maxArgs: -1, run: runSecretGenerate,
				flags: []flagSpec{all, machine, pass, chaos}},
			&command{name: "insert", aliases: []string{"i"}, args: "<domain> <secret> <version> <data>",
				short: "Insert secret", minArgs: 3, maxArgs: 4, run: runSecretInsert,
				flags: []flagSpec{boolFlag('f', "file", "treat input as a file"),
					boolFlag('t', "trim", "trim input"), pass, chaos}},
			&command{name: "remove", aliases: []string{"rm"}, args: "<domain> [[secret] | --all]",
				short: "Remove a secret", minArgs: 1, maxArgs: 2, run: runSecretRemove,
				flags: []flagSpec{all, pass}},
			&command{name: "list", aliases: []string{"ls"}, args: "<domain>",
				short: "List all secrets", minArgs: 1, maxArgs: 1, run: runSecretList,
				flags: []flagSpec{machine, chaos}},
		),
		(&command{name: "volume", aliases: []string{"vl"}, short: "Manage app volumes"}).add(
			&command{name: "list", aliases: []string{"ls"}, args: "<domain>",
				short: "List volumes associated with an app", minArgs: 1, maxArgs: 1, run: runVolumeList},
			&command{name: "remove", aliases: []string{"rm"}, args: "<domain> [volume]",
				short: "Remove volume(s) associated with an app", minArgs: 1, maxArgs: 2, run: runVolumeRemove,
				flags: []flagSpec{force}},
		),
		(&command{name: "backup", aliases: []string{"b"}, short: "Manage app backups"}).add(
			&command{name: "create", aliases: []string{"c"}, args: "<domain> [service]",
				short: "Create a new snapshot", minArgs: 1, maxArgs: 2, run: runBackupCreate,
				flags: []flagSpec{snapshot}},
			&command{name: "list", aliases: []string{"ls"}, args: "<domain>",
				short: "List the contents of a snapshot", minArgs: 1, maxArgs: 1, run: runBackupList,
				flags: []flagSpec{snapshot}},
			&command{name: "download", aliases: []string{"d"}, args: "<domain>",
				short: "Download a snapshot", minArgs: 1, maxArgs: 1, run: runBackupDownload,
				flags: []flagSpec{snapshot}},
			&command{name: "snapshots", aliases: []string{"s"}, args: "<domain>",
				short: "List all snapshots", minArgs: 1, maxArgs: 1, run: runBackupList,
				flags: []flagSpec{snapshot}},
		),
	)

	server := (&command{name: "server", aliases: []string{"s"}, short: "Manage servers", lenient: true}).add(
		&command{name: "add", aliases: []string{"a"}, args: "[[server] | --local] [user] [port]",
			short: "Add a new server", maxArgs: -1, run: runServerAdd,
			flags: []flagSpec{boolFlag('l', "local", "use local server")}},
		&command{name: "list", aliases: []string{"ls"}, short: "List managed servers", maxArgs: -1, run: runServerList},
		&command{name: "remove", aliases: []string{"rm"}, args: "<server>", short: "Remove a managed server", maxArgs: -1, run: runOther},
		&command{name: "prune", aliases: []string{"p"}, args: "<server>", short: "Prune resources on a server", maxArgs: -1, run: runOther},
	)
	other := func(name, alias, short string) *command {
		cmd := &command{name: name, short: short, lenient: true, maxArgs: -1, run: runOther}
		if alias != "" {
			cmd.aliases = []string{alias}
		}
		return cmd
	}
	root := &command{name: "abra", short: "The Co-op Cloud command-line utility belt (fake abra for tests)"}
	root.add(app, server,
		other("recipe", "r", "Manage recipes"),
		other("catalogue", "c", "Manage the recipe catalogue"),
		other("upgrade", "u", "Upgrade abra"),
		other("autocomplete", "ac", "Configure shell autocompletion"),
		other("completion", "", "Generate the autocompletion script for the specified shell"),
		&command{name: "help", args: "[command]", short: "Help about any command",
			maxArgs: -1, pure: true, run: runHelp},
	)
	return root
}

package engine

import (
	"fmt"
	"slices"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/config"
	"coopcloud.tech/opsync/internal/servers"
	"coopcloud.tech/opsync/internal/ui"
)

// Plan is what opsync will do around one abra command line.
type Plan struct {
	e *Engine

	Inv   *abra.Invocation
	Flags abra.SyncFlags
	// Config is nil when the command did not need it (not an app command).
	Config *config.Config
	// AbraArgs is exactly what abra is given.
	AbraArgs []string
	// Env is added to abra's environment (ABRA_DIR, so abra and opsync
	// agree on the directory whatever abra.yml says).
	Env []string
	// Line is the command line for the log: canonical and redacted.
	Line string

	// Active is false when opsync does nothing around this command; Reason
	// says why.
	Active bool
	Reason string
	// Modifies: the command changes server state and is logged.
	Modifies bool
	layout   servers.Layout
	// edits: the command edits the env file (app config, opsync commit):
	// it always pulls first and is logged only when the file changed.
	edits bool
	// command overrides Inv's command path in the entry (opsync commit).
	command string
	// serverAdd is the server `abra server add` adds (serverdirs.go).
	serverAdd string

	// scope is where the entries go, as planned: a Run starts from a copy.
	scope
}

// Target is one log entry to commit in one repository.
type Target struct {
	repo      *repo
	App       string
	Server    string
	Paths     []string // env files as abra names them ($ABRA_DIR/servers/…)
	rel       []string // the same, relative to the work tree
	MovedTo   string
	MovedFrom string

	// absentBefore are the rel paths that were not on disk before abra ran
	// (app new, the new side of a move): After adds them before its commit
	// (git commit --only takes only paths git knows) instead of learning
	// it from a refused commit.
	absentBefore []string
	absentKnown  bool // absentBefore was recorded (not for files found after abra)

	// For an edit (Plan.edits): the env file as it was before the editor
	// ran (or as the log has it, for opsync commit).
	editBefore []byte
	editKnown  bool

	// For the retry-pull resolution (resolve.go): the version variables
	// of the env file before abra ran and after, and the entry committed.
	versionsBefore, versionsAfter map[string]string
	commit                        string
	// contentBefore holds the files before abra ran, when a failure that
	// leaves them unchanged is not logged (log_unchanged_failures: false).
	contentBefore map[string][]byte
	// logged is the entry After made for it (nil until then): Outcome's
	// entries are copied from the targets when After ends.
	logged *Logged
}

// Repo is the work tree the entry is committed in.
func (t *Target) Repo() string { return t.repo.r.WorkTree }

// Commits reports whether After commits log entries.
func (p *Plan) Commits() bool { return p.Active && p.Modifies }

// Pushes reports whether After pushes them.
func (p *Plan) Pushes() bool { return p.Commits() && p.syncAllowed() }

func (p *Plan) syncAllowed() bool { return !p.Flags.NoSync && !p.Inv.Offline() }

func (p *Plan) inactive(reason string) *Plan {
	p.Active, p.Reason = false, reason
	return p
}

// Plan reads an abra command line and decides what to do around it. It runs
// neither git nor abra; it reads abra.yml, lists server directories and
// reads small files in git directories.
func (e *Engine) Plan(args []string) (*Plan, error) { return e.plan(args, e.o.Getenv) }

// PlanIn is Plan for a command whose abra directory abra has already
// resolved ("" = find it as abra does).
func (e *Engine) PlanIn(args []string, abraDir string) (*Plan, error) {
	if abraDir == "" {
		return e.plan(args, e.o.Getenv)
	}
	return e.plan(args, func(k string) string {
		if k == "ABRA_DIR" {
			return abraDir
		}
		return e.o.Getenv(k)
	})
}

func (e *Engine) plan(args []string, getenv func(string) string) (*Plan, error) {
	rest, flags, err := abra.StripSyncFlags(args)
	if err != nil {
		return nil, &Error{Code: ExitUsage, Err: err}
	}
	envFlags, err := abra.SyncFlagsFromEnv(getenv)
	if err != nil {
		return nil, &Error{Code: ExitConfig, Err: err}
	}
	flags = flags.Merge(envFlags)
	inv := abra.Parse(rest)
	// A URL on the command line (a recipe as a git URL) keeps no credentials
	// in the log, the lease or any message.
	p := &Plan{e: e, Inv: inv, Flags: flags, AbraArgs: rest, Line: ui.RedactURLs(inv.Canonical()),
		Modifies: inv.Modifies(), Active: true}
	p.scope = scope{Plan: p, repos: map[string]*repo{}}

	if !inv.IsApp() || len(inv.Path) < 2 || inv.Help() || flags.NoLog {
		// Nothing to sync; the config is read only for abra_bin, and a
		// broken one must not stop abra.
		p.Config, _ = config.Load(e.o.Dir, getenv)
	}
	switch {
	case inv.CommandName() == "server add" && !inv.Help() && !flags.NoLog && p.Config != nil && p.Config.Sync:
		return p.planServerAdd(), nil
	case !inv.IsApp():
		return p.inactive("not an `abra app` command"), nil
	case len(inv.Path) < 2 || inv.Help():
		return p.inactive("abra only prints help"), nil
	case flags.NoLog:
		return p.inactive("--no-operator-log (or OPSYNC=nolog) was given"), nil
	}
	cfg, err := config.Load(e.o.Dir, getenv)
	if err != nil {
		return nil, &Error{Code: ExitConfig, Err: fmt.Errorf("%w\nFix the file, or prefix the command with OPSYNC=nolog to run abra without opsync this once.", err)}
	}
	p.Config = cfg
	if slices.Contains(cfg.Settings.AlsoLog, inv.CommandName()) && inv.Cmd != nil && !inv.Help() {
		p.Modifies = true
	}
	if inv.Cmd != nil && inv.Cmd.Edits && !inv.Help() && !p.Modifies {
		// app config edits the env file: it must be current before the
		// editor opens (no cooldown), and the edit is an entry of its own.
		p.Modifies, p.edits = true, true
	}
	if !cfg.Sync {
		return p.inactive("operator sync is not enabled (no `sync: true` in abra.yml)"), nil
	}
	for _, n := range []struct{ what, name string }{{"app", inv.App}, {"server", inv.Server}, {"server", inv.MoveTo}} {
		if n.name == "" {
			continue
		}
		if err := abra.ValidateName(n.what, n.name); err != nil {
			return nil, &Error{Code: ExitUsage, Err: err}
		}
	}
	if err := p.needsApp(); err != nil {
		return nil, err
	}
	p.layout = servers.Layout{AbraDir: cfg.AbraDir}
	p.Env = []string{"ABRA_DIR=" + cfg.AbraDir}
	if err := p.locate(); err != nil {
		return nil, err
	}
	if !p.Modifies && inv.Cmd != nil && !inv.Help() && p.teamAlsoLogs(inv.CommandName()) {
		// The team file of a repository the command concerns logs it.
		p.Modifies = true
		if err := p.needsApp(); err != nil {
			return nil, err
		}
		if err := p.locate(); err != nil {
			return nil, err
		}
	}
	if len(p.Targets) == 0 && !p.needFind && !p.detectNew && !p.anyRepo() {
		return p.inactive("no server directory of this command is inside a git work tree"), nil
	}
	p.decidePulls()
	return p, nil
}

// needsApp refuses a modifying command that names no app: there is no
// env file to log.
func (p *Plan) needsApp() error {
	inv := p.Inv
	if p.Modifies && inv.App == "" && !(inv.Cmd != nil && inv.Cmd.Args.Kind == abra.AppFromFlags) {
		return refuse(ExitUsage, "`%s` names no app, so opsync cannot tell which env file to log. "+
			"Give the app name (the env file's name without .env), e.g. `abra %s foo.example.org`, "+
			"or add --no-operator-log to run it without a log entry", p.Line, inv.CommandName())
	}
	return nil
}

// teamAlsoLogs reports whether the team file of a repository in scope
// lists the command in also_log.
func (p *scope) teamAlsoLogs(cmd string) bool {
	for _, r := range p.repos {
		if slices.Contains(r.settings.AlsoLog, cmd) {
			return true
		}
	}
	return false
}

// SuggestsSetup reports whether the plan is an `abra server add` for which
// sync is not set up: no sync: true, or $ABRA_DIR/servers in no git work
// tree.
func (p *Plan) SuggestsSetup() bool {
	if p.Inv.CommandName() != "server add" || p.Inv.Help() || p.Config == nil {
		return false
	}
	if !p.Config.Sync {
		return true
	}
	r, err := repoOf(servers.Layout{AbraDir: p.Config.AbraDir}.Dir())
	return err == nil && r == nil
}

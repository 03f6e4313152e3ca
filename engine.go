package opsync

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/config"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/servers"
	"coopcloud.tech/opsync/internal/state"
	"coopcloud.tech/opsync/internal/ui"
)

// Exit statuses opsync uses for itself. Whenever abra ran, its own status
// wins, except that a successful abra whose log entry could not be pushed
// or committed ends with ExitNotPushed or ExitNotLogged.
const (
	ExitUsage      = 64 // the command line was refused (bad app name, app not found, ambiguous app)
	ExitNoAbra     = 69 // the real abra was not found, or the one found is opsync itself
	ExitInternal   = 70 // a bug in opsync
	ExitNotPushed  = 75 // abra succeeded; the log entry is committed locally but not pushed (opsync sync: pulled, the push failed)
	ExitNotLogged  = 76 // abra succeeded; the log entry could not be committed
	ExitSyncFailed = 77 // the pull before a modifying command failed; abra was not run (opsync sync: a repository could not be synced)
	ExitConfig     = 78 // abra.yml (operator_sync:) or OPSYNC* variables are invalid (opsync sync, log: nothing is set up for sync)
)

// Options configure an Engine. The zero value works: it uses the process's
// working directory, environment and stderr.
type Options struct {
	Dir      string              // where abra.yml is looked for; "" = working directory
	Getenv   func(string) string // nil = os.Getenv
	Stderr   io.Writer           // where opsync speaks; nil = os.Stderr
	Now      func() time.Time    // nil = time.Now
	Version  string              // opsync's version, for the Opsync-Version trailer
	Host     string              // host name for Opsync-Operator; "" = os.Hostname
	GitPath  string              // git program; "" = git from PATH
	GitTrace func(args []string) // called before every git process (tests, benchmarks)
	// After is Now's timer (nil = time.After): it paces the renewals of a
	// held lease and the polls of one waited for, so that a test clock
	// that jumps forward drives them too.
	After func(time.Duration) <-chan time.Time
	// MergeDriver is the git merge driver command for env files that
	// opsync's pulls pass to git (MergeDriverCommand of the opsync
	// program); "" leaves env files to git's line merge.
	MergeDriver string
	// ShareSSH lets a command's git processes share one ssh connection to
	// an ssh remote (git.SSHShare), where the operator's own set-up allows
	// it. The caller must then call Engine.Close when done, or the shared
	// connection lingers (up to two minutes) after it exits.
	ShareSSH bool
}

// Engine plans and carries out operator sync around abra commands.
type Engine struct {
	o   Options
	ssh *git.SSHShare // nil unless Options.ShareSSH
}

// New returns an Engine.
func New(o Options) *Engine {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Dir == "" {
		o.Dir, _ = os.Getwd()
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	e := &Engine{o: o}
	if o.ShareSSH {
		e.ssh = &git.SSHShare{}
	}
	return e
}

// Close ends the ssh connection the engine's git processes shared, if they
// shared one (Options.ShareSSH), so that nothing of opsync's outlives it.
// It does nothing otherwise.
func (e *Engine) Close() { e.ssh.Close() }

// Error is an error opsync reports instead of running abra, with the exit
// status to end with.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func refuse(code int, format string, args ...any) *Error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

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
	// Targets are the log entries to make, each in one repository.
	Targets []*Target

	layout    servers.Layout
	repos     map[string]*repo // by work tree
	needFind  bool             // the app (or move's server) is not here yet
	detectNew bool             // app new without --domain/--server
	envBefore map[string]servers.App
	// edits: the command edits the env file (app config, opsync commit):
	// it always pulls first and is logged only when the file changed.
	edits bool
	// command overrides Inv's command path in the entry (opsync commit).
	command string
	// serverAdd is the server `abra server add` adds (serverdirs.go).
	serverAdd string
	ident     string
	warnings  []string
	leases    []*heldLease // held from Before to After (leases.go)
	// pullResolved are the version-line conflicts the pull before the
	// command settled, by repository (pullresolve.go): noted in the
	// command's entry there too.
	pullResolved map[*repo][]string
	intents      []intentFile // written before abra (intent.go)
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
	entryIndex                    int // in Outcome.Entries; -1 until committed
}

// Repo is the work tree the entry is committed in.
func (t *Target) Repo() string { return t.repo.r.WorkTree }

// Pull reports whether Before pulls at least one repository.
func (p *Plan) Pull() bool {
	if !p.Active || !p.syncAllowed() {
		return false
	}
	if p.needFind || p.detectNew {
		return true
	}
	for _, r := range p.repos {
		if r.pullBefore {
			return true
		}
	}
	return false
}

// Commit reports whether After commits log entries.
func (p *Plan) Commit() bool { return p.Active && p.Modifies }

// Push reports whether After pushes them.
func (p *Plan) Push() bool { return p.Commit() && p.syncAllowed() }

func (p *Plan) syncAllowed() bool { return !p.Flags.NoSync && !p.Inv.Offline() }

// Paths lists the env files the log entries would commit, as abra names them.
func (p *Plan) Paths() []string {
	var out []string
	if !p.Commit() {
		return []string{}
	}
	for _, t := range p.Targets {
		for _, path := range t.Paths {
			if !slices.Contains(out, path) {
				out = append(out, path)
			}
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// App is the app the command acts on, "" when none.
func (p *Plan) App() string {
	if len(p.Targets) > 0 {
		return p.Targets[0].App
	}
	return p.Inv.App
}

// Server is the server the app is on, "" when not known (yet).
func (p *Plan) Server() string {
	if p.serverAdd != "" {
		return p.serverAdd
	}
	if len(p.Targets) > 0 {
		return p.Targets[0].Server
	}
	return p.Inv.Server
}

func (p *Plan) inactive(reason string) *Plan {
	p.Active, p.Reason = false, reason
	return p
}

// Plan reads an abra command line and decides what to do around it. It runs
// neither git nor abra; it reads abra.yml, lists server directories and
// reads small files in git directories.
func (e *Engine) Plan(args []string) (*Plan, error) {
	rest, flags, err := abra.StripSyncFlags(args)
	if err != nil {
		return nil, &Error{Code: ExitUsage, Err: err}
	}
	envFlags, err := abra.SyncFlagsFromEnv(e.o.Getenv)
	if err != nil {
		return nil, &Error{Code: ExitConfig, Err: err}
	}
	flags = flags.Merge(envFlags)
	inv := abra.Parse(rest)
	// A URL on the command line (a recipe as a git URL) keeps no credentials
	// in the log, the lease or any message.
	p := &Plan{e: e, Inv: inv, Flags: flags, AbraArgs: rest, Line: ui.RedactURLs(inv.Canonical()),
		Modifies: inv.Modifies(), Active: true, repos: map[string]*repo{}}

	if !inv.IsApp() || len(inv.Path) < 2 || inv.Help() || flags.NoLog {
		// Nothing to sync; the config is read only for abra_bin, and a
		// broken one must not stop abra.
		p.Config, _ = config.Load(e.o.Dir, e.o.Getenv)
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
	cfg, err := config.Load(e.o.Dir, e.o.Getenv)
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
	if p.Modifies && inv.App == "" && !(inv.Cmd != nil && inv.Cmd.Args.Kind == abra.AppFromFlags) {
		return nil, refuse(ExitUsage, "`%s` names no app, so opsync cannot tell which env file to log. "+
			"Give the app name (the env file's name without .env), e.g. `abra %s foo.example.org`, "+
			"or add --no-operator-log to run it without a log entry", p.Line, inv.CommandName())
	}
	p.layout = servers.Layout{AbraDir: cfg.AbraDir}
	p.Env = []string{"ABRA_DIR=" + cfg.AbraDir}
	if err := p.locate(); err != nil {
		return nil, err
	}
	if len(p.Targets) == 0 && !p.needFind && !p.detectNew && !p.anyRepo() {
		return p.inactive("no server directory of this command is inside a git work tree"), nil
	}
	p.decidePulls()
	return p, nil
}

func (p *Plan) anyRepo() bool { return len(p.repos) > 0 }

// repoFor returns the repository holding a server directory, nil when the
// directory is not in a git work tree.
func (p *Plan) repoFor(s servers.Server) (*repo, error) {
	r, err := git.FindRepo(s.Real)
	if errors.Is(err, git.ErrNotRepo) {
		return nil, nil
	}
	if err != nil {
		return nil, refuse(ExitConfig, "cannot read the git repository holding %s: %v", s.Path, err)
	}
	if existing, ok := p.repos[r.WorkTree]; ok {
		return existing, nil
	}
	rs := p.e.newRepo(r, p.Config.Settings)
	p.repos[r.WorkTree] = rs
	return rs, nil
}

// allRepos adds every repository holding a server directory.
func (p *Plan) allRepos() error {
	srvs, err := p.layout.Servers()
	if err != nil {
		return refuse(ExitConfig, "cannot list the server directories in %s: %v", p.layout.Dir(), err)
	}
	for _, s := range srvs {
		if _, err := p.repoFor(s); err != nil {
			return err
		}
	}
	return nil
}

// locate finds the env files and repositories the command concerns. It is
// called again by Before after pulling, when a file was not here yet.
func (p *Plan) locate() error {
	inv := p.Inv
	p.Targets, p.needFind, p.detectNew = nil, false, false
	kind := abra.AppFirst
	if inv.Cmd != nil {
		kind = inv.Cmd.Args.Kind
	}
	switch kind {
	case abra.NoApp: // app list [-s server]
		if inv.Server != "" {
			if s, err := p.layout.Server(inv.Server); err == nil {
				_, err := p.repoFor(s)
				return err
			}
		}
		return p.allRepos()

	case abra.AppFromFlags: // app new
		if inv.Server == "" || inv.App == "" {
			// abra asks for them: find the file it created afterwards.
			p.detectNew = p.Modifies
			return p.allRepos()
		}
		s, err := p.layout.Server(inv.Server)
		if err != nil {
			p.needFind = true // the server directory may arrive with a pull
			return p.allRepos()
		}
		r, err := p.repoFor(s)
		if err != nil || r == nil {
			return err
		}
		app := servers.App{Name: inv.App, Server: s}
		return p.addTarget(r, app, "", "")
	}

	if inv.App == "" {
		return nil // abra will say what is missing
	}
	apps, err := p.layout.FindApp(inv.App)
	if err != nil {
		return refuse(ExitConfig, "cannot list the server directories in %s: %v", p.layout.Dir(), err)
	}
	switch {
	case len(apps) == 0:
		p.needFind = true
		return p.allRepos()
	case len(apps) > 1 && p.Modifies:
		var where []string
		for _, a := range apps {
			where = append(where, a.Path())
		}
		return refuse(ExitUsage, "app %s has an env file in %d server directories (%s); abra would silently pick one of them, "+
			"so opsync cannot tell which one to log. Remove or rename the stale copy, then run the command again",
			inv.App, len(apps), strings.Join(where, ", "))
	}
	if inv.MoveTo != "" && p.Modifies {
		return p.locateMove(apps[0])
	}
	for _, a := range apps {
		r, err := p.repoFor(a.Server)
		if err != nil {
			return err
		}
		if r == nil {
			if p.Modifies {
				p.warnings = append(p.warnings, fmt.Sprintf("%s is not inside a git repository, so this command is not logged (run `opsync init` to set it up)", a.Server.Path))
			}
			continue
		}
		if err := p.addTarget(r, a, "", ""); err != nil {
			return err
		}
	}
	return nil
}

// locateMove plans app move: the old server's side and the new one's. In one
// repository it is one entry (git then records a rename); in two, one entry
// in each, the old side saying where the app went and the new side where it
// came from.
func (p *Plan) locateMove(from servers.App) error {
	to, err := p.layout.Server(p.Inv.MoveTo)
	if err != nil {
		p.needFind = true
		return p.allRepos()
	}
	if to.Name == from.Server.Name {
		return p.addTarget(nil, from, "", "") // abra will refuse; log the attempt where the app is
	}
	rFrom, err := p.repoFor(from.Server)
	if err != nil {
		return err
	}
	rTo, err := p.repoFor(to)
	if err != nil {
		return err
	}
	dest := servers.App{Name: from.Name, Server: to}
	switch {
	case rFrom != nil && rFrom == rTo:
		t, err := p.newTarget(rFrom, from)
		if err != nil {
			return err
		}
		t.MovedFrom, t.MovedTo = from.Server.Name, to.Name
		if err := t.addPath(dest); err != nil {
			return err
		}
		p.Targets = append(p.Targets, t)
		return nil
	default:
		if rFrom != nil {
			if err := p.addTarget(rFrom, from, to.Name, ""); err != nil {
				return err
			}
		} else {
			p.warnings = append(p.warnings, fmt.Sprintf("%s is not inside a git repository, so the old side of the move is not logged", from.Server.Path))
		}
		if rTo != nil {
			return p.addTarget(rTo, dest, "", from.Server.Name)
		}
		p.warnings = append(p.warnings, fmt.Sprintf("%s is not inside a git repository, so the new side of the move is not logged", to.Path))
	}
	return nil
}

func (p *Plan) newTarget(r *repo, a servers.App) (*Target, error) {
	t := &Target{repo: r, App: a.Name, Server: a.Server.Name, entryIndex: -1}
	return t, t.addPath(a)
}

func (t *Target) addPath(a servers.App) error {
	rel, err := t.repo.r.Rel(a.Real())
	if err != nil {
		return refuse(ExitConfig, "%v", err)
	}
	t.Paths = append(t.Paths, a.Path())
	t.rel = append(t.rel, rel)
	return nil
}

func (p *Plan) addTarget(r *repo, a servers.App, movedTo, movedFrom string) error {
	if r == nil {
		var err error
		if r, err = p.repoFor(a.Server); err != nil || r == nil {
			return err
		}
	}
	t, err := p.newTarget(r, a)
	if err != nil {
		return err
	}
	t.MovedTo, t.MovedFrom = movedTo, movedFrom
	p.Targets = append(p.Targets, t)
	return nil
}

// decidePulls marks which repositories Before pulls: every one a modifying
// command logs to; for other commands, those outside the cooldown.
func (p *Plan) decidePulls() {
	if !p.syncAllowed() {
		return
	}
	force := p.Flags.ForceSync || p.Modifies
	now := p.e.o.Now()
	for _, r := range p.repos {
		if p.needFind || p.detectNew {
			r.pullBefore = true
			continue
		}
		if !p.targetsRepo(r) && len(p.Targets) > 0 {
			continue
		}
		if force || state.Read(r.r.OpsyncDir()).CooldownLeft(now, p.Config.Settings.Cooldown) == 0 {
			r.pullBefore = true
		}
	}
}

func (p *Plan) targetsRepo(r *repo) bool {
	for _, t := range p.Targets {
		if t.repo == r {
			return true
		}
	}
	return false
}

// sortedRepos returns the plan's repositories in a fixed order (the order
// locks are taken in, so two processes never wait for each other).
func (p *Plan) sortedRepos(filter func(*repo) bool) []*repo {
	var out []*repo
	for _, r := range p.repos {
		if filter == nil || filter(r) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].r.CommonDir < out[j].r.CommonDir })
	return out
}

// say prints one opsync message on stderr.
func (e *Engine) say(format string, args ...any) {
	ui.Say(e.o.Stderr, fmt.Sprintf(format, args...))
}

// display shortens a path under the home directory to ~/….
func (e *Engine) display(path string) string { return ui.HomePath(path, e.o.Getenv("HOME")) }

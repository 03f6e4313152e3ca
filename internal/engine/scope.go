package engine

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/servers"
	"coopcloud.tech/opsync/internal/state"
)

// scope is where a command's log entries go: the repositories holding its
// server directories and the targets (one entry in one repository each).
// The plan decides it without running git; a Run starts from a copy of the
// plan's and may find more as it goes (an app that arrives with the pull,
// the env file app new created at its prompts), so the plan stays what
// explain printed.
type scope struct {
	*Plan
	repos     map[string]*repo // by work tree
	Targets   []*Target
	needFind  bool // the app (or move's server) is not here yet
	detectNew bool // app new without --domain/--server
	warnings  []string
}

// Pulls reports whether Before pulls at least one repository.
func (p *scope) Pulls() bool {
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

// Paths lists the env files the log entries would commit, as abra names them.
func (p *scope) Paths() []string {
	var out []string
	if !p.Commits() {
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
func (p *scope) App() string {
	if len(p.Targets) > 0 {
		return p.Targets[0].App
	}
	return p.Inv.App
}

// Server is the server the app is on, "" when not known (yet).
func (p *scope) Server() string {
	if p.serverAdd != "" {
		return p.serverAdd
	}
	if len(p.Targets) > 0 {
		return p.Targets[0].Server
	}
	return p.Inv.Server
}

func (p *scope) anyRepo() bool { return len(p.repos) > 0 }

// repoFor returns the repository holding a server directory, nil when the
// directory is not in a git work tree.
func (p *scope) repoFor(s servers.Server) (*repo, error) {
	r, err := repoOf(s.Real)
	if err != nil {
		return nil, refuse(ExitConfig, "cannot read the git repository holding %s: %v", s.Path, err)
	}
	if r == nil {
		return nil, nil
	}
	if existing, ok := p.repos[r.WorkTree]; ok {
		return existing, nil
	}
	settings, err := p.Config.ForRepo(r.WorkTree)
	switch {
	case err != nil && p.Modifies:
		return nil, &Error{Code: ExitConfig, Err: fmt.Errorf("%w\nabra was not run. Fix the file (it is the team's: commit and push the fix), "+
			"or prefix the command with OPSYNC=nolog to run abra without opsync this once.", err)}
	case err != nil:
		// A read-only command needs none of the team's settings.
		p.warnings = append(p.warnings, fmt.Sprintf("%v (the team's settings are ignored until the file is fixed)", err))
		settings = p.Config.Settings
	}
	rs := p.e.newRepo(r, settings)
	p.repos[r.WorkTree] = rs
	return rs, nil
}

// allRepos adds every repository holding a server directory.
func (p *scope) allRepos() error {
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
func (p *scope) locate() error {
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
func (p *scope) locateMove(from servers.App) error {
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

func (p *scope) newTarget(r *repo, a servers.App) (*Target, error) {
	t := &Target{repo: r, App: a.Name, Server: a.Server.Name}
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

func (p *scope) addTarget(r *repo, a servers.App, movedTo, movedFrom string) error {
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
func (p *scope) decidePulls() {
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
		st := state.Read(r.r.OpsyncDir())
		backoff := st.BackoffLeft(now)
		if force || (st.CooldownLeft(now, p.Config.Settings.Cooldown) == 0 && backoff == 0) {
			r.pullBefore = true
		} else if backoff > 0 {
			p.warnings = append(p.warnings, fmt.Sprintf("not pulling %s: its last pull failed %s ago (%d in a row), so read-only commands "+
				"skip it for %s more and abra runs with the local files; --force-sync tries now, `opsync sync` too",
				r.name(), now.Sub(st.LastPullFailure).Round(time.Second), st.PullFailures, backoff.Round(time.Second)))
		}
	}
}

func (p *scope) targetsRepo(r *repo) bool {
	for _, t := range p.Targets {
		if t.repo == r {
			return true
		}
	}
	return false
}

// sortedRepos returns the plan's repositories in a fixed order (the order
// locks are taken in, so two processes never wait for each other).
func (p *scope) sortedRepos(filter func(*repo) bool) []*repo {
	var out []*repo
	for _, r := range p.repos {
		if filter == nil || filter(r) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].r.CommonDir < out[j].r.CommonDir })
	return out
}

package engine

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"coopcloud.tech/opsync/internal/config"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/servers"
)

// Repository is one git repository that holds server directories of the
// abra directory, or one server directory that is not inside git at all.
// Status, Sync and Log work on them; Engine.Repos lists them.
type Repository struct {
	// Path is the top of the work tree; for a server directory outside git,
	// that directory.
	Path string
	// Servers names the server directories it holds, sorted.
	Servers []string
	// Git is false for a server directory outside any git work tree.
	Git bool
	// SyncOn says whether operator sync is on for it; Reason says why (or why
	// not), e.g. "sync: true in ~/.abra/abra.yml".
	SyncOn bool
	Reason string
	// TeamErr is why its team file (.opsync.yml) cannot be read; the
	// operator's own settings apply meanwhile, and commands that log to it
	// refuse to run until it is fixed.
	TeamErr error

	e   *Engine
	cfg *config.Config
	r   *repo // nil when Git is false
}

// Name is the path for messages, ~/… under the home directory.
func (rp *Repository) Name() string { return rp.e.display(rp.Path) }

// Repos loads the configuration for the engine's directory and returns
// every repository holding a server directory of the abra directory, sorted
// by path, each with whether sync is on and why. The servers/ directory
// itself counts when it is inside a repository, even before it holds a
// server. Server directories outside git are listed too, one each, with
// sync off. It runs no git process unless a repository's config file uses
// include directives.
func (e *Engine) Repos() ([]*Repository, error) {
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	return e.ReposIn(cfg)
}

// ReposIn is Repos for a configuration already loaded. It is the one walk
// from abra's server directories to the repositories holding them (a
// command's plan walks only to the ones it needs, with the same repoOf).
func (e *Engine) ReposIn(cfg *config.Config) ([]*Repository, error) {
	layout := servers.Layout{AbraDir: cfg.AbraDir}
	srvs, err := layout.Servers()
	if err != nil {
		return nil, refuse(ExitConfig, "cannot list the server directories in %s: %v", e.display(layout.Dir()), err)
	}
	byTree := map[string]*Repository{}
	var out []*Repository
	add := func(dir string) (*Repository, error) {
		r, err := repoOf(dir)
		if err != nil {
			return nil, refuse(ExitConfig, "cannot read the git repository holding %s: %v", e.display(dir), err)
		}
		if r == nil {
			return nil, nil
		}
		if rp, ok := byTree[r.WorkTree]; ok {
			return rp, nil
		}
		settings, terr := cfg.ForRepo(r.WorkTree)
		if terr != nil {
			settings = cfg.Settings
		}
		rp := &Repository{Path: r.WorkTree, Git: true, e: e, cfg: cfg, r: e.newRepo(r, settings), TeamErr: terr}
		rp.SyncOn, rp.Reason = e.syncReason(cfg)
		byTree[r.WorkTree] = rp
		out = append(out, rp)
		return rp, nil
	}
	if real, err := filepath.EvalSymlinks(layout.Dir()); err == nil {
		if _, err := add(real); err != nil {
			return nil, err
		}
	}
	for _, s := range srvs {
		rp, err := add(s.Real)
		if err != nil {
			return nil, err
		}
		if rp == nil {
			out = append(out, &Repository{Path: s.Path, Servers: []string{s.Name}, e: e, cfg: cfg,
				Reason: "not inside a git repository (`opsync init` sets one up)"})
			continue
		}
		rp.Servers = append(rp.Servers, s.Name)
	}
	for _, rp := range out {
		if rp.Servers == nil {
			rp.Servers = []string{}
		}
		sort.Strings(rp.Servers)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// RepoAt returns the repository whose work tree holds dir, whether or not
// it holds a server directory (for `opsync log --repo DIR`).
func (e *Engine) RepoAt(dir string) (*Repository, error) {
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(e.o.Dir, dir)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, refuse(ExitUsage, "cannot use %s as a repository: %v", dir, err)
	}
	r, err := git.FindRepo(real)
	if errors.Is(err, git.ErrNotRepo) {
		return nil, refuse(ExitUsage, "%s is not inside a git work tree", e.display(dir))
	}
	if err != nil {
		return nil, refuse(ExitConfig, "cannot read the git repository holding %s: %v", e.display(dir), err)
	}
	settings, terr := cfg.ForRepo(r.WorkTree)
	if terr != nil {
		settings = cfg.Settings
	}
	rp := &Repository{Path: r.WorkTree, Git: true, Servers: []string{}, e: e, cfg: cfg, r: e.newRepo(r, settings), TeamErr: terr}
	rp.SyncOn, rp.Reason = e.syncReason(cfg)
	layout := servers.Layout{AbraDir: cfg.AbraDir}
	holdsServersDir := false
	if all, err := e.ReposIn(cfg); err == nil {
		for _, other := range all {
			if other.Git && other.Path == r.WorkTree {
				rp.Servers = other.Servers
				holdsServersDir = true // Repos lists it: it holds servers/ or a server directory
			}
		}
	}
	if rp.SyncOn && len(rp.Servers) == 0 && !holdsServersDir {
		rp.SyncOn, rp.Reason = false, fmt.Sprintf("holds no server directory of %s", e.display(layout.Dir()))
	}
	return rp, nil
}

// GitRepo is the git repository, nil for a server directory outside git.
func (rp *Repository) GitRepo() *git.Repo {
	if rp.r == nil {
		return nil
	}
	return rp.r.r
}

// TeamFile is the repository's team file, nil when it has none (or it
// cannot be read: TeamErr).
func (rp *Repository) TeamFile() *config.TeamFile {
	if rp.cfg == nil || rp.TeamErr != nil {
		return nil
	}
	t, _ := rp.cfg.TeamFile(rp.Path)
	return t
}

// Settings lists the repository's effective settings and where each comes
// from (the defaults, its team file, the operator's abra.yml).
func (rp *Repository) Settings() []config.Source {
	if rp.cfg == nil {
		return nil
	}
	src := rp.cfg.Sources(rp.TeamFile())
	for i, s := range src {
		if s.From != "default" {
			parts := strings.Split(s.From, " + ")
			for j := range parts {
				parts[j] = rp.e.display(parts[j])
			}
			src[i].From = strings.Join(parts, " + ")
		}
	}
	return src
}

// repoOf is the git repository whose work tree holds dir (symbolic links
// resolved), nil when there is none or dir does not exist.
func repoOf(dir string) (*git.Repo, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, nil
	}
	r, err := git.FindRepo(real)
	if errors.Is(err, git.ErrNotRepo) {
		return nil, nil
	}
	return r, err
}

func (e *Engine) loadConfig() (*config.Config, error) {
	cfg, err := config.Load(e.o.Dir, e.o.Getenv)
	if err != nil {
		return nil, &Error{Code: ExitConfig, Err: err}
	}
	return cfg, nil
}

// syncReason says whether the configuration turns sync on, and where.
func (e *Engine) syncReason(cfg *config.Config) (bool, string) {
	if cfg.Sync {
		return true, "sync: true in " + e.display(cfg.SyncSource)
	}
	if cfg.SyncSource != "" {
		return false, "sync: false in " + e.display(cfg.SyncSource)
	}
	where := e.display(filepath.Join(cfg.AbraDir, "abra.yml"))
	if cfg.Project != nil {
		where = e.display(cfg.Project.Path) + " or " + where
	}
	return false, "operator sync is not enabled (no `sync: true` in " + where + ")"
}

// OptedIn returns the repositories with sync on.
func OptedIn(rs []*Repository) []*Repository {
	var out []*Repository
	for _, rp := range rs {
		if rp.SyncOn {
			out = append(out, rp)
		}
	}
	return out
}

package engine

import (
	"path/filepath"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/servers"
)

// `abra server add NAME` creates the server directory NAME. With sync on, it
// is shared at once: its placeholder (servers.WritePlaceholder) is committed
// as an entry of its own, `abra server add NAME`, and pushed, so the server
// is in every teammate's clone before it has any app, and stays there when
// its last app is removed.

// planServerAdd plans `abra server add`: nothing before abra (it changes no
// env file); After shares the new directory.
func (p *Plan) planServerAdd() *Plan {
	name := "default" // abra server add --local
	if len(p.Inv.Positionals) > 0 {
		name = p.Inv.Positionals[0]
	}
	if abra.ValidateName("server", name) != nil {
		return p.inactive("not a server name opsync can keep in the log: abra decides")
	}
	p.layout = servers.Layout{AbraDir: p.Config.AbraDir}
	p.Env = []string{"ABRA_DIR=" + p.Config.AbraDir}
	dir, err := filepath.EvalSymlinks(p.layout.Dir())
	if err != nil {
		return p.inactive("abra's servers directory is not there yet")
	}
	r, err := p.repoFor(servers.Server{Name: name, Path: p.layout.Dir(), Real: dir})
	if err != nil || r == nil {
		return p.inactive("abra's servers directory is not inside a git work tree")
	}
	p.Modifies, p.serverAdd = true, name
	return p
}

// findServerAdded writes the new server directory's placeholder and makes
// it the entry's one path; no entry when abra made no directory or the
// placeholder was there already.
func (run *Run) findServerAdded() {
	s, err := run.layout.Server(run.serverAdd)
	if err != nil {
		return
	}
	r, err := run.repoFor(s)
	if err != nil || r == nil {
		return
	}
	serverRel, err := r.r.Rel(s.Real)
	if err != nil || serverRel == "." {
		return
	}
	created, err := servers.WritePlaceholder(s.Real)
	if err != nil {
		run.e.warn("cannot keep the server directory %s in the log: %v", run.e.display(s.Path), err)
		return
	}
	if !created {
		return
	}
	rel := servers.PlaceholderRel(serverRel)
	run.Targets = append(run.Targets, &Target{repo: r, Server: s.Name,
		Paths: []string{filepath.Join(s.Path, servers.PlaceholderDir, servers.PlaceholderFile)},
		rel:   []string{rel}, absentKnown: true, absentBefore: []string{rel}})
}

package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/lease"
	"coopcloud.tech/opsync/internal/servers"
	"coopcloud.tech/opsync/oplog"
)

// The flags `opsync apps` sets on an app that needs the operator
// (README, "opsync apps").
const (
	// FlagUndeployedChange: the env file is not what the app's last deploy
	// entry left (a config edit not deployed yet).
	FlagUndeployedChange = "undeployed-change"
	// FlagFailed: the last command that changes the server failed.
	FlagFailed = "failed"
	// FlagInterrupted: the last entry (or the last one that changes the
	// server) is interrupted (Opsync-Exit: unknown), or a killed opsync
	// left a command for it that no entry records yet.
	FlagInterrupted = "interrupted"
	// FlagUnpushed: the app's last entry is not on the remote-tracking
	// branch.
	FlagUnpushed = "unpushed"
	// FlagLeased: someone holds a lease on the app (as last fetched).
	FlagLeased = "leased"
	// FlagUncommitted: the env file differs from its committed version.
	FlagUncommitted = "uncommitted"
)

// AppsQuery selects the apps `opsync apps` lists. Server and App are
// exact names (the server directory's, the env file's without .env).
type AppsQuery struct {
	Server, App string
	Attention   bool // only apps with a flag, or that could not be read
}

// AppState is one app as `opsync apps` reports it: what its env file says
// and what the local log says about it.
type AppState struct {
	Repo    string // the repository's work tree
	Server  string // the server directory's name
	App     string // the env file's name without .env
	EnvFile string // the env file, relative to Repo, with slashes
	// Version is the recipe:version the env file's version line says
	// (RECIPE= or TYPE=), "" when it has none.
	Version string
	// Last is the app's newest entry; LastDeploy its newest entry of a
	// command that deployed it (DeploysApp) or undeployed it; nil when the
	// log has none.
	Last, LastDeploy *LogEntry
	Flags            []string
	// Lease is the lease on the app as last fetched, nil when none.
	Lease *lease.Lease
	// Error says why the log (or the file) could not be read: the flags
	// that depend on it are then not set.
	Error string

	lastModify *LogEntry
	content    []byte // the env file as read
}

// NeedsAttention reports whether the app has a flag, or could not be read
// (then whether it has one cannot be told).
func (a AppState) NeedsAttention() bool { return len(a.Flags) > 0 || a.Error != "" }

// appStateJSON is AppState's JSON: every key always present, in a fixed
// order (docs/json.md, "opsync apps --json").
type appStateJSON struct {
	Repo       string       `json:"repo"`
	Server     string       `json:"server"`
	App        string       `json:"app"`
	EnvFile    string       `json:"env_file"`
	Version    string       `json:"version"`
	Flags      []string     `json:"flags"`
	LastEntry  *LogEntry    `json:"last_entry"`
	LastDeploy *LogEntry    `json:"last_deploy"`
	Lease      *lease.Lease `json:"lease"`
	Error      string       `json:"error"`
}

// MarshalJSON writes the app with the keys documented in docs/json.md.
func (a AppState) MarshalJSON() ([]byte, error) {
	j := appStateJSON{Repo: a.Repo, Server: a.Server, App: a.App, EnvFile: a.EnvFile, Version: a.Version,
		Flags: a.Flags, LastEntry: a.Last, LastDeploy: a.LastDeploy, Lease: a.Lease, Error: a.Error}
	if j.Flags == nil {
		j.Flags = []string{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// DeploysApp reports whether a successful entry of the command (a
// canonical path, "app deploy") leaves the app deployed as its env file
// says: the commands the table marks as writing the version line (deploy,
// upgrade, rollback), undeploy excepted. These are the entries that carry
// Opsync-Deployed.
func DeploysApp(command string) bool {
	return command != "app undeploy" && writesVersion(command)
}

// modifiesServer reports whether the command changes what is on a server
// (the table's Modifies).
func modifiesServer(command string) bool {
	c := abra.Root
	for _, w := range strings.Fields(command) {
		if c = c.Lookup(w); c == nil {
			return false
		}
	}
	return c.Modifies
}

// appKey is how entries are matched to apps: Opsync-Server and
// Opsync-App, in any case (as `opsync log --app/--server` match them).
func appKey(server, app string) string {
	return strings.ToLower(server) + "\x00" + strings.ToLower(app)
}

// Apps reports on every app (env file) of the repositories' server
// directories that q selects, sorted by repository, server and app. It
// reads files and the local log only: no network, no abra, no lock. Per
// repository it runs one `git log` (newest first, stopped once every
// app's last entries are found), one `git ls-tree` and one `git cat-file
// --batch-check` for the committed blobs, a `git log` of what is not on the remote-tracking
// branch, and a `git for-each-ref` for the copied leases. A repository
// whose log cannot be read gives its apps with Error set.
func (e *Engine) Apps(ctx context.Context, repos []*Repository, q AppsQuery) []AppState {
	var out []AppState
	for _, rp := range repos {
		if !rp.Git {
			continue
		}
		out = append(out, rp.apps(ctx, q)...)
	}
	if q.Attention {
		kept := out[:0]
		for _, a := range out {
			if a.NeedsAttention() {
				kept = append(kept, a)
			}
		}
		out = kept
	}
	return out
}

// envFiles lists the apps of the repository's server directories that q
// selects.
func (rp *Repository) envFiles(q AppsQuery) []*AppState {
	layout := servers.Layout{AbraDir: rp.cfg.AbraDir}
	var out []*AppState
	for _, name := range rp.Servers {
		if q.Server != "" && name != q.Server {
			continue
		}
		s, err := layout.Server(name)
		if err != nil {
			continue
		}
		entries, err := os.ReadDir(s.Real)
		if err != nil {
			out = append(out, &AppState{Repo: rp.Path, Server: name, Error: fmt.Sprintf("cannot read the server directory: %v", err)})
			continue
		}
		for _, de := range entries {
			app, ok := strings.CutSuffix(de.Name(), ".env")
			if !ok || app == "" || strings.HasPrefix(app, ".") || q.App != "" && app != q.App {
				continue
			}
			full := filepath.Join(s.Real, de.Name())
			if !de.Type().IsRegular() {
				if fi, err := os.Stat(full); err != nil || !fi.Mode().IsRegular() {
					continue // as abra: regular files, symlinks followed
				}
			}
			rel, err := filepath.Rel(rp.Path, full)
			if err != nil || strings.HasPrefix(rel, "..") {
				continue
			}
			a := &AppState{Repo: rp.Path, Server: name, App: app, EnvFile: filepath.ToSlash(rel)}
			// Read once: for the version line here, for its blob id later.
			if a.content, err = os.ReadFile(full); err != nil {
				a.Error = fmt.Sprintf("cannot read %s: %v", a.EnvFile, err)
			}
			a.Version = deployedVersionIn(a.content)
			out = append(out, a)
		}
	}
	return out
}

// apps reports on one repository's apps.
func (rp *Repository) apps(ctx context.Context, q AppsQuery) []AppState {
	list := rp.envFiles(q)
	byKey := map[string]*AppState{}
	for _, a := range list {
		if a.App != "" {
			byKey[appKey(a.Server, a.App)] = a
		}
	}
	if err := rp.readApps(ctx, byKey, q); err != nil {
		// The log cannot be read: the apps are listed, with why, and
		// no flag (none could be told).
		for _, a := range byKey {
			a.Error, a.Flags = err.Error(), nil
		}
	}
	out := make([]AppState, 0, len(list))
	for _, a := range list {
		if a.App != "" {
			a.Flags = appFlags(a)
		}
		a.content = nil
		out = append(out, *a)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Server != out[j].Server {
			return out[i].Server < out[j].Server
		}
		return out[i].App < out[j].App
	})
	return out
}

// readApps sets what the log, the files and the local refs say about the
// apps; an error when the log or the committed files cannot be read.
func (rp *Repository) readApps(ctx context.Context, byKey map[string]*AppState, q AppsQuery) error {
	if len(byKey) == 0 {
		return nil
	}
	if head, _ := rp.r.r.HeadCommit(); head != "" {
		if err := rp.lastEntries(ctx, byKey, q); err != nil {
			return err
		}
	}
	if err := rp.blobFlags(ctx, byKey); err != nil {
		return err
	}
	rp.unpushedFlags(ctx, byKey)
	rp.leaseFlags(ctx, byKey)
	rp.intentFlags(byKey)
	return nil
}

// appFlags orders the flags an app collected: the log's first, then the
// file's, then the remote's.
func appFlags(a *AppState) []string {
	order := []string{FlagFailed, FlagInterrupted, FlagUndeployedChange, FlagUncommitted, FlagUnpushed, FlagLeased}
	var out []string
	for _, f := range order {
		for _, g := range a.Flags {
			if g == f {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

func addFlag(a *AppState, f string) {
	for _, g := range a.Flags {
		if g == f {
			return
		}
	}
	a.Flags = append(a.Flags, f)
}

// lastEntries walks the log once, newest first, and stops as soon as
// every app has its last entry, its last entry of a command that changes
// the server, and its last deploy (or undeploy) entry. With one app asked
// for, git pre-selects its entries.
func (rp *Repository) lastEntries(ctx context.Context, byKey map[string]*AppState, q AppsQuery) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	filter := git.LogFilter{Revs: "HEAD"}
	if q.App != "" {
		filter.Grep = []string{"^" + oplog.KeyApp + ": *" + regexp.QuoteMeta(q.App) + " *$"}
	}
	lr := rp.r.c.StartLog(ctx, filter)
	left := len(byKey)
	complete := func(a *AppState) bool { return a.Last != nil && a.lastModify != nil && a.LastDeploy != nil }
	for left > 0 {
		c, ok := lr.Next()
		if !ok {
			break
		}
		le := rp.entry(c)
		if le.Manual || le.Merge {
			continue
		}
		en := le.Entry
		for i, server := range []string{en.Server, en.MovedTo} {
			if server == "" || i == 1 && strings.EqualFold(server, en.Server) {
				continue
			}
			a := byKey[appKey(server, en.App)]
			if a == nil || complete(a) {
				continue
			}
			if a.Last == nil {
				a.Last = &le
			}
			if a.lastModify == nil && modifiesServer(en.Command) {
				a.lastModify = &le
			}
			if a.LastDeploy == nil && en.Exit == 0 && (DeploysApp(en.Command) || en.Command == "app undeploy") {
				a.LastDeploy = &le
			}
			if complete(a) {
				left--
			}
		}
	}
	if err := lr.Close(); err != nil {
		return fmt.Errorf("cannot read the log of %s:\n%s\nCheck the repository with `git -C %s fsck`",
			rp.Name(), git.Indent(err.Error()), rp.Path)
	}
	for _, a := range byKey {
		if a.Last != nil && a.Last.Entry.Unknown() || a.lastModify != nil && a.lastModify.Entry.Unknown() {
			addFlag(a, FlagInterrupted)
		}
		if m := a.lastModify; m != nil && m.Failed() && !m.Entry.Unknown() {
			addFlag(a, FlagFailed)
		}
	}
	return nil
}

// blobFlags compares each env file as it is with the file at HEAD
// (uncommitted) and at the app's last deploy entry (undeployed-change),
// by blob id: the file's computed in Go (git.Repo.BlobHasher, of the bytes
// as they are), HEAD's read with one `git ls-tree` (cheaper than a lookup
// per file), the deploy entries' with one `git cat-file --batch-check`.
func (rp *Repository) blobFlags(ctx context.Context, byKey map[string]*AppState) error {
	head := map[string]string{}
	if id, _ := rp.r.r.HeadCommit(); id != "" {
		var err error
		if head, err = rp.r.c.HeadBlobs(ctx); err != nil {
			return fmt.Errorf("cannot read the committed env files of %s: %v", rp.Name(), err)
		}
	}
	var files []git.RevPath
	var apps []*AppState
	var now []string
	blobID := rp.r.r.BlobHasher()
	for _, a := range byKey {
		if a.Error != "" {
			continue // the file could not be read
		}
		id := blobID(a.content)
		if head[a.EnvFile] != id {
			addFlag(a, FlagUncommitted)
		}
		if a.LastDeploy != nil && DeploysApp(a.LastDeploy.Entry.Command) {
			files = append(files, git.RevPath{Rev: a.LastDeploy.Commit, Path: a.EnvFile})
			apps = append(apps, a)
			now = append(now, id)
		}
	}
	ids, err := rp.r.c.BlobsAt(ctx, files)
	if err != nil {
		return fmt.Errorf("cannot read the committed env files of %s: %v", rp.Name(), err)
	}
	for i, a := range apps {
		if ids[i] != now[i] {
			addFlag(a, FlagUndeployedChange)
		}
	}
	return nil
}

// unpushedFlags marks the apps whose last entry is not on the
// remote-tracking branch (all of them when that branch was never
// fetched). A repository without a remote keeps a local log: nothing to
// push, no flag.
func (rp *Repository) unpushedFlags(ctx context.Context, byKey map[string]*AppState) {
	remote, ref, err := rp.r.upstream(ctx)
	if err != nil || remote == "" {
		return
	}
	revs, _ := rp.r.unpushedRevs(remote, ref)
	unpushed := map[string]bool{}
	lr := rp.r.c.StartLog(ctx, git.LogFilter{Revs: revs})
	for {
		c, ok := lr.Next()
		if !ok {
			break
		}
		unpushed[c.ID] = true
	}
	if lr.Close() != nil {
		return
	}
	for _, a := range byKey {
		if a.Last != nil && unpushed[a.Last.Commit] {
			addFlag(a, FlagUnpushed)
		}
	}
}

// leaseFlags marks the apps someone holds an unexpired lease on as of
// the last pull, from the copies of the remote's lease refs it fetched:
// no network.
func (rp *Repository) leaseFlags(ctx context.Context, byKey map[string]*AppState) {
	remote, _, err := rp.r.upstream(ctx)
	if err != nil || remote == "" {
		return
	}
	rm := &lease.Remote{Git: rp.r.c, Name: remote, Now: rp.e.o.Now}
	ls, err := rm.Local(ctx)
	if err != nil {
		return
	}
	// A pull fetches the leases but does not prune their copies: a lease
	// released since stays copied. The last pull's FETCH_HEAD lists the
	// leases the remote had then, so only those count, as when a command
	// honours a lease (honourLeases).
	listed := map[string]bool{}
	for _, f := range rp.r.r.FetchHead() {
		if ref, _, ok := strings.Cut(strings.TrimPrefix(f.Desc, "'"), "' of "); ok && strings.HasPrefix(f.Desc, "'") {
			listed[ref] = true
		}
	}
	now := rp.e.o.Now()
	for _, l := range ls {
		if l.Expired(now) || !listed[lease.Ref(l.Server, l.App)] {
			continue
		}
		if a := byKey[appKey(l.Server, l.App)]; a != nil {
			l := l
			a.Lease = &l
			addFlag(a, FlagLeased)
		}
	}
}

// intentFlags marks the apps a killed opsync left a command for that is
// not logged yet (intent.go): the next opsync command on the repository
// logs it as interrupted; `opsync apps` only looks.
func (rp *Repository) intentFlags(byKey map[string]*AppState) {
	for _, f := range rp.r.pendingIntents() {
		if s := f.in.state(); s == "running" || s == "ours" {
			continue // its opsync is alive and makes the entry itself
		}
		for _, t := range f.in.Targets {
			for _, server := range []string{t.Server, t.MovedTo} {
				if a := byKey[appKey(server, t.App)]; server != "" && a != nil {
					addFlag(a, FlagInterrupted)
				}
			}
		}
	}
}

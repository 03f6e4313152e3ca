package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/servers"
	"coopcloud.tech/opsync/internal/state"
	"coopcloud.tech/opsync/oplog"
)

// Logged is one log entry After made (the oplog package defines it for
// embedders).
type Logged = oplog.Logged

// Outcome is what After did.
type Outcome struct {
	Entries []Logged
	// NotLogged: an entry the command needed could not be committed.
	NotLogged bool
	// NotPushed: an entry was committed but the push it needed failed.
	NotPushed bool
}

// ExitCode is the status to end with, given abra's: abra's own when it
// failed; when it succeeded, ExitNotLogged or ExitNotPushed if the log
// could not be completed.
func (o *Outcome) ExitCode(abraExit int) int {
	switch {
	case abraExit != 0:
		return abraExit
	case o == nil:
		return 0
	case o.NotLogged:
		return ExitNotLogged
	case o.NotPushed:
		return ExitNotPushed
	}
	return 0
}

// NotRun ends a plan whose abra could not be started: nothing ran, so
// nothing is logged; the leases Before took are released.
func (p *Plan) NotRun(ctx context.Context) {
	for _, f := range p.intents {
		os.Remove(f.path) // nothing to log for a command that never started
	}
	p.releaseLeases(ctx)
}

// After runs after abra, whatever its exit status (a failed deploy may
// already have changed the server). For a modifying command it commits one
// log entry per target, only the app's env file(s), then pushes, pulling
// and retrying a bounded number of times when someone pushed first. It
// reports problems on stderr and in the Outcome; it never loses a commit or
// leaves a half-done merge.
//
// App leases Before took are released last, once the entry is pushed or
// reported as not pushed: the command is over either way.
func (p *Plan) After(ctx context.Context, abraExit int, took time.Duration) *Outcome {
	out := &Outcome{}
	p.stopHeartbeats()
	defer p.releaseLeases(ctx)
	if !p.Active || !p.Modifies {
		return out
	}
	if p.detectNew {
		p.findCreated()
	}
	if p.serverAdd != "" {
		p.findServerAdded()
		if len(p.Targets) == 0 {
			return out // nothing new to share (abra failed, or the server was in the log already)
		}
	}
	if len(p.Targets) == 0 {
		p.e.warn("nothing to log for `%s`: no env file of it is in a git repository", p.Line)
		return out
	}
	repos := p.sortedRepos(p.targetsRepo)
	for _, r := range repos {
		if err := r.lock(ctx, p.Line); err != nil {
			p.e.sayError("the log entry for `%s` was not committed: %v", p.Line, err)
			out.NotLogged = true
			p.unlockAll(repos)
			return out
		}
	}
	defer p.unlockAll(repos)

	for _, r := range repos {
		committed := p.commitTargets(ctx, r, abraExit, took, out)
		p.dropIntent(r)
		if committed && p.Push() {
			p.push(ctx, r, out)
		} else if committed {
			p.reportLocal(r, out)
		}
	}
	return out
}

func (p *Plan) unlockAll(rs []*repo) {
	for _, r := range rs {
		r.unlock()
	}
}

// findCreated finds the env file app new created at its prompts.
func (p *Plan) findCreated() {
	now, err := p.layout.EnvFiles()
	if err != nil {
		return
	}
	for path, a := range now {
		if _, existed := p.envBefore[path]; existed {
			continue
		}
		if err := p.addTarget(nil, a, "", ""); err != nil {
			p.e.warn("%v", err)
		}
	}
	if len(p.Targets) == 0 && p.Inv.Server != "" {
		// Nothing was created (abra failed): log the attempt on the server named.
		if s, err := p.layout.Server(p.Inv.Server); err == nil {
			if r, err := p.repoFor(s); err == nil && r != nil {
				p.Targets = append(p.Targets, &Target{repo: r, App: p.Inv.App, Server: s.Name})
			}
		}
	}
}

// commitTargets commits the log entries of one repository. It reports
// whether at least one was committed.
func (p *Plan) commitTargets(ctx context.Context, r *repo, abraExit int, took time.Duration, out *Outcome) bool {
	if err := r.stateProblem(); err != nil {
		p.e.sayError("the log entry for `%s` was not committed: %v", p.Line, err)
		out.NotLogged = true
		return false
	}
	// git status runs alongside the commits: it only reads (no optional
	// index refresh), and it is needed only for the warning about the
	// repository's other changes, from which the entries' paths are left
	// out whatever moment it saw.
	type statusResult struct {
		st  *git.Status
		err error
	}
	status := make(chan statusResult, 1)
	go func() {
		st, err := r.c.Status(ctx)
		status <- statusResult{st, err}
	}()
	committed := false
	var ours []string
	for _, t := range p.Targets {
		if t.repo != r {
			continue
		}
		ours = append(ours, t.rel...)
		entry := p.entry(t, abraExit, took)
		paths, fresh := t.rel, t.newPaths()
		if keep := p.keepServerDirs(t); len(keep) > 0 {
			paths = append(slices.Clip(paths), keep...)
			fresh = append(fresh, keep...)
			// git status, running meanwhile, may see them untracked.
			ours = append(ours, keep...)
		}
		if p.edits {
			notes, changed := t.editNotes()
			if !changed {
				p.e.event(EventUnchanged, "%s is unchanged: nothing to log", p.e.display(t.Paths[0]))
				continue
			}
			entry.Notes = notes
		}
		if err := r.c.CommitOnly(ctx, oplog.Format(entry), paths, fresh); err != nil {
			p.e.sayError("the log entry for `%s` could not be committed in %s:\n%s\n%s", p.Line, r.name(), err, commitAdvice(err, t))
			out.NotLogged = true
			out.Entries = append(out.Entries, Logged{Entry: entry, Repo: r.r.WorkTree})
			continue
		}
		id, _ := r.r.HeadCommit()
		t.commit, t.entryIndex = id, len(out.Entries)
		if t.versionsBefore != nil && len(t.rel) == 1 {
			t.versionsAfter = readVersions(filepath.Join(r.r.WorkTree, t.rel[0]))
		}
		out.Entries = append(out.Entries, Logged{Entry: entry, Repo: r.r.WorkTree, Commit: id})
		committed = true
	}
	if res := <-status; res.err == nil {
		p.warnOtherChanges(r, res.st, ours)
	} else {
		p.e.warn("cannot list the other changes in %s: %v", r.name(), res.err)
	}
	return committed
}

// keepServerDirs writes the placeholder (servers.WritePlaceholder) of each
// server directory the entry commits into that has none yet, and returns
// their paths for the commit: from its first entry on, a server directory
// stays in every clone, even when its last app is removed.
func (p *Plan) keepServerDirs(t *Target) []string {
	var out []string
	for _, rel := range t.rel {
		dir := path.Dir(rel)
		if dir == "." || path.Base(dir) == servers.PlaceholderDir {
			continue // the server directory is the repository itself, or this is its placeholder
		}
		created, err := servers.WritePlaceholder(filepath.Join(t.repo.r.WorkTree, filepath.FromSlash(dir)))
		if err != nil {
			p.e.warn("cannot keep the server directory %s in the log: %v", dir, err)
			continue
		}
		if created && !slices.Contains(out, servers.PlaceholderRel(dir)) {
			out = append(out, servers.PlaceholderRel(dir))
		}
	}
	return out
}

// newPaths are the entry's paths that abra created: absent before it ran
// (or found only afterwards, app new at its prompts), on disk now.
func (t *Target) newPaths() []string {
	var out []string
	for _, rel := range t.rel {
		if t.absentKnown && !slices.Contains(t.absentBefore, rel) {
			continue
		}
		if _, err := os.Lstat(filepath.Join(t.repo.r.WorkTree, filepath.FromSlash(rel))); err == nil {
			out = append(out, rel)
		}
	}
	return out
}

func commitAdvice(err error, t *Target) string {
	s := git.StderrOf(err)
	byHand := fmt.Sprintf("commit it by hand: `git commit --only -- %s`.", strings.Join(t.rel, " "))
	switch {
	case t.repo.diskAdvice() != "":
		return t.repo.diskAdvice() + " The env file change (if any) is still in the work tree; then " + byHand
	case strings.Contains(s, "did not match any file"):
		return "The env file is probably ignored by a .gitignore rule; remove the rule (opsync never commits ignored files by force) and commit the file by hand."
	case strings.Contains(s, "index.lock"):
		return "Another git command is running in this repository; when it has finished, commit the env file by hand with the message above."
	}
	return "The env file change (if any) is still in the work tree; " + byHand
}

// entry builds the log entry of a target.
func (p *Plan) entry(t *Target, abraExit int, took time.Duration) oplog.Entry {
	op := p.ident
	if op == "" {
		op = "unknown"
	}
	if p.e.o.Host != "" {
		op += " on " + p.e.o.Host
	}
	line := p.Line
	command := p.Inv.CommandName()
	if p.command != "" {
		command = p.command
	}
	return oplog.Entry{
		Line:      line,
		Command:   command,
		Reason:    p.Flags.Reason,
		App:       t.App,
		Server:    t.Server,
		Exit:      abraExit,
		Duration:  took,
		Operator:  op,
		Version:   p.e.o.Version,
		MovedTo:   t.MovedTo,
		MovedFrom: t.MovedFrom,
		Resolved:  slices.Clone(p.pullResolved[t.repo]),
	}
}

// warnOtherChanges lists the repository's other changed files: the log
// left them alone, and the operator should know they are not synced.
func (p *Plan) warnOtherChanges(r *repo, st *git.Status, ours []string) {
	var lines []string
	for _, e := range st.Entries {
		if slices.Contains(ours, e.Path) || slices.Contains(ours, e.OrigPath) {
			continue
		}
		if e.Untracked && slices.ContainsFunc(ours, func(o string) bool { return strings.HasPrefix(o, e.Path) }) {
			continue // a new server directory holding just our file
		}
		lines = append(lines, fmt.Sprintf("%s (%s)", e.Path, e.Describe()))
	}
	// Shown when the set changes, not after every command: the same
	// untracked notes file would otherwise cost three lines each time.
	sum := sha256.Sum256([]byte(strings.Join(lines, "\x00")))
	fingerprint := hex.EncodeToString(sum[:8])
	if len(lines) == 0 {
		fingerprint = ""
	}
	dir := r.r.OpsyncDir()
	if state.Read(dir).OtherChanges == fingerprint {
		return
	}
	if err := state.Update(dir, func(s *state.State) { s.OtherChanges = fingerprint }); err != nil {
		p.e.warn("cannot record opsync's state in %s: %v", dir, err)
	}
	if len(lines) == 0 {
		return
	}
	const most = 10
	more := ""
	if len(lines) > most {
		more = fmt.Sprintf("\n… and %d more (git -C %s status)", len(lines)-most, r.r.WorkTree)
		lines = lines[:most]
	}
	p.e.warn("other files in %s have changes that are not in the log (commit them yourself if they belong there, "+
		"or list them in .gitignore; this is said again only when the list changes):\n%s%s",
		r.name(), strings.Join(lines, "\n"), more)
}

// push pushes the repository's new entries, pulling (a merge) and retrying
// when someone else pushed first. The caller holds the lock.
func (p *Plan) push(ctx context.Context, r *repo, out *Outcome) {
	remote, ref, err := r.upstream(ctx)
	if err == nil && remote == "" {
		p.reportLocal(r, out)
		return
	}
	if err == nil {
		r.onRetryConflict = p.retryResolver(r, out)
		err = r.pushWithRetry(ctx, remote, ref)
	}
	if err != nil {
		out.NotPushed = true
		ids := p.commitsIn(r, out)
		why := ""
		if advice := r.remoteAdvice(err); advice != "" {
			why = advice + "\n"
		}
		p.e.warn("the log entry for `%s` is committed in %s (%s) but NOT pushed:\n%s\n%s"+
			"Nothing is lost: the entry stays in the local repository, which is clean. "+
			"When the problem is fixed, run `opsync sync` to push it.",
			p.Line, r.name(), ids, indentErr(err), why)
		return
	}
	now := p.e.o.Now()
	r.recordPush(now)
	for i := range out.Entries {
		if out.Entries[i].Repo == r.r.WorkTree && out.Entries[i].Commit != "" {
			out.Entries[i].Pushed = true
			out.Entries[i].Remote = r.target()
		}
	}
	p.e.event(EventLogged, "logged %s in %s and pushed to %s", p.commitsIn(r, out), r.name(), r.target())
}

// reportLocal tells the operator the entry is only local, and why.
func (p *Plan) reportLocal(r *repo, out *Outcome) {
	ids := p.commitsIn(r, out)
	remote, _, err := r.upstream(context.Background())
	switch {
	case p.Flags.NoSync:
		p.e.event(EventLogged, "logged %s in %s; not pushed (--no-operator-sync); `opsync sync` pushes it", ids, r.name())
	case p.Inv.Offline():
		p.e.event(EventLogged, "logged %s in %s; not pushed (--offline); `opsync sync` pushes it", ids, r.name())
	case err != nil:
		out.NotPushed = true
		p.e.warn("logged %s in %s but NOT pushed: %v", ids, r.name(), err)
	case remote == "":
		p.e.event(EventLogged, "logged %s in %s (no remote: the log is kept locally)", ids, r.name())
	}
}

func (p *Plan) commitsIn(r *repo, out *Outcome) string {
	var ids []string
	for _, e := range out.Entries {
		if e.Repo == r.r.WorkTree && e.Commit != "" {
			ids = append(ids, shortID(e.Commit))
		}
	}
	return strings.Join(ids, ", ")
}

func shortID(id string) string {
	if len(id) > 7 {
		return id[:7]
	}
	return id
}

func indentErr(err error) string {
	return git.Indent(err.Error())
}

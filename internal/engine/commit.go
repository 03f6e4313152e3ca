package engine

import (
	"bytes"
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

// commitTargets commits the log entries of one repository. It reports
// whether at least one was committed.
func (run *Run) commitTargets(ctx context.Context, r *repo, abraExit int, took time.Duration, out *Outcome) bool {
	if err := r.stateProblem(); err != nil {
		run.e.sayError("the log entry for `%s` was not committed: %v", run.Line, err)
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
	for _, t := range run.Targets {
		if t.repo != r {
			continue
		}
		ours = append(ours, t.rel...)
		if t.unchangedFailure(abraExit) {
			run.e.event(EventUnchanged, "`%s` failed (exit %d) and left %s as it was: not logged (log_unchanged_failures is false)",
				run.Line, abraExit, run.e.display(t.Paths[0]))
			continue
		}
		entry := run.entry(t, abraExit, took)
		paths, fresh := t.rel, t.newPaths()
		if keep := run.keepServerDirs(t); len(keep) > 0 {
			paths = append(slices.Clip(paths), keep...)
			fresh = append(fresh, keep...)
			// git status, running meanwhile, may see them untracked.
			ours = append(ours, keep...)
		}
		if run.edits {
			notes, changed := t.editNotes()
			if !changed {
				run.e.event(EventUnchanged, "%s is unchanged: nothing to log", run.e.display(t.Paths[0]))
				continue
			}
			entry.Notes = append(entry.Notes, notes...)
		}
		if err := r.c.CommitOnly(ctx, oplog.Format(entry), paths, fresh); err != nil {
			run.e.sayError("the log entry for `%s` could not be committed in %s:\n%s\n%s", run.Line, r.name(), err, commitAdvice(err, t))
			out.NotLogged = true
			t.logged = &Logged{Entry: entry, Repo: r.r.WorkTree}
			continue
		}
		id, _ := r.r.HeadCommit()
		t.commit = id
		if t.versionsBefore != nil && len(t.rel) == 1 {
			t.versionsAfter = readVersions(filepath.Join(r.r.WorkTree, t.rel[0]))
		}
		t.logged = &Logged{Entry: entry, Repo: r.r.WorkTree, Commit: id}
		committed = true
	}
	if res := <-status; res.err == nil {
		run.warnOtherChanges(r, res.st, ours)
	} else {
		run.e.warn("cannot list the other changes in %s: %v", r.name(), res.err)
	}
	return committed
}

// keepServerDirs writes the placeholder (servers.WritePlaceholder) of each
// server directory the entry commits into that has none yet, and returns
// their paths for the commit: from its first entry on, a server directory
// stays in every clone, even when its last app is removed.
func (run *Run) keepServerDirs(t *Target) []string {
	var out []string
	for _, rel := range t.rel {
		dir := path.Dir(rel)
		if dir == "." || path.Base(dir) == servers.PlaceholderDir {
			continue // the server directory is the repository itself, or this is its placeholder
		}
		created, err := servers.WritePlaceholder(filepath.Join(t.repo.r.WorkTree, filepath.FromSlash(dir)))
		if err != nil {
			run.e.warn("cannot keep the server directory %s in the log: %v", dir, err)
			continue
		}
		if created && !slices.Contains(out, servers.PlaceholderRel(dir)) {
			out = append(out, servers.PlaceholderRel(dir))
		}
	}
	return out
}

// entry builds the log entry of a target.
func (run *Run) entry(t *Target, abraExit int, took time.Duration) oplog.Entry {
	op := run.ident
	if op == "" {
		op = "unknown"
	}
	if run.e.o.Host != "" {
		op += " on " + run.e.o.Host
	}
	line := run.Line
	command := run.Inv.CommandName()
	if run.command != "" {
		command = run.command
	}
	var notes []string
	if run.Flags.NoLease && run.Modifies && t.repo != nil && t.repo.settings.Lease {
		// The team (or the operator) leases every change: say that this
		// one went without.
		notes = append(notes, "no lease taken: --no-lease was given, though leasing is on for "+run.e.display(t.repo.r.WorkTree))
	}
	var deployed string
	if cn := run.Inv.CommandName(); abraExit == 0 && writesVersion(cn) && cn != "app undeploy" && t.repo != nil && len(t.rel) == 1 {
		// What the command left deployed, as the env file says after abra
		// ran. Only when abra succeeded: a failed deploy's file still
		// names the version before it, which the server may no longer run.
		// Not for undeploy, which leaves nothing deployed (the line it
		// writes is what a later deploy brings back).
		deployed = deployedVersion(filepath.Join(t.repo.r.WorkTree, t.rel[0]))
	}
	return oplog.Entry{
		Notes:     notes,
		Deployed:  deployed,
		Line:      line,
		Command:   command,
		Reason:    run.Flags.Reason,
		App:       t.App,
		Server:    t.Server,
		Exit:      abraExit,
		Duration:  took,
		Operator:  op,
		Version:   run.e.o.Version,
		MovedTo:   t.MovedTo,
		MovedFrom: t.MovedFrom,
		Session:   run.session,
		Resolved:  slices.Clone(run.pullResolved[t.repo]),
	}
}

// warnOtherChanges lists the repository's other changed files: the log
// left them alone, and the operator should know they are not synced.
func (run *Run) warnOtherChanges(r *repo, st *git.Status, ours []string) {
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
		run.e.warn("cannot record opsync's state in %s: %v", dir, err)
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
	run.e.warn("other files in %s have changes that are not in the log (commit them yourself if they belong there, "+
		"or list them in .gitignore; this is said again only when the list changes):\n%s%s",
		r.name(), strings.Join(lines, "\n"), more)
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

// findCreated finds the env file app new created at its prompts.
func (run *Run) findCreated() {
	now, err := run.layout.EnvFiles()
	if err != nil {
		return
	}
	for path, a := range now {
		if _, existed := run.envBefore[path]; existed {
			continue
		}
		if err := run.addTarget(nil, a, "", ""); err != nil {
			run.e.warn("%v", err)
		}
	}
	if len(run.Targets) == 0 && run.Inv.Server != "" {
		// Nothing was created (abra failed): log the attempt on the server named.
		if s, err := run.layout.Server(run.Inv.Server); err == nil {
			if r, err := run.repoFor(s); err == nil && r != nil {
				run.Targets = append(run.Targets, &Target{repo: r, App: run.Inv.App, Server: s.Name})
			}
		}
	}
}

// recordAbsentBefore notes which of the targets' env files are not on disk
// before abra runs: the ones it creates are new to git.
func (run *Run) recordAbsentBefore() {
	for _, t := range run.Targets {
		t.absentKnown = true
		for _, rel := range t.rel {
			path := filepath.Join(t.repo.r.WorkTree, filepath.FromSlash(rel))
			if _, err := os.Lstat(path); err != nil {
				t.absentBefore = append(t.absentBefore, rel)
			}
			if !t.repo.settings.LogUnchangedFailures {
				// To tell, if the command fails, whether it changed
				// the file (read only when that is asked for).
				b, _ := os.ReadFile(path)
				if t.contentBefore == nil {
					t.contentBefore = map[string][]byte{}
				}
				t.contentBefore[rel] = b
			}
		}
	}
}

// unchangedFailure reports whether a failed command left every file of
// the target as it was, and the operator or team does not log those
// (log_unchanged_failures: false).
func (t *Target) unchangedFailure(abraExit int) bool {
	if abraExit == 0 || t.contentBefore == nil {
		return false
	}
	for _, rel := range t.rel {
		now, _ := os.ReadFile(filepath.Join(t.repo.r.WorkTree, filepath.FromSlash(rel)))
		if !bytes.Equal(now, t.contentBefore[rel]) {
			return false
		}
	}
	return true
}

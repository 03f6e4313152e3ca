package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/envmerge"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/oplog"
)

// writesVersion reports whether the command (its canonical path, "app
// deploy") rewrites the env file's version line (TYPE= or RECIPE=) to what
// is now deployed: abra's command table says (Command.WritesVersion).
func writesVersion(path string) bool {
	c := abra.Root
	for _, w := range strings.Fields(path) {
		if c = c.Lookup(w); c == nil {
			return false
		}
	}
	return c.WritesVersion
}

// versionKeys are the variables abra writes the deployed version to.
var versionKeys = []string{"TYPE", "RECIPE"}

// versionPickaxe finds the commits that changed a line assigning one of
// versionKeys (git log -E -G, an extended regular expression).
const versionPickaxe = "^(TYPE|RECIPE)="

// readVersions returns the version variables of an env file ("" values
// for a missing file).
func readVersions(path string) map[string]string {
	b, err := os.ReadFile(path)
	if err != nil {
		return map[string]string{}
	}
	return versionsIn(b)
}

// versionsIn returns the version variables of an env file's content.
func versionsIn(b []byte) map[string]string {
	out := map[string]string{}
	vals := envmerge.Values(b)
	for _, k := range versionKeys {
		if v, ok := vals[k]; ok {
			out[k] = v
		}
	}
	return out
}

// deployedVersion is what the env file's version line says is deployed,
// "<recipe>:<version>" as abra wrote it (RECIPE= first, as abra reads it,
// then TYPE=), or "" when the file holds no version (a recipe name alone,
// or no file).
func deployedVersion(path string) string { return versionOf(readVersions(path)) }

// deployedVersionIn is deployedVersion of an env file's content.
func deployedVersionIn(b []byte) string { return versionOf(versionsIn(b)) }

func versionOf(vals map[string]string) string {
	for _, k := range []string{"RECIPE", "TYPE"} {
		if v, ok := vals[k]; ok {
			if recipe, version, found := strings.Cut(v, ":"); found && recipe != "" && version != "" {
				return v
			}
			return ""
		}
	}
	return ""
}

// recordVersionsBefore notes the version lines of the targets' env files
// before abra runs, so After can tell which ones the command wrote.
func (run *Run) recordVersionsBefore() {
	if !writesVersion(run.Inv.CommandName()) {
		return
	}
	for _, t := range run.Targets {
		if len(t.rel) == 1 {
			t.versionsBefore = readVersions(filepath.Join(t.repo.r.WorkTree, t.rel[0]))
		}
	}
}

// writtenKeys are the version variables the command changed.
func (t *Target) writtenKeys() []string {
	if t.versionsBefore == nil || t.versionsAfter == nil {
		return nil
	}
	var keys []string
	for _, k := range versionKeys {
		if after, ok := t.versionsAfter[k]; ok && after != t.versionsBefore[k] {
			keys = append(keys, k)
		}
	}
	return keys
}

// retryResolver resolves the one conflict opsync may settle by itself in
// the pull that retries a rejected push: in the app's own env file, on the
// version line the command just wrote. The local value is what is now on
// the server, so it is kept — the rest of the file merges by key as
// usual. Anything else (another file, another variable, a commit that is
// not the entry or a retry's merge on top) is left to the normal path: the
// merge is aborted and the entry stays local.
//
// The log entry says so in an Opsync-Resolved trailer. The entry commit is
// opsync's own, made seconds ago and never pushed (its push was just
// rejected), so its message is amended: the merge is aborted, the entry's
// message amended, and the same merge made again and settled the same way.
func (run *Run) retryResolver(r *repo) git.ConflictResolver {
	var t *Target
	for _, x := range run.Targets {
		if x.repo == r {
			if t != nil {
				return nil // two entries in one repository: not this case
			}
			t = x
		}
	}
	if t == nil || len(t.rel) != 1 || t.commit == "" || len(t.writtenKeys()) == 0 || t.logged == nil {
		return nil
	}
	return func(ctx context.Context, files []string) (bool, error) {
		res, ok, err := run.settleVersionConflict(ctx, r, t)
		if err != nil || !ok {
			return false, err
		}
		head, _ := r.r.HeadCommit()
		theirs := r.r.MergeHead()
		if theirs == "" {
			return false, nil
		}
		if head != t.commit {
			return run.settleLaterRetry(ctx, r, t, head, res)
		}
		mergeMsg := r.r.MergeMessage()
		entry := t.logged.Entry
		for _, c := range res.Resolved {
			entry.Resolved = append(entry.Resolved, resolvedNote(c))
		}

		// Put the note on the entry, then merge again.
		if err := r.c.AbortMerge(ctx, r.r); err != nil {
			return false, err
		}
		if err := r.c.AmendMessage(ctx, oplog.Format(entry)); err != nil {
			return false, fmt.Errorf("could not note the resolution in the log entry: %w", err)
		}
		amended, _ := r.r.HeadCommit()
		merr := r.c.Merge(ctx, theirs)
		if merr == nil {
			// git merged it without a conflict this time: done all the same.
			run.noteResolved(r, t, entry, amended, res)
			return true, nil
		}
		if r.r.InProgress() != "merge" {
			run.restoreEntry(ctx, r, t.logged.Entry)
			return false, merr
		}
		res2, ok, err := run.settleVersionConflict(ctx, r, t)
		if err == nil && ok && string(res2.Merged) == string(res.Merged) {
			err = run.finishMerge(ctx, r, t, res2.Merged, mergeMsg)
			if err == nil {
				run.noteResolved(r, t, entry, amended, res)
				return true, nil
			}
		}
		r.c.AbortMerge(ctx, r.r)
		run.restoreEntry(ctx, r, t.logged.Entry)
		return false, err
	}
}

// settleLaterRetry settles the same conflict in a later retry of the
// push, when an earlier retry has already merged on top of the entry
// (cleanly, or settling it): the entry is no longer the last commit, so its
// message stays as it is, and the merge commit carries the Opsync-Resolved
// note instead. Only merges are allowed between the entry and HEAD — those
// the earlier retries made while this process held the repository's lock.
func (run *Run) settleLaterRetry(ctx context.Context, r *repo, t *Target, head string, res envmerge.Result) (bool, error) {
	out, err := r.c.FirstParentChain(ctx, t.commit+".."+head, 50)
	if err != nil {
		return false, nil
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		if len(strings.Fields(l)) < 3 {
			return false, nil // not a merge: a commit that is not the retries'
		}
	}
	if last := strings.Fields(lines[len(lines)-1]); last[1] != t.commit {
		return false, nil // the entry is not on HEAD's first-parent line
	}
	msg := strings.TrimRight(r.r.MergeMessage(), "\n") + "\n"
	for _, c := range res.Resolved {
		msg += "\n" + oplog.KeyResolved + ": " + resolvedNote(c)
	}
	if err := run.finishMerge(ctx, r, t, res.Merged, msg+"\n"); err != nil {
		return false, err
	}
	run.sayResolved(r, t, res, "the merge commit")
	return true, nil
}

// settleVersionConflict checks that the merge in progress conflicts only
// in the target's env file and only on the version variables the command
// wrote, with our side holding what it wrote; it returns the file merged
// with those kept.
func (run *Run) settleVersionConflict(ctx context.Context, r *repo, t *Target) (envmerge.Result, bool, error) {
	var none envmerge.Result
	unmerged, err := r.c.UnmergedFiles(ctx)
	if err != nil {
		return none, false, err
	}
	if len(unmerged) != 1 || unmerged[0].Path != t.rel[0] {
		return none, false, nil
	}
	st := unmerged[0].Stages
	if st[2] == "" || st[3] == "" {
		return none, false, nil // deleted on one side
	}
	blobs, err := r.c.ReadBlobs(ctx, st[1], st[2], st[3])
	if err != nil {
		return none, false, err
	}
	written := t.writtenKeys()
	if r.theirsLater(ctx, t.commit, t.rel[0], blobs[2], written) {
		// A teammate's entry wrote the line after ours: theirs is what
		// the server runs now; entryVersionResolver keeps it.
		return none, false, nil
	}
	res := envmerge.MergeWith(blobs[0], blobs[1], blobs[2], envmerge.Options{KeepOurs: written})
	if len(res.Conflicts) > 0 || len(res.Resolved) == 0 {
		return none, false, nil
	}
	for _, c := range res.Resolved {
		if !c.InOurs || c.OursValue() != t.versionsAfter[c.Key] {
			return none, false, nil
		}
	}
	return res, true, nil
}

// finishMerge writes the settled file and commits the merge.
func (run *Run) finishMerge(ctx context.Context, r *repo, t *Target, merged []byte, msg string) error {
	path := filepath.Join(r.r.WorkTree, t.rel[0])
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := os.WriteFile(path, merged, mode); err != nil {
		return err
	}
	if err := r.c.Add(ctx, t.rel[0]); err != nil {
		return err
	}
	return r.c.CommitMerge(ctx, msg)
}

// restoreEntry puts the entry's message back when the resolution it
// announced did not happen after all.
func (run *Run) restoreEntry(ctx context.Context, r *repo, entry oplog.Entry) {
	if err := r.c.AmendMessage(ctx, oplog.Format(entry)); err != nil {
		run.e.warn("the log entry's message still claims a resolved conflict: %v", err)
		return
	}
	id, _ := r.r.HeadCommit()
	run.updateEntryCommit(r, id)
}

func (run *Run) noteResolved(r *repo, t *Target, entry oplog.Entry, commit string, res envmerge.Result) {
	t.logged.Entry = entry
	t.logged.Commit = commit
	t.commit = commit
	run.sayResolved(r, t, res, "the log entry")
}

// sayResolved tells the operator which value was kept, and where the
// Opsync-Resolved note is.
func (run *Run) sayResolved(r *repo, t *Target, res envmerge.Result, noted string) {
	var what []string
	for _, c := range res.Resolved {
		what = append(what, fmt.Sprintf("%s (yours: %s, theirs: %s)", c.Key, c.OursValue(), c.TheirsValue()))
	}
	sort.Strings(what)
	run.e.event(EventResolved, "%s changed %s of %s while your command ran; kept your value, which is what is now on the server, "+
		"and noted it in %s (Opsync-Resolved)", r.target(), strings.Join(what, ", "), t.App, noted)
}

func (run *Run) updateEntryCommit(r *repo, id string) {
	for _, t := range run.Targets {
		if t.repo == r && t.logged != nil {
			t.commit, t.logged.Commit = id, id
		}
	}
}

// resolvedNote is the Opsync-Resolved trailer's value: "TYPE kept local
// 1.3.0+1.0, remote had 1.2.5+1.0". Values of the same recipe are shown as
// versions alone.
func resolvedNote(c envmerge.Conflict) string {
	ours, theirs := c.OursValue(), c.TheirsValue()
	or, ov, ook := strings.Cut(ours, ":")
	tr, tv, tok := strings.Cut(theirs, ":")
	if ook && tok && or == tr {
		ours, theirs = ov, tv
	}
	return fmt.Sprintf("%s kept local %s, remote had %s", c.Key, ours, theirs)
}

package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"strings"

	"coopcloud.tech/opsync/internal/envmerge"
	"coopcloud.tech/opsync/internal/git"
)

// KeyChange is one variable an entry changed: Old is "" when it was added,
// New "" when it was removed. Values are the text after "=", as the env
// file (and git) has them.
type KeyChange struct {
	Key string `json:"key"`
	Old string `json:"old"`
	New string `json:"new"`
}

// FileDiff is what an entry changed in one file, by key: an env file's
// variables added, removed and changed; CommentsOnly when the file changed
// but no variable did (comments, blank lines, order).
type FileDiff struct {
	Path         string      `json:"path"`
	Status       string      `json:"status"` // "added", "removed", "modified"
	Added        []KeyChange `json:"added"`
	Removed      []KeyChange `json:"removed"`
	Changed      []KeyChange `json:"changed"`
	CommentsOnly bool        `json:"comments_only"`
}

// EnvDiff compares two versions of an env file by key (with envmerge's
// reader: the first definition of each variable counts, as abra reads it).
// Each list is sorted by key.
func EnvDiff(before, after []byte) FileDiff {
	b, a := envmerge.Values(before), envmerge.Values(after)
	d := FileDiff{Added: []KeyChange{}, Removed: []KeyChange{}, Changed: []KeyChange{}}
	for k, v := range a {
		old, ok := b[k]
		switch {
		case !ok:
			d.Added = append(d.Added, KeyChange{Key: k, New: v})
		case old != v:
			d.Changed = append(d.Changed, KeyChange{Key: k, Old: old, New: v})
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			d.Removed = append(d.Removed, KeyChange{Key: k, Old: v})
		}
	}
	for _, l := range [][]KeyChange{d.Added, d.Removed, d.Changed} {
		sort.Slice(l, func(i, j int) bool { return l[i].Key < l[j].Key })
	}
	d.CommentsOnly = len(d.Added)+len(d.Removed)+len(d.Changed) == 0 && !bytes.Equal(before, after)
	return d
}

// ShownEntry is one entry in full, as `opsync show` prints it: the log
// entry and what it changed, file by file.
type ShownEntry struct {
	LogEntry
	Changes []FileDiff
}

// MarshalJSON writes the keys of `opsync log --json`, then "changes".
func (s ShownEntry) MarshalJSON() ([]byte, error) {
	entry, err := s.LogEntry.MarshalJSON()
	if err != nil {
		return nil, err
	}
	changes := s.Changes
	if changes == nil {
		changes = []FileDiff{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(changes); err != nil {
		return nil, err
	}
	out := append(entry[:len(entry)-1:len(entry)-1], []byte(`,"changes":`)...)
	out = append(out, bytes.TrimRight(b.Bytes(), "\n")...)
	return append(out, '}'), nil
}

// Show reads one entry of the repositories' logs, named by its commit id
// or a prefix of it (4 to 64 hex digits; anything else is refused before
// git sees it), with what it changed. A prefix found in more than one
// repository is refused as ambiguous.
func (e *Engine) Show(ctx context.Context, repos []*Repository, prefix string) (ShownEntry, error) {
	if !git.ValidCommitPrefix(prefix) {
		return ShownEntry{}, refuse(ExitUsage, "%q is not a log entry: give a commit id or a prefix of one (4 to 64 hexadecimal digits), as opsync log prints them", prefix)
	}
	var found []*Repository
	var ids []string
	var why []string
	for _, rp := range repos {
		if !rp.Git {
			continue
		}
		if head, _ := rp.r.r.HeadCommit(); head == "" {
			continue
		}
		id, err := rp.r.c.ResolveCommit(ctx, prefix)
		if err != nil {
			if msg := strings.TrimSpace(err.Error()); strings.Contains(msg, "ambiguous") {
				why = append(why, rp.Name()+": "+prefix+" is ambiguous there")
			}
			continue
		}
		found, ids = append(found, rp), append(ids, id)
	}
	switch {
	case len(found) == 0 && len(why) > 0:
		return ShownEntry{}, refuse(ExitUsage, "%s: give more digits", strings.Join(why, "; "))
	case len(found) == 0:
		return ShownEntry{}, refuse(ExitUsage, "no log entry %s in %s", prefix, repoNames(repos))
	case len(found) > 1 && ids[0] != ids[1]:
		return ShownEntry{}, refuse(ExitUsage, "%s names entries in %s and %s: give more digits", prefix, found[0].Name(), found[1].Name())
	}
	rp, id := found[0], ids[0]
	c, err := rp.r.c.ReadCommitSigned(ctx, id)
	if err != nil {
		return ShownEntry{}, refuse(ExitSyncFailed, "cannot read %s in %s: %v", id, rp.Name(), err)
	}
	shown := ShownEntry{LogEntry: rp.entry(c)}
	if sid := shown.Entry.Session; sid != "" {
		shown.SessionSummary = e.SessionSummary(ctx, repos, sid) // one git process more, for an entry of a session
	}
	changes, err := rp.r.c.CommitChanges(ctx, id)
	if err != nil {
		return ShownEntry{}, refuse(ExitSyncFailed, "cannot read what %s changed in %s: %v", id, rp.Name(), err)
	}
	var blobs []string
	for _, fc := range changes {
		blobs = append(blobs, fc.OldBlob, fc.NewBlob)
	}
	contents, err := rp.r.c.ReadBlobs(ctx, blobs...)
	if err != nil {
		return ShownEntry{}, refuse(ExitSyncFailed, "cannot read the files of %s in %s: %v", id, rp.Name(), err)
	}
	for i, fc := range changes {
		d := EnvDiff(contents[2*i], contents[2*i+1])
		d.Path = fc.Path
		switch {
		case fc.OldBlob == "":
			d.Status = "added"
		case fc.NewBlob == "":
			d.Status = "removed"
		default:
			d.Status = "modified"
		}
		shown.Changes = append(shown.Changes, d)
	}
	return shown, nil
}

func repoNames(repos []*Repository) string {
	var names []string
	for _, rp := range repos {
		if rp.Git {
			names = append(names, rp.Name())
		}
	}
	if len(names) == 0 {
		return "no repository"
	}
	return strings.Join(names, ", ")
}

// patchDiffs reads a commit's patch (git.StartLogPatch) into key-level
// diffs, as Show makes them from the blobs.
func patchDiffs(patch string) []FileDiff {
	var out []FileDiff
	for _, fp := range git.FilePatches(patch) {
		d := EnvDiff(fp.Old, fp.New)
		d.Path = fp.NewPath
		switch {
		case fp.Added:
			d.Status = "added"
		case fp.Deleted:
			d.Status, d.Path = "removed", fp.OldPath
		default:
			d.Status = "modified"
		}
		out = append(out, d)
	}
	return out
}

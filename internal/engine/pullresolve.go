package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"coopcloud.tech/opsync/internal/envmerge"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/oplog"
)

// versionWriter is the last log entry on one side of a merge that changed
// an env file's version line.
type versionWriter struct {
	commit string
	time   int64 // committer time, seconds
	entry  oplog.Entry
}

// later reports whether w is later in time than o: by committer time,
// and at the same second by commit id, so that every clone settling the
// same two entries picks the same one.
func (w versionWriter) later(o versionWriter) bool {
	if w.time != o.time {
		return w.time > o.time
	}
	return w.commit > o.commit
}

// entryVersionResolver settles a conflicted pull whose only conflicts are
// env files' version lines (TYPE=, RECIPE=) that log entries wrote on both
// sides — typically our own unpushed entries (a push that lost its races,
// a command run with --no-operator-sync) against teammates' entries on the
// same app. The entry that is later in time is what the server now runs,
// so its side's value is kept; the rest of each file merges by key as
// usual. The merge commit says what was kept in Opsync-Resolved trailers,
// and note (when not nil) is given the same lines for the command's own
// entry. Anything else — another file, another variable, a version line
// that was not an entry's doing, a file deleted on one side — is left
// alone: the merge is aborted as before and the command stops (77).
func (r *repo) entryVersionResolver(note func([]string)) git.ConflictResolver {
	return func(ctx context.Context, files []string) (bool, error) {
		theirs := r.r.MergeHead()
		if theirs == "" {
			return false, nil
		}
		unmerged, err := r.c.UnmergedFiles(ctx)
		if err != nil || len(unmerged) == 0 {
			return false, err
		}
		head, err := r.r.HeadCommit()
		if err != nil || head == "" {
			return false, nil
		}
		base, err := r.mergeBase(ctx, head, theirs)
		if err != nil {
			return false, nil
		}
		type settled struct {
			path   string
			merged []byte
		}
		var done []settled
		var notes []string
		for _, u := range unmerged {
			st := u.Stages
			if st[1] == "" || st[2] == "" || st[3] == "" || !strings.HasSuffix(u.Path, ".env") {
				return false, nil
			}
			blobs, err := r.c.ReadBlobs(ctx, st[1], st[2], st[3])
			if err != nil {
				return false, err
			}
			plain := envmerge.MergeWith(blobs[0], blobs[1], blobs[2], envmerge.Options{})
			var keys []string
			for _, c := range plain.Conflicts {
				if !slices.Contains(versionKeys, c.Key) || !c.InOurs {
					return false, nil // not (only) a version line
				}
				keys = append(keys, c.Key)
			}
			if len(keys) == 0 {
				return false, nil
			}
			ours, ok := r.lastVersionWriter(ctx, base, head, u.Path, envmerge.Values(blobs[1]), keys)
			if !ok {
				return false, nil
			}
			their, ok := r.lastVersionWriter(ctx, base, theirs, u.Path, envmerge.Values(blobs[2]), keys)
			if !ok {
				return false, nil
			}
			var res envmerge.Result
			keep, other := "local", "remote"
			winner, loser := ours, their
			if ours.later(their) {
				res = envmerge.MergeWith(blobs[0], blobs[1], blobs[2], envmerge.Options{KeepOurs: keys})
			} else {
				res = envmerge.MergeWith(blobs[0], blobs[2], blobs[1], envmerge.Options{KeepOurs: keys})
				keep, other, winner, loser = "remote", "local", their, ours
			}
			if len(res.Conflicts) > 0 {
				return false, nil
			}
			for _, c := range res.Resolved {
				notes = append(notes, fmt.Sprintf("%s %s kept %s %s (%.7s, the later entry), %s had %s (%.7s)",
					u.Path, c.Key, keep, c.OursValue(), winner.commit, other, c.TheirsValue(), loser.commit))
			}
			done = append(done, settled{u.Path, res.Merged})
		}
		for _, s := range done {
			path := filepath.Join(r.r.WorkTree, filepath.FromSlash(s.path))
			mode := os.FileMode(0o644)
			if fi, err := os.Stat(path); err == nil {
				mode = fi.Mode().Perm()
			}
			if err := os.WriteFile(path, s.merged, mode); err != nil {
				return false, err
			}
			if err := r.c.Add(ctx, s.path); err != nil {
				return false, err
			}
		}
		msg := strings.TrimRight(r.r.MergeMessage(), "\n") + "\n"
		for _, n := range notes {
			msg += "\n" + oplog.KeyResolved + ": " + n
		}
		if err := r.c.CommitMerge(ctx, msg+"\n"); err != nil {
			return false, err
		}
		for _, n := range notes {
			r.e.event(EventResolved, "settled a conflict on a version line in %s: %s (Opsync-Resolved)", r.name(), n)
		}
		if note != nil {
			note(notes)
		}
		return true, nil
	}
}

// lastVersionWriter finds, among the commits in base..side, the last one
// that changed a version line of path, and checks that it is a log entry
// (its message parses as one) and that the values of keys it left in the
// file are the side's values now: that entry is then what set them. base
// and side are commit ids (historyMemo remembers the answer).
func (r *repo) lastVersionWriter(ctx context.Context, base, side, path string, now map[string]string, keys []string) (versionWriter, bool) {
	got := r.versionWriterIn(ctx, base, side, path)
	if !got.ok {
		return versionWriter{}, false
	}
	for _, k := range keys {
		if got.vals[k] != now[k] {
			return versionWriter{}, false
		}
	}
	return got.w, true
}

// firstResolving tries the resolvers in turn until one settles the
// merge; nil ones are skipped.
func firstResolving(rs ...git.ConflictResolver) git.ConflictResolver {
	return func(ctx context.Context, files []string) (bool, error) {
		for _, res := range rs {
			if res == nil {
				continue
			}
			if done, err := res(ctx, files); done || err != nil {
				return done, err
			}
		}
		return false, nil
	}
}

// theirsLater reports whether the other side of the merge in progress
// changed path's version lines keys in a log entry later in time than
// commit: then that entry, not ours, is what the server runs.
func (r *repo) theirsLater(ctx context.Context, commit, path string, theirs []byte, keys []string) bool {
	mh := r.r.MergeHead()
	if mh == "" {
		return false
	}
	head, err := r.r.HeadCommit()
	if err != nil || head == "" {
		return false
	}
	base, err := r.mergeBase(ctx, head, mh)
	if err != nil {
		return false
	}
	their, ok := r.lastVersionWriter(ctx, base, mh, path, envmerge.Values(theirs), keys)
	if !ok {
		return false
	}
	ts, err := r.c.CommitTime(ctx, commit)
	if err != nil {
		return false
	}
	t, _ := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	return their.later(versionWriter{commit: commit, time: t})
}

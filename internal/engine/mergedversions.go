package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"coopcloud.tech/opsync/internal/envmerge"
	"coopcloud.tech/opsync/oplog"
)

// settleMergedVersions runs after a merge commit opsync's pull has just
// made. For each env file whose version line log entries wrote on both
// sides since they parted, the merged file must say what the later of
// those entries wrote: that is what the server runs. A merge git found
// clean can say otherwise: when the later entry set the line back to the
// value it had where the two sides parted (a rollback), git sees a change
// on one side only and keeps that one. Then the merge commit — made a
// moment ago by this pull, not pushed, never a log entry — is made again
// with the later entry's value, noted in an Opsync-Resolved trailer.
// It reports the notes; nothing when HEAD is not a merge made on before.
func (r *repo) settleMergedVersions(ctx context.Context, before string) []string {
	out, err := r.c.MergeParents(ctx)
	parents := strings.Fields(out)
	if err != nil || len(parents) != 2 || parents[0] != before {
		return nil
	}
	base, err := r.mergeBase(ctx, parents[0], parents[1])
	if err != nil {
		return nil
	}
	changedEnv := func(side string) map[string]bool {
		out, err := r.c.ChangedBetween(ctx, base, side)
		set := map[string]bool{}
		if err != nil {
			return set
		}
		for _, p := range strings.Split(out, "\x00") {
			if strings.HasSuffix(p, ".env") {
				set[p] = true
			}
		}
		return set
	}
	ours, theirs := changedEnv(parents[0]), changedEnv(parents[1])
	var notes, fixed []string
	for path := range ours {
		if !theirs[path] {
			continue
		}
		read := func(rev string) []byte {
			b, err := r.blobAt(ctx, rev, path)
			if err != nil {
				return nil
			}
			return []byte(b)
		}
		sides := [2][]byte{read(parents[0]), read(parents[1])}
		w0, ok0 := r.lastVersionWriter(ctx, base, parents[0], path, envmerge.Values(sides[0]), versionKeys)
		w1, ok1 := r.lastVersionWriter(ctx, base, parents[1], path, envmerge.Values(sides[1]), versionKeys)
		if !ok0 || !ok1 {
			continue // not both sides' entries: the merge stands as git made it
		}
		win, lose, keep, other := 0, 1, "local", "remote"
		if w1.later(w0) {
			win, lose, keep, other = 1, 0, "remote", "local"
		}
		writers := [2]versionWriter{w0, w1}
		full := filepath.Join(r.r.WorkTree, filepath.FromSlash(path))
		merged, err := os.ReadFile(full)
		if err != nil {
			continue
		}
		want, have := envmerge.Values(sides[win]), envmerge.Values(merged)
		text := string(merged)
		changed := false
		for _, k := range versionKeys {
			if want[k] == "" || want[k] == have[k] {
				continue
			}
			line, ok := assignmentLine(string(sides[win]), k)
			next, ok2 := replaceAssignment(text, k, line)
			if !ok || !ok2 {
				continue // the key is not on exactly one line: leave it
			}
			text, changed = next, true
			notes = append(notes, fmt.Sprintf("%s %s kept %s %s (%.7s, the later entry), %s had %s (%.7s)",
				path, k, keep, want[k], writers[win].commit, other, have[k], writers[lose].commit))
		}
		if !changed {
			continue
		}
		fi, err := os.Stat(full)
		if err != nil || os.WriteFile(full, []byte(text), fi.Mode().Perm()) != nil {
			continue
		}
		fixed = append(fixed, path)
	}
	if len(fixed) == 0 {
		return nil
	}
	msg, err := r.c.CommitMessage(ctx, "HEAD")
	if err == nil {
		err = r.c.Add(ctx, fixed...)
	}
	if err == nil {
		msg = strings.TrimRight(msg, "\n") + "\n"
		if len(oplog.ParseTrailers(msg)) == 0 {
			msg += "\n"
		}
		for _, n := range notes {
			msg += oplog.KeyResolved + ": " + n + "\n"
		}
		err = r.c.AmendMerge(ctx, msg)
	}
	if err != nil {
		r.e.warn("the merge in %s kept a version line the later log entry had changed, and correcting it failed (%v); "+
			"check %s", r.name(), err, strings.Join(fixed, ", "))
		return nil
	}
	for _, n := range notes {
		r.e.event(EventResolved, "settled a version line in %s that the merge had taken from the earlier entry: %s (Opsync-Resolved)", r.name(), n)
	}
	return notes
}

// assignmentLine is the one line of an env file that assigns key.
func assignmentLine(file, key string) (string, bool) {
	var found string
	n := 0
	for _, l := range strings.Split(file, "\n") {
		if assigns(l, key) {
			found, n = strings.TrimRight(l, "\r"), n+1
		}
	}
	return found, n == 1
}

// replaceAssignment puts line in place of the one line of file that assigns
// key, keeping that line's ending.
func replaceAssignment(file, key, line string) (string, bool) {
	lines := strings.Split(file, "\n")
	at := -1
	for i, l := range lines {
		if assigns(l, key) {
			if at >= 0 {
				return file, false
			}
			at = i
		}
	}
	if at < 0 {
		return file, false
	}
	cr := ""
	if strings.HasSuffix(lines[at], "\r") {
		cr = "\r"
	}
	lines[at] = line + cr
	return strings.Join(lines, "\n"), true
}

func assigns(line, key string) bool {
	l := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "export "))
	return strings.HasPrefix(l, key+"=")
}

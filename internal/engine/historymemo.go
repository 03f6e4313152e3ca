package engine

import (
	"context"
	"strings"
	"sync"

	"coopcloud.tech/opsync/internal/envmerge"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/oplog"
)

// historyMemo keeps what the version-line checks of one opsync process
// learnt from the history: merge bases, the last entry on each side that
// wrote a file's version line, and that entry's file. Keys are commit ids,
// which never change what they name, so nothing in it goes stale. A pull
// that retries a lost push asks the same questions up to three times (the
// retry resolver, entryVersionResolver, settleMergedVersions), and every
// git process between the fetch and the push widens the window in which
// another operator's push makes this one lose again.
type historyMemo struct {
	mu      sync.Mutex
	bases   map[string]string
	writers map[string]writerLookup
	blobs   map[string]string // "<commit>:<path>" → the file
}

// writerLookup is what lastVersionWriter found for base..side in path.
type writerLookup struct {
	w    versionWriter
	vals map[string]string // the version variables in the writer's file
	ok   bool
}

// mergeBase is git merge-base of the commits a and b, remembered.
func (r *repo) mergeBase(ctx context.Context, a, b string) (string, error) {
	key := a + " " + b
	r.memo.mu.Lock()
	base, ok := r.memo.bases[key]
	r.memo.mu.Unlock()
	if ok {
		return base, nil
	}
	out, err := r.c.MergeBase(ctx, a, b)
	if err != nil {
		return "", err
	}
	base = strings.TrimSpace(out)
	if isCommitID(a) && isCommitID(b) {
		r.memo.mu.Lock()
		if r.memo.bases == nil {
			r.memo.bases = map[string]string{}
		}
		r.memo.bases[key] = base
		r.memo.mu.Unlock()
	}
	return base, nil
}

// versionWriterIn finds, among the commits in base..side, the last one
// that changed a version line of path, with its entry (ok false when it
// is not a log entry) and the version variables of its file. Two git
// processes, or none when this process asked before.
func (r *repo) versionWriterIn(ctx context.Context, base, side, path string) writerLookup {
	key := base + ".." + side + "\x00" + path
	cache := isCommitID(base) && isCommitID(side)
	if cache {
		r.memo.mu.Lock()
		got, ok := r.memo.writers[key]
		r.memo.mu.Unlock()
		if ok {
			return got
		}
	}
	got := r.findVersionWriter(ctx, base, side, path)
	if cache {
		r.memo.mu.Lock()
		if r.memo.writers == nil {
			r.memo.writers = map[string]writerLookup{}
		}
		r.memo.writers[key] = got
		r.memo.mu.Unlock()
	}
	return got
}

func (r *repo) findVersionWriter(ctx context.Context, base, side, path string) writerLookup {
	var none writerLookup
	list, err := r.c.LinesChangedWithMessages(ctx, versionPickaxe, base+".."+side, path)
	if err != nil {
		return none
	}
	var w versionWriter
	var msg string
	for _, c := range list {
		if x := (versionWriter{commit: c.ID, time: c.Time}); w.commit == "" || x.later(w) {
			w, msg = x, c.Message
		}
	}
	if w.commit == "" {
		return none
	}
	entry, ok := oplog.Parse(msg)
	if !ok {
		return none
	}
	file, err := r.blobAt(ctx, w.commit, path)
	if err != nil {
		return none
	}
	w.entry = entry
	return writerLookup{w: w, vals: envmerge.Values([]byte(file)), ok: true}
}

// blobAt is path's content in commit, remembered when commit is an id.
func (r *repo) blobAt(ctx context.Context, commit, path string) (string, error) {
	key := commit + ":" + path
	r.memo.mu.Lock()
	file, ok := r.memo.blobs[key]
	r.memo.mu.Unlock()
	if ok {
		return file, nil
	}
	file, err := r.c.Blob(ctx, commit, path)
	if err != nil || !isCommitID(commit) {
		return file, err
	}
	r.memo.mu.Lock()
	if r.memo.blobs == nil {
		r.memo.blobs = map[string]string{}
	}
	r.memo.blobs[key] = file
	r.memo.mu.Unlock()
	return file, nil
}

// isCommitID reports whether s is a full object id (sha1 or sha256), not
// a name such as HEAD whose meaning changes.
func isCommitID(s string) bool { return git.IsObjectID(s) }

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
	return remember(&r.memo.mu, &r.memo.bases, a+" "+b, git.IsObjectID(a) && git.IsObjectID(b), func() (string, error) {
		out, err := r.c.MergeBase(ctx, a, b)
		return strings.TrimSpace(out), err
	})
}

// versionWriterIn finds, among the commits in base..side, the last one
// that changed a version line of path, with its entry (ok false when it
// is not a log entry) and the version variables of its file. Two git
// processes, or none when this process asked before.
func (r *repo) versionWriterIn(ctx context.Context, base, side, path string) writerLookup {
	got, _ := remember(&r.memo.mu, &r.memo.writers, base+".."+side+"\x00"+path, git.IsObjectID(base) && git.IsObjectID(side),
		func() (writerLookup, error) { return r.findVersionWriter(ctx, base, side, path), nil })
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
	return remember(&r.memo.mu, &r.memo.blobs, commit+":"+path, git.IsObjectID(commit), func() (string, error) {
		return r.c.Blob(ctx, commit, path)
	})
}

// remember returns what m holds for key, else what compute gives, kept in
// m (made when nil) when keep says the key names something that never
// changes and compute did not fail.
func remember[V any](mu *sync.Mutex, m *map[string]V, key string, keep bool, compute func() (V, error)) (V, error) {
	mu.Lock()
	v, ok := (*m)[key]
	mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := compute()
	if err != nil || !keep {
		return v, err
	}
	mu.Lock()
	if *m == nil {
		*m = map[string]V{}
	}
	(*m)[key] = v
	mu.Unlock()
	return v, nil
}

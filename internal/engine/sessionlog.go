package engine

import (
	"context"
	"strings"

	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/oplog"
)

// sessionFinder finds the summary of a session in the history of the
// repositories: the subject of its start entry, `opsync session start:
// <summary>` (Opsync-Command: opsync session start). git selects the start
// entries itself (one `git log --grep` per repository, started when a
// summary is first asked for there), newest first, and they are read only
// as far back as the sessions asked for need: a session's start entry is
// older than its other entries, so while the log is listed newest first,
// the start entries it needs come in the same order. Listing the whole log
// costs one more walk of the history per repository; `--limit 20` only
// the walk back to the oldest session it shows. A session's first start
// entry found wins (one started in several repositories has the same
// start entry in each). The summary is a teammate's text: it is returned
// as it is, for the caller to escape.
type sessionFinder struct {
	ctx     context.Context
	repos   []*Repository
	readers map[*Repository]*git.LogReader
	done    map[*Repository]bool
	known   map[string]string
}

func newSessionFinder(ctx context.Context, repos []*Repository) *sessionFinder {
	return &sessionFinder{ctx: ctx, repos: repos, readers: map[*Repository]*git.LogReader{},
		done: map[*Repository]bool{}, known: map[string]string{}}
}

var sessionStartFilter = git.LogFilter{Revs: "HEAD", Grep: []string{"^" + oplog.KeyCommand + ": *" + sessionStartCommand + " *$"}}

// summary returns the summary of session id, "" when no start entry of it
// is in the history.
func (f *sessionFinder) summary(id string) string {
	if s, ok := f.known[id]; ok {
		return s
	}
	for _, rp := range f.repos {
		if f.done[rp] || !rp.Git {
			continue
		}
		lr := f.readers[rp]
		if lr == nil {
			if head, _ := rp.r.r.HeadCommit(); head == "" {
				f.done[rp] = true
				continue
			}
			lr = rp.r.c.StartLog(f.ctx, sessionStartFilter)
			f.readers[rp] = lr
		}
		for {
			c, ok := lr.Next()
			if !ok {
				// A history git cannot read is the log's own error to
				// report; here a session is then shown without summary.
				lr.Close()
				f.done[rp] = true
				break
			}
			en, logged := oplog.Parse(c.Message)
			if !logged || c.IsMerge() || en.Command != sessionStartCommand || en.Session == "" {
				continue
			}
			if _, seen := f.known[en.Session]; !seen {
				f.known[en.Session] = sessionSummaryOf(en.Line)
			}
			if en.Session == id {
				return f.known[id]
			}
		}
	}
	// Every start entry has been read: none is this session's.
	f.known[id] = ""
	return ""
}

// close stops the git processes still reading.
func (f *sessionFinder) close() {
	for rp, lr := range f.readers {
		if !f.done[rp] {
			lr.Close()
		}
	}
}

// sessionSummaryOf reads the summary from a start entry's subject.
func sessionSummaryOf(subject string) string {
	s, ok := strings.CutPrefix(subject, sessionStartCommand+":")
	if !ok {
		return ""
	}
	return strings.TrimSpace(s)
}

// SessionSummary finds the summary of one session in the history of the
// repositories ("" when no start entry of it is there).
func (e *Engine) SessionSummary(ctx context.Context, repos []*Repository, id string) string {
	f := newSessionFinder(ctx, repos)
	defer f.close()
	return f.summary(id)
}

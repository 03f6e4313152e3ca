package engine

import (
	"context"
	"strings"

	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/oplog"
)

// sessionSummaries finds the summary of every session in the history of
// the repositories: the subject of its start entry, `opsync session start:
// <summary>` (Opsync-Command: opsync session start). git selects the start
// entries itself (one `git log --grep` per repository), so this costs one
// process per repository however long the log. Each session's first start
// entry found wins (a session started in several repositories has the
// same start entry in each). What the subject says is a teammate's text:
// it is returned as it is, for the caller to escape.
func (e *Engine) sessionSummaries(ctx context.Context, repos []*Repository) map[string]string {
	out := map[string]string{}
	filter := git.LogFilter{Revs: "HEAD", Grep: []string{"^" + oplog.KeyCommand + ": *" + sessionStartCommand + " *$"}}
	for _, rp := range repos {
		if !rp.Git {
			continue
		}
		if head, _ := rp.r.r.HeadCommit(); head == "" {
			continue
		}
		lr := rp.r.c.StartLog(ctx, filter)
		for {
			c, ok := lr.Next()
			if !ok {
				break
			}
			en, logged := oplog.Parse(c.Message)
			if !logged || c.IsMerge() || en.Command != sessionStartCommand || en.Session == "" {
				continue
			}
			if _, seen := out[en.Session]; seen {
				continue
			}
			out[en.Session] = sessionSummaryOf(en.Line)
		}
		// A history git cannot read is the log's own error to report; here
		// a session is then only shown without its summary.
		lr.Close()
	}
	return out
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
	return e.sessionSummaries(ctx, repos)[id]
}

package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/oplog"
)

// LogEntry is one commit of the operator log as `opsync log` shows it: a
// log entry opsync made (with its parsed trailers), a commit made by hand
// (Manual: no Opsync-Command trailer), or, when asked for, a merge commit.
type LogEntry struct {
	Commit string
	// Time is the author date: when the command ran (in the operator's
	// time zone).
	Time   time.Time
	Author string // git author name
	Email  string // git author email
	Manual bool
	Merge  bool
	Repo   string // the repository's work tree
	// Changes is what the entry changed, by key, when the log was read
	// with LogQuery.Patch.
	Changes []FileDiff
	// Entry holds the parsed message. For a manual commit or a merge only
	// Line (the subject) is set.
	Entry oplog.Entry
	// SessionSummary is the summary of the session Entry.Session names,
	// from that session's start entry in the history read (Engine.Log
	// sets it; "" when the start entry is not there).
	SessionSummary string
	// Unreadable names what opsync could not read of the commit (see
	// git.Commit.Unreadable: "author", "time", "zone", "text"); those
	// fields are empty. A time that RFC 3339 cannot write (a year before 0
	// or after 9999) is "time" too in the JSON, whose time is then "".
	Unreadable []string
	// Signature is git's verification of the commit's signature, when
	// the log was read with LogQuery.Signatures; nil otherwise.
	Signature *SignatureInfo

	committed time.Time // the order git walks in, used to merge repositories
	// text is what --grep searches: the subject and body, without the
	// trailers (every entry's Opsync-Operator would match a name), and
	// the reason.
	text string
}

// Failed reports whether the entry records a command that failed.
func (le LogEntry) Failed() bool { return !le.Manual && !le.Merge && le.Entry.Exit != 0 }

// logEntryJSON is LogEntry's JSON: flat, every key always present, in a
// fixed order. The keys are part of opsync's interface (docs/json.md).
type logEntryJSON struct {
	Commit          string          `json:"commit"`
	Time            string          `json:"time"`
	Author          string          `json:"author"`
	Email           string          `json:"email"`
	Manual          bool            `json:"manual"`
	Merge           bool            `json:"merge"`
	Failed          bool            `json:"failed"`
	Repo            string          `json:"repo"`
	Line            string          `json:"line"`
	Command         string          `json:"command"`
	App             string          `json:"app"`
	Server          string          `json:"server"`
	Deployed        string          `json:"deployed"`
	Exit            *int            `json:"exit"`
	ExitUnknown     bool            `json:"exit_unknown"`
	DurationSeconds *float64        `json:"duration_seconds"`
	Operator        string          `json:"operator"`
	OpsyncVersion   string          `json:"opsync_version"`
	MovedTo         string          `json:"moved_to"`
	MovedFrom       string          `json:"moved_from"`
	Session         string          `json:"session"`
	SessionSummary  string          `json:"session_summary"`
	Reason          string          `json:"reason"`
	Resolved        []string        `json:"resolved"`
	Extra           []oplog.Trailer `json:"extra"`
	Unreadable      []string        `json:"unreadable"`
	Signature       *SignatureInfo  `json:"signature"`
}

// MarshalJSON writes the entry with the keys documented in docs/json.md.
// exit and duration_seconds are null for manual commits and merges (and
// duration_seconds when the entry does not say).
func (le LogEntry) MarshalJSON() ([]byte, error) {
	e := le.Entry
	j := logEntryJSON{
		Commit: le.Commit, Author: le.Author, Email: le.Email, Unreadable: le.Unreadable,
		Manual: le.Manual, Merge: le.Merge, Failed: le.Failed(), Repo: le.Repo,
		Line: e.Line, Command: e.Command, App: e.App, Server: e.Server, Deployed: e.Deployed, Operator: e.Operator,
		OpsyncVersion: e.Version, MovedTo: e.MovedTo, MovedFrom: e.MovedFrom, Session: e.Session,
		SessionSummary: le.SessionSummary, Reason: e.Reason, Resolved: e.Resolved, Extra: e.Extra, Signature: le.Signature,
	}
	if !le.Manual && !le.Merge {
		exit := e.Exit
		j.Exit = &exit
		if e.Unknown() {
			// opsync stopped while abra ran: no status to give.
			j.Exit, j.ExitUnknown = nil, true
		}
		if e.Duration > 0 {
			s := e.Duration.Seconds()
			j.DurationSeconds = &s
		}
	}
	if y := le.Time.Year(); le.Time.IsZero() || y < 0 || y > 9999 {
		if !le.Time.IsZero() {
			j.Unreadable = append(append([]string{}, j.Unreadable...), git.UnreadableTime)
		}
	} else {
		j.Time = le.Time.Format(time.RFC3339)
	}
	if j.Unreadable == nil {
		j.Unreadable = []string{}
	}
	if j.Resolved == nil {
		j.Resolved = []string{}
	}
	if j.Extra == nil {
		j.Extra = []oplog.Trailer{}
	}
	// Subjects and operators hold "<redacted>" and "<alice@example.org>":
	// keep them readable rather than \u003c-escaped.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// entry turns a commit into a log entry.
func (rp *Repository) entry(c git.Commit) LogEntry {
	le := LogEntry{Commit: c.ID, Time: c.AuthorTime, Author: c.AuthorName, Email: c.AuthorEmail,
		Merge: c.IsMerge(), Repo: rp.Path, Unreadable: c.Unreadable, committed: c.CommitTime,
		Signature: signatureInfo(c.Signature)}
	e, ok := oplog.Parse(c.Message)
	le.text = c.Message
	if ok && !le.Merge {
		le.Entry = e
		msg := strings.TrimRight(strings.ReplaceAll(c.Message, "\r\n", "\n"), "\n ")
		if i := strings.LastIndex(msg, "\n\n"); i >= 0 {
			le.text = msg[:i] // the trailer paragraph, as oplog.ParseTrailers finds it, cut off
		}
		le.text += "\n" + e.Reason
		return le
	}
	le.Manual = !le.Merge
	le.Entry = oplog.Entry{Line: e.Line}
	return le
}

// LogQuery selects log entries. The zero value selects every entry and
// manual commit, merges left out.
type LogQuery struct {
	App      string // Opsync-App equals it (case-insensitive, domains)
	Server   string // Opsync-Server, Opsync-Moved-To or Opsync-Moved-From equals it
	Operator string // part of the author's name or email, case-insensitive
	// Since and Until bound the commit time; see ParseLogTime for the forms.
	Since, Until string
	Failed       bool // only entries whose command failed (exit ≠ 0)
	Merges       bool // also show merge commits (pulls make them)
	Limit        int  // at most this many entries; 0 = all
	// Command selects entries of an abra command, named canonically or
	// with any of abra's aliases, with or without "abra" and "app"
	// ("deploy", "d", "app d", "secret insert"); a command with
	// subcommands ("app secret") selects all of them.
	Command string
	// Grep is literal text searched in the subject, the body and the
	// reason, in any case (not in the trailers).
	Grep string
	// Session selects the entries carrying Opsync-Session: Session.
	Session string
	// Patch reads what each entry changed (LogEntry.Changes), in the same
	// one git process.
	Patch bool
	// Signatures has git verify each listed entry's signature
	// (LogEntry.Signature): gpg or ssh-keygen runs once per signed commit
	// git lists, so only a log that shows signatures asks for them.
	Signatures bool
	// Signed selects the entries whose signature is good (implies
	// Signatures).
	Signed bool

	since, until time.Time // Since and Until as read by gitFilter; zero = unbounded
	command      string    // Command resolved by gitFilter: "app deploy"
}

// selective reports whether the query filters on what only the message
// says (git's own filters then only pre-select).
func (q *LogQuery) selective() bool {
	return q.App != "" || q.Server != "" || q.Failed || q.Operator != "" ||
		q.Command != "" || q.Grep != "" || q.Session != "" || q.Signed
}

// ResolveCommand reads a command as --command takes it ("deploy", "d",
// "app d", "abra app secret insert", "secret insert") and returns its
// canonical path ("app deploy"), resolved with abra's command table:
// first from the top ("server add"), then under "app", where most
// commands are. ok is false when it names no command.
func ResolveCommand(s string) (path string, ok bool) { return abra.ResolveCommand(s) }

// matches checks an entry against the query's filters (git pre-selected by
// pattern; this is the exact test).
func (q *LogQuery) matches(le LogEntry) bool {
	logged := !le.Manual && !le.Merge
	if q.App != "" && (!logged || !strings.EqualFold(le.Entry.App, q.App)) {
		return false
	}
	if q.Server != "" {
		e := le.Entry
		if !logged || !(strings.EqualFold(e.Server, q.Server) || strings.EqualFold(e.MovedTo, q.Server) || strings.EqualFold(e.MovedFrom, q.Server)) {
			return false
		}
	}
	if q.Failed && !le.Failed() {
		return false
	}
	if !q.since.IsZero() && le.committed.Before(q.since) || !q.until.IsZero() && le.committed.After(q.until) {
		return false
	}
	if q.Operator != "" {
		needle := strings.ToLower(q.Operator)
		if !strings.Contains(strings.ToLower(le.Author), needle) && !strings.Contains(strings.ToLower(le.Email), needle) {
			return false
		}
	}
	if q.command != "" {
		c := le.Entry.Command
		if !logged || c != q.command && !strings.HasPrefix(c, q.command+" ") {
			return false
		}
	}
	if q.Session != "" && (!logged || le.Entry.Session != q.Session) {
		return false
	}
	if q.Grep != "" && !strings.Contains(strings.ToLower(le.text), strings.ToLower(q.Grep)) {
		return false
	}
	if q.Signed && (le.Signature == nil || le.Signature.Status != SignatureGood) {
		return false
	}
	return true
}

// asciiLine reports whether s can be handed to git's --grep as a
// pre-filter that selects at least what matches selects: one line (git
// matches line by line) of ASCII (git's case folding beyond ASCII is not
// Go's).
func asciiLine(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == '\n' || s[i] == '\r' || s[i] == 0 {
			return false
		}
	}
	return true
}

// gitFilter turns the query into git log's own filters, so git skips what
// it can without handing it over: dates, author, and trailer lines by
// pattern (checked again exactly after parsing).
func (q *LogQuery) gitFilter(now time.Time) (git.LogFilter, error) {
	f := git.LogFilter{Revs: "HEAD", Merges: q.Merges, Signatures: q.Signatures || q.Signed}
	for _, b := range []struct {
		flag, value string
		end         bool
	}{{"since", q.Since, false}, {"until", q.Until, true}} {
		if b.value == "" {
			continue
		}
		t, err := ParseLogTime(b.value, now, b.end)
		if err != nil {
			return f, refuse(ExitUsage, "--%s: %v", b.flag, err)
		}
		if b.end {
			q.until = t
		} else {
			q.since = t
		}
		// git reads a small @epoch as something else (a date like
		// 19700101, or a time of today), so before 1973 the result would
		// change with the clock: give git a date it cannot misread, and
		// none before 1970, which git cannot represent; matches applies
		// the bounds exactly.
		if t.Unix() >= 0 {
			if date := t.UTC().Format("2006-01-02 15:04:05 -0700"); b.end {
				f.Until = date
			} else {
				f.Since = date
			}
		}
	}
	var greps []string
	if q.App != "" {
		greps = append(greps, "^"+oplog.KeyApp+": *"+regexp.QuoteMeta(q.App)+" *$")
	}
	if q.Server != "" {
		greps = append(greps, "^("+oplog.KeyServer+"|"+oplog.KeyMovedTo+"|"+oplog.KeyMoveFrom+"): *"+regexp.QuoteMeta(q.Server)+" *$")
	}
	if q.Failed {
		greps = append(greps, "^"+oplog.KeyExit+": *(-|[1-9]|unknown)")
	}
	q.command = ""
	if q.Command != "" {
		path, ok := ResolveCommand(q.Command)
		if !ok {
			return f, refuse(ExitUsage, "--command: %q is not an abra command (try `deploy`, `app deploy`, `secret insert`)", q.Command)
		}
		q.command = path
		greps = append(greps, "^"+oplog.KeyCommand+": *"+regexp.QuoteMeta(path)+"( .*)? *$")
	}
	if q.Session != "" && asciiLine(q.Session) {
		greps = append(greps, "^"+oplog.KeySession+": *"+regexp.QuoteMeta(q.Session)+" *$")
	}
	if q.Grep != "" && asciiLine(q.Grep) {
		greps = append(greps, regexp.QuoteMeta(q.Grep))
	}
	f.Grep = greps
	if q.Operator != "" {
		f.Author = regexp.QuoteMeta(q.Operator)
	}
	if q.Limit > 0 && !q.selective() {
		f.MaxCount = q.Limit
	}
	return f, nil
}

// Log reads the operator log of the repositories, newest first, and calls
// emit for each entry the query selects. Each repository is read by one
// `git log` process whose output is parsed as it streams; entries of
// several repositories are merged by time. Once an entry of a session is
// listed, one more per repository finds sessions' summaries
// (sessionFinder). Repositories outside git or
// without a commit yet are skipped. An error from emit stops the log and is
// returned.
func (e *Engine) Log(ctx context.Context, repos []*Repository, q LogQuery, emit func(LogEntry) error) error {
	filter, err := q.gitFilter(e.o.Now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type stream struct {
		rp   *Repository
		lr   *git.LogReader
		head LogEntry
		ok   bool
	}
	advance := func(s *stream) {
		for {
			c, ok := s.lr.Next()
			if !ok {
				s.ok = false
				return
			}
			if le := s.rp.entry(c); q.matches(le) {
				if q.Patch {
					le.Changes = patchDiffs(c.Patch)
				}
				s.head, s.ok = le, true
				return
			}
		}
	}
	var streams []*stream
	closeAll := func() error {
		var first error
		for _, s := range streams {
			if err := s.lr.Close(); err != nil && first == nil {
				// A commit opsync cannot fully read is listed, marked; this
				// is git itself failing (a damaged repository).
				first = refuse(ExitSyncFailed, "cannot read the log of %s:\n%s\nCheck the repository with `git -C %s fsck`.",
					s.rp.Name(), git.Indent(err.Error()), s.rp.Path)
			}
		}
		streams = nil
		return first
	}
	defer closeAll()

	for _, rp := range repos {
		if !rp.Git {
			continue
		}
		if head, _ := rp.r.r.HeadCommit(); head == "" {
			continue // no commit yet: an empty log (git log would fail)
		}
		lr := rp.r.c.StartLog
		if q.Patch {
			lr = rp.r.c.StartLogPatch
		}
		streams = append(streams, &stream{rp: rp, lr: lr(ctx, filter)})
	}
	for _, s := range streams {
		advance(s)
	}
	sessions := newSessionFinder(ctx, repos) // reads start entries only when an entry of a session is listed
	defer sessions.close()
	for n := 0; q.Limit <= 0 || n < q.Limit; n++ {
		var next *stream
		for _, s := range streams {
			if s.ok && (next == nil || s.head.committed.After(next.head.committed)) {
				next = s
			}
		}
		if next == nil {
			break
		}
		if id := next.head.Entry.Session; id != "" {
			next.head.SessionSummary = sessions.summary(id)
		}
		if err := emit(next.head); err != nil {
			return err
		}
		advance(next)
	}
	return closeAll()
}

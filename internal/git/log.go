package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Commit is one commit as LogReader reads it.
type Commit struct {
	ID          string
	Parents     []string
	AuthorName  string
	AuthorEmail string
	AuthorTime  time.Time
	CommitTime  time.Time
	Message     string // the raw message (%B)
	// Patch is git's patch of the commit, when read with StartLogPatch.
	Patch string
	// Signature is git's verification of the commit's signature, when
	// read with LogFilter.Signatures (signature.go).
	Signature Signature
	// Unreadable names what git could not give or opsync could not read
	// of this commit, with the field left empty (zero): UnreadableAuthor,
	// UnreadableTime, UnreadableZone, UnreadableText. A commit is never
	// dropped for it: a teammate's odd commit must not hide the log.
	Unreadable []string
}

// What Commit.Unreadable names.
const (
	// UnreadableAuthor: git could not read the author line (name, email
	// and date are empty).
	UnreadableAuthor = "author"
	// UnreadableTime: the author date is not a number of seconds opsync
	// can read (AuthorTime is zero).
	UnreadableTime = "time"
	// UnreadableZone: the author's time zone is not one of ±00:00–±23:59
	// (git stores +2500 as given); AuthorTime is in UTC.
	UnreadableZone = "zone"
	// UnreadableText: the record held more fields than asked for, so which
	// of name, email and message holds the extra NUL cannot be told; all
	// three are empty.
	UnreadableText = "text"
)

// IsMerge reports whether the commit has more than one parent.
func (c Commit) IsMerge() bool { return len(c.Parents) > 1 }

// logFormat puts every field in a field of its own, NUL-terminated, with
// the fields git writes itself (ids, numbers) first and the free text a
// teammate chose (name, email, message) after them; the record ends with
// the commit id again, and -z ends it with one more NUL. No byte of a name
// or a message can move a field: NUL cannot occur in them (git stops a
// message at a NUL and refuses an author line holding one), and even if
// one did, the record still ends only at its own id, which no message can
// hold (it would have to contain the hash of itself). Dates are raw:
// seconds since 1970 and the zone as stored, which any year and any zone
// git accepts can be written in.
const logFormat = "--format=%H%x00%P%x00%ad%x00%ct%x00%an%x00%ae%x00%B%x00%H"

// logFields is how many fields a record of logFormat has.
const logFields = 8

// LogArgs are the arguments of the log process, before its filter
// (LogFilter): NUL-separated records in a fixed format, whatever the
// operator's log.* settings say (signatures, decorations and colour would
// otherwise mix into the output).
func LogArgs() []string {
	return []string{"log", "-z", "--no-show-signature", "--no-color", "--no-decorate", "--no-notes", "--date=raw", logFormat}
}

// LogFilter says which commits a log process lists, in git log's own
// filters, so that git skips what they exclude without handing it over.
type LogFilter struct {
	Revs   string // the revision or range walked: "HEAD", "a..b" (never read as an option)
	Merges bool   // list merge commits too (else --no-merges)
	// Since and Until bound the commit dates, as git reads dates
	// ("2006-01-02 15:04:05 -0700"); "" = unbounded.
	Since, Until string
	// Grep are patterns for the message, Author one for the author:
	// extended regular expressions, case-insensitive; with several Grep
	// patterns, a commit must match all of them.
	Grep   []string
	Author string
	// MaxCount lists at most that many commits; 0 = all.
	MaxCount int
	// Signatures has git verify each listed commit's signature
	// (Commit.Signature): a gpg or ssh-keygen run per signed commit.
	Signatures bool
}

// Args are the filter's arguments of git log.
func (f LogFilter) Args() []string {
	var args []string
	if !f.Merges {
		args = append(args, "--no-merges")
	}
	if f.Since != "" {
		args = append(args, "--since="+f.Since)
	}
	if f.Until != "" {
		args = append(args, "--until="+f.Until)
	}
	if len(f.Grep) > 0 || f.Author != "" {
		args = append(args, "--extended-regexp", "--regexp-ignore-case")
	}
	if len(f.Grep) > 1 {
		args = append(args, "--all-match")
	}
	for _, g := range f.Grep {
		args = append(args, "--grep="+g)
	}
	if f.Author != "" {
		args = append(args, "--author="+f.Author)
	}
	if f.MaxCount > 0 {
		args = append(args, fmt.Sprintf("--max-count=%d", f.MaxCount))
	}
	return append(args, "--end-of-options", f.Revs)
}

// LogReader streams the commits of one `git log` process: git's output is
// parsed as it arrives and queued, so the reader sees the first commit
// while git is still walking history. git never waits for the reader (the
// queue is not bounded), so a slow consumer, such as a pager the operator
// reads for minutes, cannot make the process run into its timeout.
type LogReader struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []Commit
	partial []byte   // the field being read
	fields  []string // the fields of the record being read
	ended   bool     // git has exited
	err     error    // git's failure, or a malformed record
	closed  bool     // Close was called: output is no longer wanted
	patch   bool     // each record is followed by its patch (StartLogPatch)
	held    *Commit  // patch mode: the last commit, until its patch has ended
	signed  bool     // records carry the signature fields (signedLogFormat)
}

// StartLog starts `git log` (LogArgs) of the commits f selects. Read the
// commits with Next; always Close the reader.
func (c *Client) StartLog(ctx context.Context, f LogFilter) *LogReader {
	return c.startLog(ctx, false, f.Signatures, append(c.logArgs(ctx, f), f.Args()...))
}

func (c *Client) startLog(ctx context.Context, patch, signed bool, args []string) *LogReader {
	ctx, cancel := context.WithCancel(ctx)
	lr := &LogReader{cancel: cancel, done: make(chan struct{}), patch: patch, signed: signed}
	lr.cond = sync.NewCond(&lr.mu)
	go func() {
		defer close(lr.done)
		// Verifying runs gpg or ssh-keygen for every signed commit: a long
		// signed history takes longer than git_timeout allows git to wait
		// for something, and is not git hanging. The caller's context
		// (the operator's ^C, the pager quitting, Close) still stops it.
		_, err := c.runCmd(ctx, cmd{args: args, stdout: (*logWriter)(lr), untimed: signed})
		lr.mu.Lock()
		if err == nil && lr.err == nil && lr.patch {
			lr.endPatch()
		}
		if err == nil && lr.err == nil && (len(bytes.TrimSpace(lr.partial)) > 0 || len(lr.fields) > 0) {
			lr.field(lr.partial) // the last field, if git left it unterminated
			if len(lr.fields) > 0 && lr.err == nil {
				lr.err = ErrLogFormat // git stopped within a record
			}
		}
		lr.partial, lr.fields = nil, nil
		if err != nil && lr.err == nil && !lr.closed {
			lr.err = err
		}
		lr.ended = true
		lr.cond.Broadcast()
		lr.mu.Unlock()
	}()
	return lr
}

// Next returns the next commit, or false when there are no more (then Err
// says whether git failed).
func (lr *LogReader) Next() (Commit, bool) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	for len(lr.queue) == 0 && !lr.ended && lr.err == nil {
		lr.cond.Wait()
	}
	if len(lr.queue) == 0 || lr.err != nil {
		return Commit{}, false
	}
	c := lr.queue[0]
	lr.queue[0] = Commit{}
	lr.queue = lr.queue[1:]
	return c, true
}

// Err is why the log ended early: git failed or printed something that is
// not a commit record. nil after all commits were read, or after Close.
func (lr *LogReader) Err() error {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return lr.err
}

// Close stops git if it is still running (the caller has read enough) and
// waits for it. It returns Err.
func (lr *LogReader) Close() error {
	lr.mu.Lock()
	if !lr.ended {
		lr.closed = true
	}
	lr.mu.Unlock()
	lr.cancel()
	<-lr.done
	return lr.Err()
}

// logWriter is git's stdout: it cuts the stream into NUL-terminated records.
type logWriter LogReader

var errLogClosed = errors.New("log reader closed")

func (w *logWriter) Write(p []byte) (int, error) {
	lr := (*LogReader)(w)
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if lr.closed || lr.err != nil {
		return 0, errLogClosed // stops the copy; git gets EPIPE
	}
	n := len(p)
	for len(p) > 0 && lr.err == nil {
		i := bytes.IndexByte(p, 0)
		if i < 0 {
			lr.partial = append(lr.partial, p...)
			break
		}
		f := p[:i]
		if len(lr.partial) > 0 {
			f = append(lr.partial, f...)
			lr.partial = lr.partial[:0]
		}
		lr.field(f)
		p = p[i+1:]
	}
	lr.cond.Broadcast()
	return n, nil
}

// field adds one field to the record being read, and queues the record
// when this field ends it: the commit id again, after at least the
// fields logFormat asks for. The caller holds mu.
func (lr *LogReader) field(f []byte) {
	if len(lr.fields) == 0 {
		f = bytes.TrimPrefix(f, []byte("\n"))
		if lr.patch {
			f = lr.cutPatch(f)
		}
		if !isCommitID(f) {
			lr.err = ErrLogFormat // not a record: git printed something else
			return
		}
	}
	lr.fields = append(lr.fields, string(f))
	if len(lr.fields) >= lr.recordFields() && lr.fields[len(lr.fields)-1] == lr.fields[0] {
		if c := lr.parse(lr.fields); lr.patch {
			lr.held = &c // queued when its patch has ended
		} else {
			lr.queue = append(lr.queue, c)
		}
		lr.fields = lr.fields[:0:0]
	}
}

// ErrLogFormat means git log printed something that is not a record of
// the format LogArgs asks for (it stops the log: nothing after it can be
// cut into records with certainty).
var ErrLogFormat = errors.New("git log printed a record opsync cannot read")

func isCommitID(f []byte) bool {
	if len(f) != 40 && len(f) != 64 {
		return false
	}
	for _, c := range f {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// parseCommit reads the fields of one record (logFormat; f[0] is a commit
// id and the last field repeats it). It always returns the commit: what
// it cannot read is left empty and named in Unreadable.
func parseCommit(f []string) Commit {
	c := Commit{ID: f[0], Parents: strings.Fields(f[1])}
	if len(f) == logFields {
		c.AuthorName, c.AuthorEmail, c.Message = f[4], f[5], f[6]
	} else {
		c.Unreadable = append(c.Unreadable, UnreadableText)
	}
	if secs, err := strconv.ParseInt(f[3], 10, 64); err == nil {
		c.CommitTime = time.Unix(secs, 0).UTC()
	}
	date := f[2]
	if date == "" {
		// git could not split the author line into name, email and date
		// (a header written by hand): it prints all three empty.
		c.Unreadable = append(c.Unreadable, UnreadableAuthor)
		return c
	}
	at, zone, ok := parseRawDate(date)
	switch {
	case !ok:
		c.Unreadable = append(c.Unreadable, UnreadableTime)
	case !zone:
		c.AuthorTime = at
		c.Unreadable = append(c.Unreadable, UnreadableZone)
	default:
		c.AuthorTime = at
	}
	return c
}

// parseRawDate reads git's raw date, "1764684000 +0100". zoneOK is false
// when the zone is not [+-]HHMM with HH < 24 and MM < 60: the time is then
// in UTC.
func parseRawDate(s string) (t time.Time, zoneOK, ok bool) {
	secs, zone, _ := strings.Cut(s, " ")
	n, err := strconv.ParseInt(secs, 10, 64)
	// Beyond ±2^55 seconds time.Unix's year wraps around.
	if err != nil || n > 1<<55 || n < -(1<<55) {
		return time.Time{}, false, false
	}
	t = time.Unix(n, 0).UTC()
	if len(zone) != 5 || (zone[0] != '+' && zone[0] != '-') {
		return t, false, true
	}
	hh, err1 := strconv.Atoi(zone[1:3])
	mm, err2 := strconv.Atoi(zone[3:5])
	if err1 != nil || err2 != nil || hh > 23 || mm > 59 || zone[1] < '0' || zone[3] < '0' {
		return t, false, true
	}
	off := (hh*60 + mm) * 60
	if zone[0] == '-' {
		off = -off
	}
	return t.In(time.FixedZone("", off)), true, true
}

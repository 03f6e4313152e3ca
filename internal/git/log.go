package git

import (
	"bytes"
	"context"
	"errors"
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
}

// IsMerge reports whether the commit has more than one parent.
func (c Commit) IsMerge() bool { return len(c.Parents) > 1 }

// logFormat separates fields with US (0x1f); -z ends each commit with NUL.
// Neither can occur in a name, an email, a date or, in practice, a commit
// message, so the output parses without guessing.
const logFormat = "--format=%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cI%x1f%B"

// LogArgs are the arguments of the log process for the revision and
// filter arguments extra: NUL-separated records in a fixed format,
// whatever the operator's log.* settings say (signatures, decorations and
// colour would otherwise mix into the output).
func LogArgs(extra ...string) []string {
	args := []string{"log", "-z", "--no-show-signature", "--no-color", "--no-decorate", "--no-notes", logFormat}
	return append(args, extra...)
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
	partial []byte
	ended   bool  // git has exited
	err     error // git's failure, or a malformed record
	closed  bool  // Close was called: output is no longer wanted
}

// StartLog starts `git log` with LogArgs(extra...). Read the commits with
// Next; always Close the reader.
func (c *Client) StartLog(ctx context.Context, extra ...string) *LogReader {
	ctx, cancel := context.WithCancel(ctx)
	lr := &LogReader{cancel: cancel, done: make(chan struct{})}
	lr.cond = sync.NewCond(&lr.mu)
	go func() {
		defer close(lr.done)
		_, err := c.RunCmd(ctx, Cmd{Args: LogArgs(extra...), Stdout: (*logWriter)(lr)})
		lr.mu.Lock()
		if err == nil && len(bytes.TrimSpace(lr.partial)) > 0 {
			lr.push(lr.partial) // -z leaves the last record unterminated
		}
		lr.partial = nil
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
	for len(p) > 0 {
		i := bytes.IndexByte(p, 0)
		if i < 0 {
			lr.partial = append(lr.partial, p...)
			break
		}
		rec := p[:i]
		if len(lr.partial) > 0 {
			rec = append(lr.partial, rec...)
			lr.partial = nil
		}
		lr.push(rec)
		p = p[i+1:]
	}
	lr.cond.Broadcast()
	return n, nil
}

// push parses one record and queues it. The caller holds mu.
func (lr *LogReader) push(rec []byte) {
	c, err := parseCommit(string(bytes.TrimPrefix(rec, []byte("\n"))))
	if err != nil {
		if lr.err == nil {
			lr.err = err
		}
		return
	}
	lr.queue = append(lr.queue, c)
}

// ErrLogFormat means git log printed a record that does not have the
// fields LogArgs asks for.
var ErrLogFormat = errors.New("git log printed a record opsync cannot read")

func parseCommit(rec string) (Commit, error) {
	f := strings.SplitN(rec, "\x1f", 7)
	if len(f) != 7 || len(f[0]) < 40 {
		return Commit{}, ErrLogFormat
	}
	at, err1 := time.Parse(time.RFC3339, f[4])
	ct, err2 := time.Parse(time.RFC3339, f[5])
	if err1 != nil || err2 != nil {
		return Commit{}, ErrLogFormat
	}
	return Commit{
		ID:          f[0],
		Parents:     strings.Fields(f[1]),
		AuthorName:  f[2],
		AuthorEmail: f[3],
		AuthorTime:  at,
		CommitTime:  ct,
		Message:     f[6],
	}, nil
}

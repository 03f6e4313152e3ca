package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/fileutil"
	"coopcloud.tech/opsync/internal/lease"
	"coopcloud.tech/opsync/internal/proc"
	"coopcloud.tech/opsync/oplog"
)

// An intent is what opsync writes into a repository's git directory
// before abra starts: the log entry it is about to make. After abra the
// entry is committed and the intent removed. If opsync is killed while
// abra runs, the intent stays; the next opsync on the repository (any
// command, opsync sync, opsync status) finds it, sees that the process
// that wrote it is gone, and commits the entry itself as interrupted
// (Opsync-Exit: unknown), with the env file as it is by then, pushes it,
// and releases a lease the command held.
//
// A process is named by its pid and its start time (proc.StartTime): a pid
// alone may have been given to another process since.
type intent struct {
	ID       string    `json:"id"`
	Line     string    `json:"line"`
	Command  string    `json:"command"`
	Operator string    `json:"operator"` // as the entry says it: "Name <email> on host"
	Version  string    `json:"opsync_version"`
	Session  string    `json:"session,omitempty"`
	Started  time.Time `json:"started"`
	// Head is the repository's commit when abra started: an entry made
	// after it for the same command is this intent's, already committed.
	Head string `json:"head"`
	// PID and PIDStart name the opsync process that wrote it; AbraPID and
	// AbraStart the abra it started (0 until abra has started).
	PID       int           `json:"pid"`
	PIDStart  uint64        `json:"pid_start"`
	AbraPID   int           `json:"abra_pid,omitempty"`
	AbraStart uint64        `json:"abra_start,omitempty"`
	Targets   []intentEntry `json:"targets"`
	Leases    []intentLease `json:"leases,omitempty"`
}

// intentEntry is one entry the intent's command makes in the repository.
type intentEntry struct {
	App       string   `json:"app"`
	Server    string   `json:"server"`
	MovedTo   string   `json:"moved_to,omitempty"`
	MovedFrom string   `json:"moved_from,omitempty"`
	Paths     []string `json:"paths"` // relative to the work tree
	// Blobs are the env files' blob ids before abra ran, of the bytes as
	// they are (git.Repo.BlobID; "" = no file).
	Blobs []string `json:"blobs"`
}

type intentLease struct {
	Server string `json:"server"`
	App    string `json:"app"`
	ID     string `json:"id"`
}

const intentPrefix = "intent-"

func (r *repo) intentPath(id string) string {
	return filepath.Join(r.r.OpsyncDir(), intentPrefix+id+".json")
}

// WriteIntents writes, into the git directory of each repository the
// command logs to, the intent of its entries. It is called just before
// abra starts; a failure to write is a warning (the entry is still made by
// this process, as before).
func (run *Run) WriteIntents() {
	if !run.Commits() {
		return
	}
	start, _ := proc.StartTime(os.Getpid())
	b := make([]byte, 8)
	rand.Read(b)
	id := fmt.Sprintf("%d-%s", os.Getpid(), hex.EncodeToString(b))
	for _, r := range run.sortedRepos(run.targetsRepo) {
		in := &intent{ID: id, Line: run.Line, Command: run.Inv.CommandName(), Version: run.e.o.Version, Session: run.session,
			Started: run.e.o.Now().UTC(), PID: os.Getpid(), PIDStart: start}
		in.Operator = run.entry(&Target{}, 0, 0).Operator
		in.Head, _ = r.r.HeadCommit()
		for _, t := range run.Targets {
			if t.repo != r {
				continue
			}
			e := intentEntry{App: t.App, Server: t.Server, MovedTo: t.MovedTo, MovedFrom: t.MovedFrom, Paths: t.rel}
			for _, rel := range t.rel {
				// Read here, not by git hash-object: no git process
				// runs outside the repository's lock, and the command
				// costs no extra process.
				blob := ""
				if b, err := os.ReadFile(filepath.Join(r.r.WorkTree, filepath.FromSlash(rel))); err == nil {
					blob = r.r.BlobID(b)
				}
				e.Blobs = append(e.Blobs, blob)
			}
			in.Targets = append(in.Targets, e)
		}
		for _, l := range run.leases {
			if l.r == r {
				in.Leases = append(in.Leases, intentLease{l.held.Lease.Server, l.held.Lease.App, l.held.Lease.ID})
			}
		}
		if err := writeIntent(r.intentPath(id), in); err != nil {
			run.e.warn("cannot write down the command before abra runs (%v); if opsync is killed while abra runs, "+
				"its log entry is not made", err)
			continue
		}
		run.intents = append(run.intents, intentFile{r.intentPath(id), in})
	}
}

type intentFile struct {
	path string
	in   *intent
}

func writeIntent(path string, in *intent) error {
	b, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return fileutil.WriteAtomic(path, append(b, '\n'), 0o644)
}

// AbraStarted records abra's pid in the intents: if opsync is killed,
// the next opsync waits for that abra to end before logging it.
func (run *Run) AbraStarted(pid int) {
	start, _ := proc.StartTime(pid)
	for _, f := range run.intents {
		f.in.AbraPID, f.in.AbraStart = pid, start
		writeIntent(f.path, f.in)
	}
}

// dropIntent removes the repository's intent once After has made (or
// reported) its entries.
func (run *Run) dropIntent(r *repo) {
	for _, f := range run.intents {
		if filepath.Dir(f.path) == r.r.OpsyncDir() {
			os.Remove(f.path)
		}
	}
}

// pendingIntents lists the intents in a repository's git directory.
func (r *repo) pendingIntents() []intentFile {
	names, _ := filepath.Glob(filepath.Join(r.r.OpsyncDir(), intentPrefix+"*.json"))
	var out []intentFile
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			continue
		}
		var in intent
		if err := json.Unmarshal(b, &in); err != nil {
			// Half a file cannot be: it is written atomically. Something
			// else wrote it; leave it for the operator.
			continue
		}
		out = append(out, intentFile{n, &in})
	}
	return out
}

// intentState says what to do with an intent now.
func (in *intent) state() string {
	switch {
	case in.PID == os.Getpid() && in.PIDStart != 0:
		if s, _ := proc.StartTime(in.PID); s == in.PIDStart {
			return "ours"
		}
	}
	switch {
	case proc.Same(in.PID, in.PIDStart):
		return "running" // its opsync is alive: it makes the entry itself
	case in.AbraPID != 0 && proc.Same(in.AbraPID, in.AbraStart):
		return "abra running" // opsync is gone, its abra still runs
	}
	return "interrupted"
}

// recoverIntents makes the entries of commands whose opsync stopped
// while abra ran (see intent), and pushes them when the repository syncs.
// It returns what it did, for status. The caller must not hold the lock.
func (r *repo) recoverIntents(ctx context.Context, push bool) []string {
	pending := r.pendingIntents()
	if len(pending) == 0 {
		return nil
	}
	var notes []string
	var todo []intentFile
	for _, f := range pending {
		switch f.in.state() {
		case "interrupted":
			todo = append(todo, f)
		case "abra running":
			notes = append(notes, fmt.Sprintf("`%s`: its opsync (pid %d) stopped, but abra (pid %d) still runs; "+
				"its entry is made once abra has ended", f.in.Line, f.in.PID, f.in.AbraPID))
		}
	}
	if len(todo) == 0 {
		return notes
	}
	if err := r.lock(ctx, "logging an interrupted command"); err != nil {
		return append(notes, fmt.Sprintf("could not log an interrupted command: %v", err))
	}
	defer r.unlock()
	committed := false
	for _, f := range todo {
		note, ok := r.commitInterrupted(ctx, f)
		notes = append(notes, note)
		committed = committed || ok
	}
	if committed && push {
		remote, ref, err := r.upstream(ctx)
		if err == nil && remote != "" {
			if err := r.pushWithRetry(ctx, remote, ref, nil); err != nil {
				r.e.warn("the entry of an interrupted command is committed in %s but not pushed: %s; `opsync sync` pushes it",
					r.name(), firstLine(err.Error()))
			} else {
				r.recordPush(r.e.o.Now())
			}
		}
	}
	return notes
}

// commitInterrupted commits the entry of one intent, unless it is
// committed already (opsync was killed after its commit, before removing
// the intent), then releases the leases it held and removes it.
func (r *repo) commitInterrupted(ctx context.Context, f intentFile) (string, bool) {
	in := f.in
	if err := r.stateProblem(); err != nil {
		return fmt.Sprintf("could not log the interrupted `%s`: %v", in.Line, err), false
	}
	done := r.alreadyLogged(ctx, in)
	made := false
	for _, t := range in.Targets {
		if done {
			break
		}
		entry := oplog.Entry{Line: in.Line, Command: in.Command, App: t.App, Server: t.Server, Exit: oplog.ExitUnknown,
			Operator: in.Operator, Version: in.Version, MovedTo: t.MovedTo, MovedFrom: t.MovedFrom, Session: in.Session}
		var fresh []string
		for i, rel := range t.Paths {
			if i < len(t.Blobs) && t.Blobs[i] == "" {
				fresh = append(fresh, rel)
			}
		}
		var present []string
		for _, rel := range fresh {
			if _, err := os.Lstat(filepath.Join(r.r.WorkTree, filepath.FromSlash(rel))); err == nil {
				present = append(present, rel)
			}
		}
		if err := r.c.CommitOnly(ctx, oplog.Format(entry), t.Paths, present); err != nil {
			return fmt.Sprintf("could not commit the entry of the interrupted `%s`: %v", in.Line, err), false
		}
		made = true
	}
	r.releaseIntentLeases(ctx, in)
	os.Remove(f.path)
	if done {
		return fmt.Sprintf("`%s` was already logged; removed what opsync had written down for it", in.Line), false
	}
	id, _ := r.r.HeadCommit()
	r.e.event(EventLogged, "logged %s in %s for `%s`, which ran while its opsync (pid %d) was stopped: exit unknown (Opsync-Exit: unknown)",
		shortID(id), r.name(), in.Line, in.PID)
	return fmt.Sprintf("`%s` (opsync pid %d stopped while abra ran): logged as %s, exit unknown", in.Line, in.PID, shortID(id)), made
}

// alreadyLogged reports whether an entry for the intent's command was
// committed after the intent was written.
func (r *repo) alreadyLogged(ctx context.Context, in *intent) bool {
	revs := "HEAD"
	if in.Head != "" {
		revs = in.Head + "..HEAD"
	}
	out, err := r.c.MessagesWithTimes(ctx, revs, 200)
	if err != nil {
		return false
	}
	for _, rec := range strings.Split(out, "\x00") {
		at, msg, _ := strings.Cut(strings.TrimLeft(rec, "\n"), "\x01")
		secs, _ := strconv.ParseInt(at, 10, 64)
		e, ok := oplog.Parse(msg)
		if ok && e.Line == in.Line && e.Command == in.Command && secs >= in.Started.Unix()-1 {
			return true
		}
	}
	return false
}

func (r *repo) releaseIntentLeases(ctx context.Context, in *intent) {
	if len(in.Leases) == 0 {
		return
	}
	lr, err := r.leaseRemote(ctx)
	if err != nil || lr == nil {
		return
	}
	for _, l := range in.Leases {
		_, err := lr.Break(ctx, l.Server, l.App, l.ID)
		var wrong *lease.WrongIDError
		switch {
		case err == nil:
			r.e.event(EventLeaseReleased, "released the lease on %s the interrupted `%s` held", l.App, in.Line)
		case errors.Is(err, lease.ErrNoLease), errors.As(err, &wrong):
			// gone already, or someone else's now
		default:
			r.e.warn("could not release the lease on %s the interrupted `%s` held: %s", l.App, in.Line, firstLine(err.Error()))
		}
	}
}

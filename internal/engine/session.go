package engine

// Sessions: related commands under one summary, without rewriting history.
// `opsync session start "<summary>"` logs an entry of its own in every
// opted-in repository and remembers the session on this machine, for this
// user (not in the shared repository: the session is the operator's, not
// the clone's); every entry made until `opsync session end` or the end of
// its time carries `Opsync-Session: <id>`. OPSYNC_SESSION=<id> joins a
// session from a script and wins over the one remembered.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"coopcloud.tech/opsync/internal/fileutil"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/ui"
	"coopcloud.tech/opsync/oplog"
)

// Session bounds and names.
const (
	// SessionEnv joins a session from a script: its entries carry this id.
	SessionEnv = "OPSYNC_SESSION"
	// DefaultSessionFor is how long a session lasts unless --for says.
	DefaultSessionFor = 2 * time.Hour
	MinSessionFor     = time.Minute
	MaxSessionFor     = 24 * time.Hour
	// MaxSummary is the longest summary, in characters: it is the
	// subject of the start entry after "opsync session start: ".
	MaxSummary = 100
	// maxSessionID is the longest id OPSYNC_SESSION may give.
	maxSessionID = 64

	sessionStartCommand = "opsync session start"
	sessionEndCommand   = "opsync session end"
)

// Session is the session this operator runs, as remembered on this machine.
type Session struct {
	ID      string    `json:"id"`
	Summary string    `json:"summary"`
	Started time.Time `json:"started"`
	Until   time.Time `json:"until"`
	// Repos are the work trees whose log holds the start entry.
	Repos []string `json:"repos"`
}

// Expired reports whether the session's time has run out at now.
func (s *Session) Expired(now time.Time) bool { return !now.Before(s.Until) }

// NewSessionID makes a session id: the UTC date and 8 random hexadecimal
// digits, "20261202-3fa9c1d2" — short to type, sorted by day, and unique
// enough for a team (2³² a day).
func NewSessionID(now time.Time) string {
	b := make([]byte, 4)
	rand.Read(b)
	return now.UTC().Format("20060102") + "-" + hex.EncodeToString(b)
}

// ValidSessionID checks an id given from outside (OPSYNC_SESSION): 1 to 64
// of letters, digits, '.', '_' and '-', beginning with a letter or digit.
// Such an id is safe as a trailer value, in a file name, on a command line
// and on a terminal. opsync's own ids (NewSessionID) are of this form.
func ValidSessionID(id string) error {
	if id == "" || len(id) > maxSessionID {
		return fmt.Errorf("a session id is 1 to %d characters", maxSessionID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return fmt.Errorf("a session id is letters, digits, '.', '_' and '-', beginning with a letter or digit (as `opsync session status` prints one: 20261202-3fa9c1d2)")
		}
	}
	return nil
}

// CheckSummary reads a session's summary as the operator typed it: one
// line of printable text (no control, bidi or zero-width character), at
// most MaxSummary characters, not empty. It returns the summary trimmed,
// with the credentials of any URL in it redacted as opsync redacts them
// everywhere (it becomes a commit subject in the shared log).
func CheckSummary(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", errors.New(`say what the session is for: opsync session start "upgrade the wikis"`)
	case !utf8.ValidString(s):
		return "", errors.New("the session summary is not valid UTF-8 text")
	case strings.ContainsAny(s, "\n\r"):
		return "", errors.New("the session summary must be one line: it becomes the subject of the session's log entry")
	case !ui.Printable(s):
		return "", fmt.Errorf("the session summary holds a control or invisible character (shown escaped: %s); type it as plain text", ui.Escape(s))
	case utf8.RuneCountInString(s) > MaxSummary:
		return "", fmt.Errorf("the session summary is %d characters long; keep it to %d (it is a commit subject)", utf8.RuneCountInString(s), MaxSummary)
	}
	return ui.RedactURLs(s), nil
}

// CheckSessionFor checks the length of a session (--for).
func CheckSessionFor(d time.Duration) error {
	if d < MinSessionFor || d > MaxSessionFor {
		return fmt.Errorf("--for %s is out of range: a session lasts from %s to %s (default %s)",
			d, ShortDuration(MinSessionFor), ShortDuration(MaxSessionFor), ShortDuration(DefaultSessionFor))
	}
	return nil
}

// sessionFile is where this user's session is remembered:
// $XDG_STATE_HOME/opsync/session.json, else
// ~/.local/state/opsync/session.json. "" when neither is set.
func (e *Engine) sessionFile() string {
	if d := e.o.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "opsync", "session.json")
	}
	if h := e.o.Getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "opsync", "session.json")
	}
	return ""
}

// StoredSession returns the session remembered on this machine, expired
// or not; nil when there is none.
func (e *Engine) StoredSession() (*Session, error) {
	path := e.sessionFile()
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the current session from %s: %v", e.display(path), err)
	}
	var s Session
	if err := json.Unmarshal(b, &s); err != nil || ValidSessionID(s.ID) != nil || s.Until.IsZero() {
		return nil, fmt.Errorf("%s is not a session opsync wrote; remove it (`rm %s`) and start the session again",
			e.display(path), e.display(path))
	}
	return &s, nil
}

func (e *Engine) storeSession(s *Session) error {
	path := e.sessionFile()
	if path == "" {
		return errors.New("neither HOME nor XDG_STATE_HOME is set, so there is nowhere to remember the session")
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return fileutil.WriteAtomic(path, append(b, '\n'), 0o600)
}

func (e *Engine) forgetSession() error {
	path := e.sessionFile()
	if path == "" {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// EntrySession is the session id the entries made now carry, and where it
// comes from: OPSYNC_SESSION (validated; it wins over the session
// remembered), else the remembered session while its time lasts. An
// invalid OPSYNC_SESSION is an *Error with ExitConfig. A remembered
// session that expired is not applied: expired is then that session.
func (e *Engine) EntrySession() (id string, expired *Session, err error) {
	if v := e.o.Getenv(SessionEnv); v != "" {
		if verr := ValidSessionID(v); verr != nil {
			return "", nil, refuse(ExitConfig, "%s=%s is not a session id: %v. Fix or unset it", SessionEnv, ui.Escape(v), verr)
		}
		return v, nil, nil
	}
	s, err := e.StoredSession()
	if err != nil {
		e.warn("%v; this entry carries no session", err)
		return "", nil, nil
	}
	if s == nil {
		return "", nil, nil
	}
	if s.Expired(e.o.Now()) {
		return "", s, nil
	}
	return s.ID, nil, nil
}

// joinSession sets the session the run's entries carry, before abra runs
// (an invalid OPSYNC_SESSION stops the command there).
func (run *Run) joinSession() error {
	id, expired, err := run.e.EntrySession()
	if err != nil {
		return err
	}
	if expired != nil {
		run.e.note("your session %s (%s) expired at %s: this entry is not in it. "+
			"`opsync session start` begins another; `opsync session end` clears it",
			expired.ID, ui.Escape(expired.Summary), expired.Until.In(time.Local).Format("15:04"))
	}
	run.session = id
	return nil
}

// SessionResult is what a session start or end did.
type SessionResult struct {
	Session *Session
	// Logged are the entries made, one per repository (Pushed says which
	// reached the remote).
	Logged []Logged
	// Code is 0, ExitNotPushed (an entry stays local) or ExitNotLogged
	// (an entry could not be committed).
	Code int
}

// StartSession begins a session for this operator: it checks the summary
// and the length, refuses while another session runs (or OPSYNC_SESSION
// is set), then, in every opted-in repository, pulls, commits the start
// entry (`opsync session start: <summary>`, Opsync-Session: <id>) and
// pushes, as after any command. The session is remembered once at least
// one entry is committed. A pull that fails stops it before anything is
// committed (ExitSyncFailed).
func (e *Engine) StartSession(ctx context.Context, summary string, d time.Duration) (*SessionResult, error) {
	summary, err := CheckSummary(summary)
	if err != nil {
		return nil, refuse(ExitUsage, "%v", err)
	}
	if err := CheckSessionFor(d); err != nil {
		return nil, refuse(ExitUsage, "%v", err)
	}
	if v := e.o.Getenv(SessionEnv); v != "" {
		return nil, refuse(ExitUsage, "%s is set (to %s): the entries of this shell join that session, not the one you would start. "+
			"Unset it first (`unset %s`)", SessionEnv, ui.Escape(v), SessionEnv)
	}
	now := e.o.Now()
	cur, err := e.StoredSession()
	if err != nil {
		return nil, refuse(ExitConfig, "%v", err)
	}
	if cur != nil && !cur.Expired(now) {
		return nil, refuse(ExitUsage, "session %s (%s) is running, until %s: end it first with `opsync session end` "+
			"(a session holds one piece of work; entries made now carry %s)",
			cur.ID, ui.Escape(cur.Summary), cur.Until.In(time.Local).Format("15:04"), cur.ID)
	}
	s := &Session{ID: NewSessionID(now), Summary: summary, Started: now.UTC(), Until: now.Add(d).UTC()}
	entry := oplog.Entry{Line: sessionStartCommand + ": " + summary, Command: sessionStartCommand, Session: s.ID,
		Version: e.o.Version, Notes: []string{fmt.Sprintf("session %s, for %s (until %s)", s.ID, ShortDuration(d), s.Until.Format(time.RFC3339))}}
	res, err := e.logSessionEntry(ctx, entry)
	if err != nil {
		return nil, err
	}
	res.Session = s
	for _, l := range res.Logged {
		if l.Commit != "" {
			s.Repos = append(s.Repos, l.Repo)
		}
	}
	if len(s.Repos) == 0 {
		return res, refuse(ExitNotLogged, "the session was not started: its entry could not be committed in any repository")
	}
	if err := e.storeSession(s); err != nil {
		return res, refuse(ExitConfig, "the session's entry is logged, but the session cannot be remembered on this machine: %v. "+
			"Fix that, then `opsync session start` again", err)
	}
	return res, nil
}

// EndSession ends this operator's session: an entry `opsync session end:
// <summary>` carrying its id in every opted-in repository (pulled first,
// pushed after), then the session is forgotten. A session whose time ran
// out has ended already: it is forgotten and nothing is logged (Logged is
// empty). No session at all is an *Error with ExitUsage.
func (e *Engine) EndSession(ctx context.Context) (*SessionResult, error) {
	cur, err := e.StoredSession()
	if err != nil {
		return nil, refuse(ExitConfig, "%v", err)
	}
	if cur == nil {
		msg := "no session is running: there is nothing to end (`opsync session start \"summary\"` begins one)"
		if v := e.o.Getenv(SessionEnv); v != "" {
			msg += fmt.Sprintf("; %s=%s joins a session only for the commands it is set for: unset it to leave", SessionEnv, ui.Escape(v))
		}
		return nil, refuse(ExitUsage, "%s", msg)
	}
	now := e.o.Now()
	if cur.Expired(now) {
		if err := e.forgetSession(); err != nil {
			return nil, refuse(ExitConfig, "cannot forget the session: %v", err)
		}
		return &SessionResult{Session: cur}, nil
	}
	entry := oplog.Entry{Line: sessionEndCommand + ": " + cur.Summary, Command: sessionEndCommand, Session: cur.ID,
		Version: e.o.Version, Notes: []string{fmt.Sprintf("session %s, started %s, lasted %s", cur.ID,
			cur.Started.Format(time.RFC3339), ShortDuration(now.Sub(cur.Started).Round(time.Second)))}}
	res, err := e.logSessionEntry(ctx, entry)
	if err != nil {
		return nil, err
	}
	res.Session = cur
	if err := e.forgetSession(); err != nil {
		return res, refuse(ExitConfig, "the end of the session is logged, but the session file cannot be removed: %v", err)
	}
	return res, nil
}

// logSessionEntry makes entry in every opted-in repository: all locked and
// pulled first (a failure there stops it, nothing committed), then
// committed (no file: an empty commit that keeps whatever is staged
// staged) and pushed, each repository on its own.
func (e *Engine) logSessionEntry(ctx context.Context, entry oplog.Entry) (*SessionResult, error) {
	all, err := e.Repos()
	if err != nil {
		return nil, err
	}
	rs := OptedIn(all)
	if len(rs) == 0 {
		return nil, e.nothingToSync(all)
	}
	for _, rp := range rs {
		if rp.TeamErr != nil {
			return nil, refuse(ExitConfig, "the team file of %s cannot be read, so nothing is logged there: %v", rp.Name(), rp.TeamErr)
		}
	}
	ident, err := rs[0].r.c.Ident(ctx)
	if err != nil {
		if err == git.ErrNotInstalled {
			return nil, &Error{Code: ExitSyncFailed, Err: err}
		}
		return nil, refuse(ExitSyncFailed, "git cannot make a commit in %s because it does not know who you are:\n%s\n"+
			"Set your name and email once, `"+git.IdentityFix+"`: they author every log entry.",
			rs[0].Name(), git.Indent(strings.TrimSpace(git.StderrOf(err))))
	}
	entry.Operator = ident
	if e.o.Host != "" {
		entry.Operator += " on " + e.o.Host
	}
	// The notify hooks run last, after the locks are given up (notify.go).
	var todo []notification
	defer func() { e.runNotifications(ctx, todo) }()
	var locked []*repo
	defer func() {
		for _, r := range locked {
			r.unlock()
		}
	}()
	for _, rp := range rs {
		r := rp.r
		r.recoverIntents(ctx, false) // this entry's push carries them
		if err := r.lock(ctx, entry.Line); err != nil {
			return nil, refuse(ExitSyncFailed, "nothing was logged: %v", err)
		}
		locked = append(locked, r)
		if err := r.stateProblem(); err != nil {
			return nil, refuse(ExitSyncFailed, "nothing was logged: %v", err)
		}
		if _, err := r.pullWith(ctx, r.entryVersionResolver(nil)); err != nil {
			msg := fmt.Sprintf("nothing was logged: could not pull %s:\n%s", rp.Name(), indentErr(err))
			if advice := r.pullAdvice(err); advice != "" {
				msg += "\n" + advice
			}
			return nil, refuse(ExitSyncFailed, "%s", msg)
		}
	}
	res := &SessionResult{}
	for _, r := range locked {
		l := Logged{Entry: entry, Repo: r.r.WorkTree}
		if err := r.c.CommitOnly(ctx, oplog.Format(entry), nil, nil); err != nil {
			e.sayError("`%s` could not be committed in %s:\n%s", entry.Line, r.name(), indentErr(err))
			res.Code = ExitNotLogged
			res.Logged = append(res.Logged, l)
			continue
		}
		l.Commit, _ = r.r.HeadCommit()
		remote, ref, err := r.upstream(ctx)
		switch {
		case err == nil && remote == "":
			e.event(EventLogged, "logged %s in %s (no remote: the log is kept locally)", shortID(l.Commit), r.name())
		case err == nil:
			err = r.pushWithRetry(ctx, remote, ref, nil)
		}
		if err != nil {
			e.warn("`%s` is committed in %s (%s) but NOT pushed:\n%s\nNothing is lost: when the problem is fixed, run `opsync sync` to push it.",
				entry.Line, r.name(), shortID(l.Commit), indentErr(err))
			if res.Code == 0 {
				res.Code = ExitNotPushed
			}
		} else if remote != "" {
			r.recordPush(e.o.Now())
			l.Pushed, l.Remote = true, r.target()
			e.event(EventLogged, "logged %s in %s and pushed to %s", shortID(l.Commit), r.name(), r.target())
			todo = append(todo, r.notificationsFor(ctx, l)...)
		}
		res.Logged = append(res.Logged, l)
	}
	return res, nil
}

// ShortDuration writes 2h, 90m, 1h30m rather than 2h0m0s.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

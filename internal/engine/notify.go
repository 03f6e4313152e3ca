package engine

// Notifications: the notify: hooks of a repository's settings (the team
// file's, then the operator's own; internal/config/notify.go) run after
// its entries are pushed — never for an entry that stays local — each fed
// the entry exactly as one element of `opsync log --json`. They run in
// parallel, after the repositories are unlocked and the leases released,
// so a hook delays neither abra, nor a teammate, nor git; opsync waits
// for them (at most the longest hook's timeout), since a hook still
// running when opsync exits would be killed with it. A failure is a
// one-line warning and never changes the exit status.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"coopcloud.tech/opsync/internal/config"
	"coopcloud.tech/opsync/internal/ui"
)

// hookOutputMax is how much of a command hook's output is kept, for the
// last line quoted in a warning when it fails.
const hookOutputMax = 4096

// notification is one hook to run for one pushed entry.
type notification struct {
	hook    config.Hook
	payload []byte // the entry's JSON, as opsync log --json prints it
	entry   LogEntry
}

// notifyPushed runs the notify hooks for the entries After pushed, and
// waits for them. Each entry is read back from git, so that its payload
// is what `opsync log --json` prints for it.
func (run *Run) notifyPushed(ctx context.Context) {
	var todo []notification
	for _, t := range run.Targets {
		if t.logged != nil {
			todo = append(todo, t.repo.notificationsFor(ctx, *t.logged)...)
		}
	}
	run.e.runNotifications(ctx, todo)
}

// notificationsFor is what the repository's hooks are to be given for an
// entry: nothing unless it was pushed and a hook wants it, else the entry
// read back from git.
func (r *repo) notificationsFor(ctx context.Context, l Logged) []notification {
	if !l.Pushed || l.Commit == "" || !hooksFor(r.settings.Notify, l.Entry.Command, l.Entry.App, l.Entry.Exit != 0) {
		return nil
	}
	// Read back as `opsync log --json` reads it: the signature verified,
	// the session's summary found.
	c, err := r.c.ReadCommitSigned(ctx, l.Commit)
	if err != nil {
		r.e.warn("no notification for %s: cannot read the entry back: %v", shortID(l.Commit), err)
		return nil
	}
	rp := &Repository{Path: r.r.WorkTree, Git: true, e: r.e, r: r}
	le := rp.entry(c)
	if le.Entry.Session != "" {
		le.SessionSummary = r.e.SessionSummary(ctx, []*Repository{rp}, le.Entry.Session)
	}
	return notifications(r.settings.Notify, le)
}

// notifySynced runs the notify hooks for the entries `opsync sync` pushed
// (entries a failed push had left local), and waits for them. Commits
// made by hand are not notified.
func (rp *Repository) notifySynced(ctx context.Context, pushed []LogEntry) {
	var todo []notification
	for _, le := range pushed {
		if !le.Manual && !le.Merge {
			todo = append(todo, rp.r.notificationsFor(ctx, Logged{Entry: le.Entry, Commit: le.Commit, Pushed: true})...)
		}
	}
	rp.e.runNotifications(ctx, todo)
}

// hooksFor reports whether any of the hooks runs for an entry of command,
// app and failure: without one, the entry is not even read back.
func hooksFor(hooks []config.Hook, command, app string, failed bool) bool {
	for _, h := range hooks {
		if h.When.Matches(command, app, failed) {
			return true
		}
	}
	return false
}

// notifications are the hooks to run for one entry, each with the entry's
// JSON.
func notifications(hooks []config.Hook, le LogEntry) []notification {
	var out []notification
	var payload []byte
	for _, h := range hooks {
		if !h.When.Matches(le.Entry.Command, le.Entry.App, le.Failed()) {
			continue
		}
		if payload == nil {
			b, err := le.MarshalJSON()
			if err != nil {
				continue // a LogEntry always marshals; nothing to send otherwise
			}
			payload = append(ui.EscapeJSON(b), '\n')
		}
		out = append(out, notification{hook: h, payload: payload, entry: le})
	}
	return out
}

// runNotifications runs the hooks in parallel and waits for them all;
// each failure is a warning, told once all are done, in the order of the
// settings (the reporter is not called from several goroutines at once,
// and the operator reads the same order every time).
func (e *Engine) runNotifications(ctx context.Context, todo []notification) {
	errs := make([]error, len(todo))
	var wg sync.WaitGroup
	for i, n := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.notify(ctx, n)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			n := todo[i]
			e.warn("notify: %s for %s: %v; the entry is pushed all the same", n.hook.Name(e.o.Getenv("HOME")), shortID(n.entry.Commit), err)
		}
	}
}

// errHookTimeout is a hook that did not finish within its time limit.
var errHookTimeout = errors.New("timed out")

func (e *Engine) notify(ctx context.Context, n notification) error {
	ctx, cancel := context.WithTimeoutCause(ctx, n.hook.Timeout, errHookTimeout)
	defer cancel()
	var err error
	if n.hook.Webhook != "" {
		err = e.postWebhook(ctx, n)
	} else {
		err = runCommandHook(ctx, n)
	}
	if err != nil && errors.Is(context.Cause(ctx), errHookTimeout) {
		what := "stopped"
		if n.hook.Command != "" {
			what = "killed"
		}
		return fmt.Errorf("did not finish within %s (timeout:), %s", n.hook.Timeout, what)
	}
	return err
}

// webhookClient follows no redirect: a redirect could lead the entry to
// plain http or to another host than the one configured.
var webhookClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (e *Engine) postWebhook(ctx context.Context, n notification) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.hook.Webhook, bytes.NewReader(n.payload))
	if err != nil {
		return errors.New("the URL cannot be used") // net/http's message would quote the URL
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "opsync/"+e.o.Version)
	resp, err := webhookClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error's message quotes the URL, credentials and all
		}
		return fmt.Errorf("the request failed: %s", ui.Escape(ui.RedactURLs(err.Error())))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the server answered %s", ui.Escape(resp.Status))
	}
	return nil
}

// hookEnv is what a command hook gets besides opsync's own environment.
func hookEnv(le LogEntry) []string {
	e := le.Entry
	exit := strconv.Itoa(e.Exit)
	if e.Unknown() {
		exit = "unknown"
	}
	return []string{
		"OPSYNC_COMMIT=" + le.Commit,
		"OPSYNC_REPO=" + le.Repo,
		"OPSYNC_COMMAND=" + e.Command,
		"OPSYNC_APP=" + e.App,
		"OPSYNC_SERVER=" + e.Server,
		"OPSYNC_EXIT=" + exit,
		"OPSYNC_DEPLOYED=" + e.Deployed,
	}
}

func runCommandHook(ctx context.Context, n notification) error {
	cmd := exec.CommandContext(ctx, "sh", "-c", n.hook.Command)
	cmd.Dir = n.entry.Repo
	cmd.Env = append(os.Environ(), hookEnv(n.entry)...)
	cmd.Stdin = bytes.NewReader(n.payload)
	out := &tailBuffer{max: hookOutputMax}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, killed whole at the limit: a shell's children
	// (curl, a script's sleep) go with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return err
	}
	var ee *exec.ExitError
	msg := err.Error()
	if errors.As(err, &ee) && ee.Exited() {
		msg = fmt.Sprintf("exited %d", ee.ExitCode())
	}
	if last := out.lastLine(); last != "" {
		msg += ": " + ui.Escape(ui.RedactURLs(last))
	}
	return errors.New(msg)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

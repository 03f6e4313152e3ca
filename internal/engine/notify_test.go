package engine

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/config"
	"coopcloud.tech/opsync/oplog"
)

// notifyEngine is an engine whose events the test reads.
type notifyEngine struct {
	*Engine
	mu     sync.Mutex
	events []Event
}

func newNotifyEngine() *notifyEngine {
	ne := &notifyEngine{}
	ne.Engine = New(Options{Version: "1.2.3-test", Report: func(ev Event) {
		ne.mu.Lock()
		defer ne.mu.Unlock()
		ne.events = append(ne.events, ev)
	}})
	return ne
}

func (ne *notifyEngine) warnings() []string {
	ne.mu.Lock()
	defer ne.mu.Unlock()
	var out []string
	for _, ev := range ne.events {
		if ev.Kind == EventWarning {
			out = append(out, ev.Message)
		}
	}
	return out
}

func pushedEntry(t *testing.T) LogEntry {
	return LogEntry{Commit: "0123456789abcdef0123456789abcdef01234567", Author: "Alice", Email: "alice@example.org",
		Time: time.Date(2026, 11, 25, 14, 2, 3, 0, time.UTC), Repo: t.TempDir(),
		Entry: oplog.Entry{Line: "abra app deploy foo.example.org 1.2.0+1.1 --force", Command: "app deploy",
			App: "foo.example.org", Server: "s1", Deployed: "custom-html:1.2.0+1.1", Exit: 0}}
}

func hook(h config.Hook) config.Hook {
	if h.Timeout == 0 {
		h.Timeout = config.DefaultHookTimeout
	}
	h.Path, h.Line = "/etc/abra.yml", 3
	return h
}

func TestWebhookIsPostedTheEntry(t *testing.T) {
	type got struct {
		method, path, contentType, userAgent string
		body                                 []byte
	}
	reqs := make(chan got, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs <- got{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), b}
	}))
	defer srv.Close()
	ne := newNotifyEngine()
	le := pushedEntry(t)
	ne.runNotifications(context.Background(), notifications([]config.Hook{hook(config.Hook{Webhook: srv.URL + "/ops"})}, le))
	if w := ne.warnings(); len(w) > 0 {
		t.Fatalf("warnings: %q", w)
	}
	g := <-reqs
	want, _ := le.MarshalJSON()
	if g.method != "POST" || g.path != "/ops" || g.contentType != "application/json" || g.userAgent != "opsync/1.2.3-test" {
		t.Errorf("request %s %s, Content-Type %q, User-Agent %q", g.method, g.path, g.contentType, g.userAgent)
	}
	if string(g.body) != string(want)+"\n" {
		t.Errorf("body\n%s\nwant the entry's JSON\n%s", g.body, want)
	}
}

func TestWebhookFailureIsAWarningWithoutCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "s3cret" {
			t.Errorf("basic auth %q %q %v, want the URL's credentials", u, p, ok)
		}
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close() // nothing listens there any more: the connection is refused
	withCreds := func(u string) string {
		return strings.Replace(u, "http://", "http://alice:s3cret@", 1) + "/hooks/T0KEN?key=K3Y"
	}

	ne := newNotifyEngine()
	le := pushedEntry(t)
	ne.runNotifications(context.Background(), notifications([]config.Hook{
		hook(config.Hook{Webhook: withCreds(srv.URL)}),
		hook(config.Hook{Webhook: withCreds(closedURL)}),
	}, le))
	w := ne.warnings()
	if len(w) != 2 {
		t.Fatalf("warnings %q, want two", w)
	}
	joined := strings.Join(w, "\n")
	for _, secret := range []string{"s3cret", "T0KEN", "K3Y"} {
		if strings.Contains(joined, secret) {
			t.Errorf("a warning shows %s: %q", secret, joined)
		}
	}
	if !strings.Contains(joined, "the server answered 500 Internal Server Error; the entry is pushed all the same") ||
		!strings.Contains(joined, "the request failed:") || !strings.Contains(joined, "http://<redacted>@127.0.0.1:") {
		t.Errorf("warnings %q", joined)
	}
	for _, m := range w {
		if strings.Contains(m, "\n") {
			t.Errorf("a warning of more than one line: %q", m)
		}
	}
}

func TestHooksRunInParallelAndAreTimedOut(t *testing.T) {
	// Two webhooks that each answer only once both requests have arrived:
	// run one after the other, the first would time out waiting for the
	// second. A third never answers (a gate that opens when the test
	// ends) and is stopped at its limit.
	var mu sync.Mutex
	arrived := 0
	both := make(chan struct{})
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/never" {
			select {
			case <-gate:
			case <-r.Context().Done():
			}
			return
		}
		mu.Lock()
		arrived++
		if arrived == 2 {
			close(both)
		}
		mu.Unlock()
		select {
		case <-both:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(gate)
	ne := newNotifyEngine()
	ne.runNotifications(context.Background(), notifications([]config.Hook{
		hook(config.Hook{Webhook: srv.URL + "/a"}),
		hook(config.Hook{Webhook: srv.URL + "/b"}),
		hook(config.Hook{Webhook: srv.URL + "/never", Timeout: time.Second}),
	}, pushedEntry(t)))
	w := ne.warnings()
	if len(w) != 1 || !strings.Contains(w[0], "did not finish within 1s (timeout:), stopped") {
		t.Fatalf("warnings %q, want one: the third hook timed out", w)
	}
}

func TestCommandHookReadsTheEntry(t *testing.T) {
	dir := t.TempDir()
	ne := newNotifyEngine()
	le := pushedEntry(t)
	cmd := `cat > "$OUT/stdin.json"; printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$OPSYNC_COMMIT" "$OPSYNC_COMMAND" "$OPSYNC_APP" "$OPSYNC_SERVER" "$OPSYNC_EXIT" "$OPSYNC_DEPLOYED" "$OPSYNC_REPO" "$PWD" > "$OUT/env"`
	t.Setenv("OUT", dir)
	ne.runNotifications(context.Background(), notifications([]config.Hook{hook(config.Hook{Command: cmd})}, le))
	if w := ne.warnings(); len(w) > 0 {
		t.Fatalf("warnings: %q", w)
	}
	stdin, err := os.ReadFile(filepath.Join(dir, "stdin.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := le.MarshalJSON()
	if string(stdin) != string(want)+"\n" {
		t.Errorf("stdin\n%s\nwant\n%s", stdin, want)
	}
	env, _ := os.ReadFile(filepath.Join(dir, "env"))
	wantEnv := strings.Join([]string{le.Commit, "app deploy", "foo.example.org", "s1", "0", "custom-html:1.2.0+1.1", le.Repo, le.Repo}, "|") + "\n"
	if string(env) != wantEnv {
		t.Errorf("environment %q, want %q", env, wantEnv)
	}
}

func TestCommandHookFailureIsAWarning(t *testing.T) {
	ne := newNotifyEngine()
	ne.runNotifications(context.Background(), notifications([]config.Hook{
		hook(config.Hook{Command: "echo starting; echo 'matrix: \x1b[31mforbidden' >&2; exit 3"}),
	}, pushedEntry(t)))
	w := ne.warnings()
	want := `notify: command hook (/etc/abra.yml line 3) for 0123456: exited 3: matrix: \x1b[31mforbidden; the entry is pushed all the same`
	if len(w) != 1 || w[0] != want {
		t.Fatalf("warnings %q, want [%q]", w, want)
	}
}

func TestCommandHookKilledWithItsProcessGroup(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("OUT", dir)
	ne := newNotifyEngine()
	// The shell starts a child and waits for it: killing the shell alone
	// would leave the child running.
	ne.runNotifications(context.Background(), notifications([]config.Hook{
		hook(config.Hook{Command: `sleep 300 & echo $! > "$OUT/child"; wait`, Timeout: time.Second}),
	}, pushedEntry(t)))
	w := ne.warnings()
	if len(w) != 1 || !strings.Contains(w[0], "did not finish within 1s (timeout:), killed") {
		t.Fatalf("warnings %q, want the hook killed at its limit", w)
	}
	b, err := os.ReadFile(filepath.Join(dir, "child"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	// Gone, or a zombie waiting for init to reap it: killed either way.
	// SIGKILL is delivered when the child is next scheduled, so its state
	// may still read "running" just after the hook returns: look again
	// until it changes (bounded), never for a set time.
	state := ""
	for i := 0; i < 500; i++ {
		if state = procState(pid); state == "" || state == "Z" || state == "X" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("the hook's child %d is still running (state %s)", pid, state)
}

// procState is the state letter of the process in /proc, "" when there is
// no such process.
func procState(pid int) string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}

func TestNoHookRunsForAnotherCommand(t *testing.T) {
	hooks := []config.Hook{hook(config.Hook{Command: "exit 1", When: config.HookWhen{Commands: []string{"app upgrade"}}})}
	if n := notifications(hooks, pushedEntry(t)); len(n) != 0 {
		t.Errorf("%d notifications for a deploy, want none (the hook is for upgrades)", len(n))
	}
	if hooksFor(hooks, "app deploy", "foo.example.org", false) {
		t.Error("hooksFor: a deploy selected by a hook for upgrades")
	}
	manual := pushedEntry(t)
	manual.Manual, manual.Entry = true, oplog.Entry{Line: "by hand"}
	ne := newNotifyEngine()
	rp := &Repository{e: ne.Engine, r: &repo{settings: config.Settings{Notify: []config.Hook{hook(config.Hook{Command: "exit 1"})}}}}
	rp.notifySynced(context.Background(), []LogEntry{manual})
	if w := ne.warnings(); len(w) != 0 {
		t.Errorf("a commit made by hand ran the hook: %q", w)
	}
	// An entry opsync made is read back from git first (notificationsFor;
	// the script notify-not-pushed runs that for opsync sync): here it
	// is enough that the hook wants it.
	if n := notifications(rp.r.settings.Notify, pushedEntry(t)); len(n) != 1 {
		t.Errorf("%d notifications for the entry opsync made, want one", len(n))
	}
}

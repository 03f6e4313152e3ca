package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/engine"
)

// planWorld is one operator's set-up: a bare remote seeded with servers s1
// (foo and bar) and s2 (empty), $ABRA_DIR/servers a clone of it, and
// $ABRA_DIR/abra.yml as given. The working directory holds no abra.yml.
type planWorld struct {
	t       *testing.T
	root    string
	abraDir string
	cwd     string
	env     map[string]string
	now     time.Time
	mu      sync.Mutex
	gits    [][]string // git processes started through the engine
	events  []engine.Event
}

func newPlanWorld(t *testing.T, abraYML string) *planWorld {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := &planWorld{t: t, root: root, abraDir: filepath.Join(root, "abra"), cwd: filepath.Join(root, "cwd"),
		now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	home := filepath.Join(root, "home")
	for _, d := range []string{home, w.cwd, w.abraDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// git, started by the engine, reads HOME from the process environment.
	writeFile(t, filepath.Join(home, ".gitconfig"), "[init]\n\tdefaultBranch = main\n[user]\n\tname = Plan Tester\n\temail = plan@example.org\n")
	t.Setenv("HOME", home)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	w.env = map[string]string{"HOME": home, "ABRA_DIR": w.abraDir}

	remote := filepath.Join(root, "remote.git")
	w.git("", "init", "-q", "--bare", "-b", "main", remote)
	seed := filepath.Join(root, "seed")
	w.git("", "clone", "-q", remote, seed)
	writeFile(t, filepath.Join(seed, "s1", "foo.example.org.env"), "TYPE=custom-html:1.0.0\nDOMAIN=foo.example.org\n")
	writeFile(t, filepath.Join(seed, "s1", "bar.example.org.env"), "TYPE=custom-html:1.0.0\nDOMAIN=bar.example.org\n")
	writeFile(t, filepath.Join(seed, "s2", ".keep"), "")
	w.git(seed, "add", "-A")
	w.git(seed, "commit", "-q", "-m", "seed")
	w.git(seed, "push", "-q", "origin", "HEAD:main")
	w.git("", "clone", "-q", remote, filepath.Join(w.abraDir, "servers"))
	if abraYML != "" {
		writeFile(t, filepath.Join(w.abraDir, "abra.yml"), abraYML)
	}
	return w
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// git runs a fixture git command (not counted).
func (w *planWorld) git(dir string, args ...string) {
	w.t.Helper()
	if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
		w.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (w *planWorld) engine() *engine.Engine {
	return engine.New(engine.Options{
		Dir:    w.cwd,
		Getenv: func(k string) string { return w.env[k] },
		Report: func(ev engine.Event) { w.mu.Lock(); defer w.mu.Unlock(); w.events = append(w.events, ev) },
		Now:    func() time.Time { return w.now },
		Host:   "testhost",
		GitTrace: func(args []string) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.gits = append(w.gits, args)
		},
	})
}

// gitCount returns the number of git processes started since the last call.
func (w *planWorld) gitCount() (int, [][]string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, seen := len(w.gits), w.gits
	w.gits = nil
	return n, seen
}

func (w *planWorld) env1(app string) string {
	return filepath.Join(w.abraDir, "servers", "s1", app+".env")
}

// wantPlan is what a plan's exported fields and methods must say.
type wantPlan struct {
	active   bool
	reason   string // part of Reason; "" = Reason must be empty
	modifies bool
	pull     bool
	commit   bool
	push     bool
	paths    []string // relative to $ABRA_DIR/servers
	app      string
	server   string
	line     string
	abraArgs string // "" = the command line without opsync's flags
}

func checkPlan(t *testing.T, w *planWorld, line string, p *engine.Plan, want wantPlan) {
	t.Helper()
	if p.Active != want.active {
		t.Errorf("Active = %v (%s), want %v", p.Active, p.Reason, want.active)
	}
	if want.reason == "" && p.Reason != "" || !strings.Contains(p.Reason, want.reason) {
		t.Errorf("Reason = %q, want %q", p.Reason, want.reason)
	}
	if p.Modifies != want.modifies || p.Pulls() != want.pull || p.Commits() != want.commit || p.Pushes() != want.push {
		t.Errorf("modifies %v pull %v commit %v push %v; want %v %v %v %v",
			p.Modifies, p.Pulls(), p.Commits(), p.Pushes(), want.modifies, want.pull, want.commit, want.push)
	}
	wantPaths := []string{}
	for _, rel := range want.paths {
		wantPaths = append(wantPaths, filepath.Join(w.abraDir, "servers", filepath.FromSlash(rel)))
	}
	if got := p.Paths(); !slices.Equal(got, wantPaths) || got == nil {
		t.Errorf("Paths() = %q, want %q", got, wantPaths)
	}
	if p.App() != want.app || p.Server() != want.server {
		t.Errorf("App() %q Server() %q, want %q %q", p.App(), p.Server(), want.app, want.server)
	}
	if p.Line != want.line {
		t.Errorf("Line = %q, want %q", p.Line, want.line)
	}
	args := want.abraArgs
	if args == "" {
		args = line
		for _, f := range []string{"--no-operator-sync", "--no-operator-log", "--force-sync"} {
			args = strings.ReplaceAll(args, " "+f, "")
		}
	}
	if !slices.Equal(p.AbraArgs, strings.Fields(args)) {
		t.Errorf("AbraArgs = %q, want %q", p.AbraArgs, strings.Fields(args))
	}
}

func TestPlan(t *testing.T) {
	worlds := map[string]*planWorld{
		"sync":     newPlanWorld(t, "sync: true\n"),
		"alsolog":  newPlanWorld(t, "sync: true\noperator_sync:\n  also_log: [restart]\n"),
		"no-sync":  newPlanWorld(t, ""),
		"sync-off": newPlanWorld(t, "sync: false\n"),
	}
	foo := "s1/foo.example.org.env"
	tests := []struct {
		world string
		line  string
		want  wantPlan
	}{
		{"sync", "app deploy foo.example.org", wantPlan{active: true, modifies: true, pull: true, commit: true, push: true,
			paths: []string{foo}, app: "foo.example.org", server: "s1", line: "abra app deploy foo.example.org"}},
		{"sync", "a d -nf foo.example.org 1.2.0+1.0", wantPlan{active: true, modifies: true, pull: true, commit: true, push: true,
			paths: []string{foo}, app: "foo.example.org", server: "s1", line: "abra app deploy --no-input --force foo.example.org 1.2.0+1.0"}},
		{"sync", "app deploy foo.example.org --no-operator-sync", wantPlan{active: true, modifies: true, pull: false, commit: true, push: false,
			paths: []string{foo}, app: "foo.example.org", server: "s1", line: "abra app deploy foo.example.org"}},
		{"sync", "app deploy --no-operator-log foo.example.org", wantPlan{active: false, reason: "--no-operator-log", modifies: true,
			app: "foo.example.org", line: "abra app deploy foo.example.org"}},
		{"sync", "-o app deploy foo.example.org", wantPlan{active: true, modifies: true, pull: false, commit: true, push: false,
			paths: []string{foo}, app: "foo.example.org", server: "s1", line: "abra app deploy --offline foo.example.org"}},
		{"sync", "app deploy foo.example.org --force-sync", wantPlan{active: true, modifies: true, pull: true, commit: true, push: true,
			paths: []string{foo}, app: "foo.example.org", server: "s1", line: "abra app deploy foo.example.org"}},
		{"sync", "app ps foo.example.org", wantPlan{active: true, pull: true,
			app: "foo.example.org", server: "s1", line: "abra app ps foo.example.org"}},
		{"sync", "app ps foo.example.org --no-operator-sync", wantPlan{active: true, pull: false,
			app: "foo.example.org", server: "s1", line: "abra app ps foo.example.org"}},
		{"sync", "app s i foo.example.org db_password v1 hunter2", wantPlan{active: true, modifies: true, pull: true, commit: true, push: true,
			paths: []string{foo}, app: "foo.example.org", server: "s1", line: "abra app secret insert foo.example.org db_password v1 <redacted>"}},
		{"sync", "app restart foo.example.org", wantPlan{active: true, pull: true,
			app: "foo.example.org", server: "s1", line: "abra app restart foo.example.org"}},
		{"alsolog", "app re foo.example.org", wantPlan{active: true, modifies: true, pull: true, commit: true, push: true,
			paths: []string{foo}, app: "foo.example.org", server: "s1", line: "abra app restart foo.example.org"}},
		{"alsolog", "app restart foo.example.org -h", wantPlan{active: false, reason: "help",
			app: "foo.example.org", line: "abra app restart foo.example.org --help"}},
		// The app is not here (yet): every repository is pulled, then it is looked for again.
		{"sync", "app deploy new.example.org", wantPlan{active: true, modifies: true, pull: true, commit: true, push: true,
			app: "new.example.org", line: "abra app deploy new.example.org"}},
		{"sync", "app ps new.example.org", wantPlan{active: true, pull: true,
			app: "new.example.org", line: "abra app ps new.example.org"}},
		{"sync", "app move foo.example.org s2", wantPlan{active: true, modifies: true, pull: true, commit: true, push: true,
			paths: []string{foo, "s2/foo.example.org.env"}, app: "foo.example.org", server: "s1", line: "abra app move foo.example.org s2"}},
		{"sync", "app mv foo.example.org s2 --dry-run", wantPlan{active: true, pull: true,
			app: "foo.example.org", server: "s1", line: "abra app move foo.example.org s2 --dry-run"}},
		{"sync", "app move foo.example.org s3", wantPlan{active: true, modifies: true, pull: true, commit: true, push: true,
			app: "foo.example.org", line: "abra app move foo.example.org s3"}},
		{"sync", "app new custom-html --domain=new.example.org --server=s2", wantPlan{active: true, pull: true,
			app: "new.example.org", server: "s2", line: "abra app new custom-html --domain=new.example.org --server=s2"}},
		{"sync", "app new custom-html -S -D new.example.org -s s2", wantPlan{active: true, modifies: true, pull: true, commit: true, push: true,
			paths: []string{"s2/new.example.org.env"}, app: "new.example.org", server: "s2",
			line: "abra app new custom-html --secrets --domain=new.example.org --server=s2"}},
		{"sync", "app new custom-html --secrets", wantPlan{active: true, modifies: true, pull: true, commit: true, push: true,
			line: "abra app new custom-html --secrets"}},
		{"sync", "app new custom-html", wantPlan{active: true, pull: true, line: "abra app new custom-html"}},
		{"sync", "app new custom-html -S -D new.example.org -s s9", wantPlan{active: true, modifies: true, pull: true, commit: true, push: true,
			app: "new.example.org", server: "s9", line: "abra app new custom-html --secrets --domain=new.example.org --server=s9"}},
		{"sync", "app ls", wantPlan{active: true, pull: true, line: "abra app list"}},
		{"sync", "app ls -s s1", wantPlan{active: true, pull: true, server: "s1", line: "abra app list --server=s1"}},
		// The new server directory is shared after abra made it (its
		// placeholder is the entry's one path, known only then).
		{"sync", "server add srv.example.org", wantPlan{active: true, modifies: true, commit: true, push: true,
			server: "srv.example.org", line: "abra server add srv.example.org"}},
		{"no-sync", "server add srv.example.org", wantPlan{active: false, reason: "not an `abra app` command",
			line: "abra server add srv.example.org"}},
		{"sync", "app", wantPlan{active: false, reason: "help", line: "abra app"}},
		{"sync", "--version", wantPlan{active: false, reason: "not an `abra app` command", line: "abra --version"}},
		{"no-sync", "app deploy foo.example.org", wantPlan{active: false, reason: "not enabled", modifies: true,
			app: "foo.example.org", line: "abra app deploy foo.example.org"}},
		{"sync-off", "app deploy foo.example.org", wantPlan{active: false, reason: "not enabled", modifies: true,
			app: "foo.example.org", line: "abra app deploy foo.example.org"}},
		{"no-sync", "app ps foo.example.org", wantPlan{active: false, reason: "not enabled",
			app: "foo.example.org", line: "abra app ps foo.example.org"}},
	}
	for _, tt := range tests {
		t.Run(tt.world+"/"+tt.line, func(t *testing.T) {
			w := worlds[tt.world]
			w.gitCount()
			p, err := w.engine().Plan(strings.Fields(tt.line))
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if n, seen := w.gitCount(); n != 0 {
				t.Errorf("Plan started %d git processes: %q", n, seen)
			}
			checkPlan(t, w, tt.line, p, tt.want)
			if p.Active && !slices.Contains(p.Env, "ABRA_DIR="+w.abraDir) {
				t.Errorf("Env = %q, want ABRA_DIR for abra", p.Env)
			}
		})
	}
}

// The cooldown: a read-only command after a successful pull plans no pull
// and its Before starts no git process at all; --force-sync, a modifying
// command, a repository not pulled yet and the end of the cooldown pull.
func TestPlanCooldown(t *testing.T) {
	w := newPlanWorld(t, "sync: true\noperator_sync:\n  cooldown: 5m\n")
	e := w.engine()
	plan := func(line string) *engine.Plan {
		t.Helper()
		p, err := e.Plan(strings.Fields(line))
		if err != nil {
			t.Fatal(err)
		}
		if n, seen := w.gitCount(); n != 0 {
			t.Errorf("Plan(%s) started %d git processes: %q", line, n, seen)
		}
		return p
	}

	p := plan("app ps foo.example.org")
	if !p.Pulls() {
		t.Fatal("first read-only command plans no pull")
	}
	if err := p.Run().Before(context.Background()); err != nil {
		t.Fatalf("Before: %v", err)
	}
	if n, seen := w.gitCount(); n == 0 || !slices.ContainsFunc(seen, func(a []string) bool { return slices.Contains(a, "fetch") }) {
		t.Fatalf("the first Before did not pull: %q", seen)
	}

	w.now = w.now.Add(4 * time.Minute)
	for _, line := range []string{"app ps foo.example.org", "app check bar.example.org", "a ls", "app logs foo.example.org app"} {
		p = plan(line)
		if p.Pulls() || !p.Active {
			t.Errorf("%s inside the cooldown: Pull() %v, Active %v", line, p.Pulls(), p.Active)
		}
		if err := p.Run().Before(context.Background()); err != nil {
			t.Errorf("Before: %v", err)
		}
		if n, seen := w.gitCount(); n != 0 {
			t.Errorf("Before of %s inside the cooldown started %d git processes: %q", line, n, seen)
		}
	}
	if p := plan("app ps foo.example.org --force-sync"); !p.Pulls() {
		t.Error("--force-sync inside the cooldown plans no pull")
	}
	w.env["OPSYNC_FORCE_SYNC"] = "1"
	if p := plan("app ps foo.example.org"); !p.Pulls() {
		t.Error("OPSYNC_FORCE_SYNC=1 inside the cooldown plans no pull")
	}
	delete(w.env, "OPSYNC_FORCE_SYNC")
	if p := plan("app deploy foo.example.org"); !p.Pulls() {
		t.Error("a modifying command inside the cooldown plans no pull")
	}
	if p := plan("app ps missing.example.org"); !p.Pulls() {
		t.Error("an app not found locally plans no pull")
	}
	w.now = w.now.Add(time.Minute)
	if p := plan("app ps foo.example.org"); !p.Pulls() {
		t.Error("after the cooldown: no pull planned")
	}
	// A clock that went backwards does not extend the cooldown.
	w.now = w.now.Add(-time.Hour)
	if p := plan("app ps foo.example.org"); !p.Pulls() {
		t.Error("clock before the last pull: no pull planned")
	}
}

func TestPlanRefuses(t *testing.T) {
	w := newPlanWorld(t, "sync: true\n")
	tests := []struct {
		line string
		code int
		want string
	}{
		{"app deploy ../../etc/passwd", engine.ExitUsage, "refusing app name ../../etc/passwd"},
		{"app deploy .hidden", engine.ExitUsage, `refusing app name .hidden: it starts with "."`},
		{"app move foo.example.org ../x", engine.ExitUsage, "refusing server name ../x"},
		{"app new custom-html -S --server=a/b --domain=x.example.org", engine.ExitUsage, "refusing server name a/b"},
		{"app deploy", engine.ExitUsage, "names no app"},
		{"app deploy foo.example.org --no-operator-sync=perhaps", engine.ExitUsage, "takes true or false"},
	}
	for _, tt := range tests {
		_, err := w.engine().Plan(strings.Fields(tt.line))
		var oe *engine.Error
		if !errors.As(err, &oe) || oe.Code != tt.code || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Plan(%s) = %v, want an *engine.Error %d containing %q", tt.line, err, tt.code, tt.want)
		}
	}
	w.env["OPSYNC"] = "sometimes"
	_, err := w.engine().Plan([]string{"app", "ps", "foo.example.org"})
	var oe *engine.Error
	if !errors.As(err, &oe) || oe.Code != engine.ExitConfig {
		t.Errorf("Plan with OPSYNC=sometimes = %v, want ExitConfig", err)
	}
	delete(w.env, "OPSYNC")
	writeFile(t, filepath.Join(w.abraDir, "abra.yml"), "sync: true\noperator_sync:\n  colldown: 1m\n")
	_, err = w.engine().Plan([]string{"app", "ps", "foo.example.org"})
	if !errors.As(err, &oe) || oe.Code != engine.ExitConfig || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("Plan with a bad abra.yml = %v, want ExitConfig naming line 3", err)
	}
	// A broken config does not stop a command opsync leaves alone.
	if p, err := w.engine().Plan([]string{"server", "ls"}); err != nil || p.Active {
		t.Errorf("Plan(server ls) with a bad abra.yml = %+v, %v", p, err)
	}
}

// said is what the engine reported, as the CLI would print it (kind: message).
func (w *planWorld) said() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var b strings.Builder
	for _, ev := range w.events {
		fmt.Fprintf(&b, "%s: %s\n", ev.Kind, ev.Message)
	}
	return b.String()
}

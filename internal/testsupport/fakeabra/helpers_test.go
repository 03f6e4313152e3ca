package fakeabra

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	// The signal tests run the test binary itself as a fake abra process.
	if os.Getenv("FAKEABRA_TEST_MAIN") == "1" {
		Main()
		return
	}
	os.Exit(m.Run())
}

// world is one operator's ABRA_DIR with servers srv1 and srv2.
type world struct {
	t       *testing.T
	root    string
	abraDir string
	env     map[string]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	root := t.TempDir()
	w := &world{t: t, root: root, abraDir: filepath.Join(root, "abra"), env: map[string]string{}}
	w.env["ABRA_DIR"] = w.abraDir
	w.env["HOME"] = filepath.Join(root, "home")
	for _, s := range []string{"srv1", "srv2"} {
		w.mkdir(filepath.Join("servers", s))
	}
	return w
}

func (w *world) path(rel string) string { return filepath.Join(w.abraDir, rel) }

func (w *world) mkdir(rel string) {
	w.t.Helper()
	if err := os.MkdirAll(w.path(rel), 0o755); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) write(rel, content string) {
	w.t.Helper()
	p := w.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) read(rel string) string {
	w.t.Helper()
	data, err := os.ReadFile(w.path(rel))
	if err != nil {
		w.t.Fatal(err)
	}
	return string(data)
}

func (w *world) exists(rel string) bool {
	_, err := os.Lstat(w.path(rel))
	return err == nil
}

// app writes servers/<srv>/<app>.env.
func (w *world) app(srv, app, content string) string {
	rel := filepath.Join("servers", srv, app+".env")
	w.write(rel, content)
	return rel
}

type result struct {
	code           int
	stdout, stderr string
}

func (w *world) run(stdin string, args ...string) result {
	return w.runIn(w.root, stdin, args...)
}

func (w *world) runIn(dir, stdin string, args ...string) result {
	var out, errb bytes.Buffer
	code := Run(args, Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errb,
		Getenv: func(k string) string { return w.env[k] },
		Dir:    dir,
	})
	return result{code, out.String(), errb.String()}
}

// mustRun runs and requires exit 0.
func (w *world) mustRun(args ...string) result {
	w.t.Helper()
	r := w.run("", args...)
	if r.code != 0 {
		w.t.Fatalf("abra %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// state reads the fake server state of an app, nil if there is none.
func (w *world) state(srv, app string) *appState {
	w.t.Helper()
	p := w.path(filepath.Join("fake-server-state", srv, app+".json"))
	data, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		w.t.Fatal(err)
	}
	var st appState
	if err := json.Unmarshal(data, &st); err != nil {
		w.t.Fatalf("state %s is not valid JSON: %v\n%s", p, err, data)
	}
	return &st
}

func (w *world) events() string {
	data, _ := os.ReadFile(w.path("fake-server-state/events.log"))
	return string(data)
}

// snapshot captures every file under ABRA_DIR (path -> content) to check
// that a command changed nothing.
func (w *world) snapshot() map[string]string {
	w.t.Helper()
	m := map[string]string{}
	filepath.Walk(w.abraDir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() && fi.Name() != ".lock" {
			data, _ := os.ReadFile(p)
			m[p] = string(data)
		} else if fi.IsDir() {
			m[p+"/"] = ""
		}
		return nil
	})
	return m
}

func (w *world) assertUnchanged(before map[string]string) {
	w.t.Helper()
	after := w.snapshot()
	for p, v := range before {
		if a, ok := after[p]; !ok {
			w.t.Errorf("%s disappeared", p)
		} else if a != v {
			w.t.Errorf("%s changed:\n%q\n->\n%q", p, v, a)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok && !strings.HasPrefix(filepath.Base(strings.TrimSuffix(p, "/")), "fake-server-state") {
			w.t.Errorf("%s appeared", p)
		}
	}
}

func contains(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s: want %q in\n%s", what, want, got)
	}
}

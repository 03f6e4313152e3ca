package fakeabra

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/fileutil"
)

// The fake "server" state lives in a directory shared by every operator
// (every ABRA_DIR) that deploys to the same servers:
//
//	<state>/<server>/<app>.json   one appState per app
//	<state>/events.log            one line per state-changing command
//	<state>/signals.log           "<pid> <signal>" per signal received
//	<state>/.lock                 flock taken while updating

const (
	statusDeployed   = "deployed"
	statusUndeployed = "undeployed"
)

// secretState records that a secret exists on the server. The value itself
// is never stored, only its SHA-256.
type secretState struct {
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
}

// appState is the JSON stored per app.
type appState struct {
	App         string                 `json:"app"`
	Server      string                 `json:"server"`
	Recipe      string                 `json:"recipe,omitempty"`
	Version     string                 `json:"version,omitempty"`
	Status      string                 `json:"status"`
	Secrets     map[string]secretState `json:"secrets"`
	Volumes     []string               `json:"volumes"`
	Snapshots   []string               `json:"snapshots,omitempty"`
	LastCommand string                 `json:"lastCommand"`
	Updated     string                 `json:"updated"`
}

func newAppState(server, app string) *appState {
	return &appState{App: app, Server: server, Status: statusUndeployed,
		Secrets: map[string]secretState{}, Volumes: []string{}}
}

func hashSecret(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

// store is the state directory, used only while its lock is held.
type store struct {
	dir string
	c   *ctx
}

func (s *store) appPath(server, app string) string {
	return filepath.Join(s.dir, server, app+".json")
}

// load returns the app's state, or nil if there is none.
func (s *store) load(server, app string) (*appState, error) {
	return loadState(s.appPath(server, app))
}

func loadState(path string) (*appState, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st appState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("corrupt fake server state %s: %v", path, err)
	}
	if st.Secrets == nil {
		st.Secrets = map[string]secretState{}
	}
	if st.Volumes == nil {
		st.Volumes = []string{}
	}
	return &st, nil
}

// loadOrNew is load, creating a fresh undeployed state when there is none.
func (s *store) loadOrNew(server, app string) (*appState, error) {
	st, err := s.load(server, app)
	if err == nil && st == nil {
		st = newAppState(server, app)
	}
	return st, err
}

// save writes the state atomically (temporary file, then rename).
func (s *store) save(st *appState) error {
	st.LastCommand = strings.Join(s.c.inv.cmd.path(), " ")
	st.Updated = time.Now().UTC().Format(time.RFC3339Nano)
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return fileutil.WriteAtomic(s.appPath(st.Server, st.App), append(data, '\n'), 0o644)
}

func (s *store) remove(server, app string) error {
	err := os.Remove(s.appPath(server, app))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// event appends one line to events.log: time, pid, command path, app and
// key=value details. Callers never pass secret values.
func (s *store) event(app string, details ...string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "time=%s pid=%d cmd=%q", time.Now().UTC().Format(time.RFC3339Nano),
		os.Getpid(), strings.Join(s.c.inv.cmd.path(), " "))
	if app != "" {
		fmt.Fprintf(&b, " app=%s", logValue(app))
	}
	for i := 0; i+1 < len(details); i += 2 {
		fmt.Fprintf(&b, " %s=%s", details[i], logValue(details[i+1]))
	}
	b.WriteByte('\n')
	return appendFile(filepath.Join(s.dir, "events.log"), b.String())
}

func logValue(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\"=\n") {
		return strconv.Quote(v)
	}
	return v
}

func appendFile(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// withState runs fn while holding the state directory's lock.
func (c *ctx) withState(fn func(s *store) error) error {
	if err := os.MkdirAll(c.stateDir, 0o755); err != nil {
		return err
	}
	unlock, err := lockFile(filepath.Join(c.stateDir, ".lock"))
	if err != nil {
		return fmt.Errorf("cannot lock fake server state: %v", err)
	}
	defer unlock()
	return fn(&store{dir: c.stateDir, c: c})
}

// peekState reads an app's state without the lock (files are replaced
// atomically, so a reader never sees half a file).
func (c *ctx) peekState(server, app string) *appState {
	st, err := loadState(filepath.Join(c.stateDir, server, app+".json"))
	if err != nil {
		c.warnf("%v", err)
	}
	return st
}

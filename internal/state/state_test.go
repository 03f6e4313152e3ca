package state_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/state"
)

func TestReadMissingOrCorrupt(t *testing.T) {
	dir := t.TempDir()
	if s := state.Read(filepath.Join(dir, "does-not-exist")); s != (state.State{}) {
		t.Errorf("Read of a missing directory = %+v", s)
	}
	if s := state.Read(dir); s != (state.State{}) {
		t.Errorf("Read of a missing file = %+v", s)
	}
	for _, bad := range []string{"", "{", "not json", `{"last_pull": "yesterday"}`, `[]`} {
		if err := os.WriteFile(filepath.Join(dir, state.FileName), []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if s := state.Read(dir); s != (state.State{}) {
			t.Errorf("Read of %q = %+v, want an empty state", bad, s)
		}
	}
}

func TestUpdate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "git", "opsync") // created by Update
	pulled := time.Date(2026, 5, 1, 12, 0, 0, 123, time.UTC)
	if err := state.Update(dir, func(s *state.State) { s.LastPull, s.LastPullRemote = pulled, "origin" }); err != nil {
		t.Fatal(err)
	}
	pushed := pulled.Add(time.Minute)
	if err := state.Update(dir, func(s *state.State) { s.LastPush = pushed }); err != nil {
		t.Fatal(err)
	}
	s := state.Read(dir)
	if !s.LastPull.Equal(pulled) || s.LastPullRemote != "origin" || !s.LastPush.Equal(pushed) {
		t.Errorf("Read = %+v; an update must keep what it does not change", s)
	}
	b, err := os.ReadFile(filepath.Join(dir, state.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Errorf("state file %q should end with a newline", b)
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only %s", len(entries), state.FileName)
	}
	// An update over a corrupt file starts from an empty state.
	os.WriteFile(filepath.Join(dir, state.FileName), []byte("{garbage"), 0o644)
	if err := state.Update(dir, func(s *state.State) { s.LastPullRemote = "upstream" }); err != nil {
		t.Fatal(err)
	}
	if s := state.Read(dir); s.LastPullRemote != "upstream" || !s.LastPull.IsZero() {
		t.Errorf("Read after repairing update = %+v", s)
	}
}

func TestCooldownLeft(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		lastPull time.Time
		cooldown time.Duration
		want     time.Duration
	}{
		{"never pulled", time.Time{}, 5 * time.Minute, 0},
		{"just pulled", now, 5 * time.Minute, 5 * time.Minute},
		{"pulled a minute ago", now.Add(-time.Minute), 5 * time.Minute, 4 * time.Minute},
		{"cooldown just over", now.Add(-5 * time.Minute), 5 * time.Minute, 0},
		{"long ago", now.Add(-time.Hour), 5 * time.Minute, 0},
		{"zero cooldown", now.Add(-time.Second), 0, 0},
		{"zero cooldown, pulled now", now, 0, 0},
		{"negative cooldown", now, -time.Minute, 0},
		{"clock went back a little", now.Add(time.Second), 5 * time.Minute, 0},
		{"clock went back a lot", now.Add(24 * time.Hour), 5 * time.Minute, 0},
	}
	for _, tt := range tests {
		s := state.State{LastPull: tt.lastPull}
		if got := s.CooldownLeft(now, tt.cooldown); got != tt.want {
			t.Errorf("%s: CooldownLeft = %s, want %s", tt.name, got, tt.want)
		}
	}
}

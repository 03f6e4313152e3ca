// Package state keeps what opsync remembers about a repository between
// runs: when it last pulled successfully. It lives in a small file in the
// git directory and is read without starting git, which is what makes a
// read-only command inside the cooldown cost nothing but a few file reads.
package state

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"coopcloud.tech/opsync/internal/fileutil"
)

// FileName is the state file inside opsync's directory in the git dir.
const FileName = "state.json"

// State is opsync's memory of one repository.
type State struct {
	// LastPull is when the last pull succeeded (or found nothing to pull).
	LastPull time.Time `json:"last_pull,omitzero"`
	// LastPullRemote is the remote that pull was from.
	LastPullRemote string `json:"last_pull_remote,omitempty"`
	// LastPush is when the last push succeeded.
	LastPush time.Time `json:"last_push,omitzero"`
	// PullFailures counts the pulls before read-only commands that failed
	// in a row since the last one that worked; LastPullFailure is when the
	// last failed. They make the next read-only commands back off.
	PullFailures    int       `json:"pull_failures,omitempty"`
	LastPullFailure time.Time `json:"last_pull_failure,omitzero"`
	// PushFailure is why the last push failed, nil after one that worked:
	// status advises what will work, not an `opsync sync` that would fail
	// the same way.
	PushFailure *PushFailure `json:"push_failure,omitempty"`
	// OtherChanges fingerprints the set of other changed files the last
	// warning listed, so the warning is shown only when the set changes.
	OtherChanges string `json:"other_changes,omitempty"`
}

// Read reads the state in dir; a missing or unreadable file is an empty
// state (the next command simply pulls).
func Read(dir string) State {
	s, _ := Load(dir)
	return s
}

// Load reads the state in dir like Read, but says when the file is there
// and cannot be read or parsed (for `opsync doctor`). A missing file is an
// empty state and no error.
func Load(dir string) (State, error) {
	var s State
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if os.IsNotExist(err) {
		return State{}, nil
	}
	if err != nil {
		return State{}, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return State{}, fmt.Errorf("%s is not valid: %v", filepath.Join(dir, FileName), err)
	}
	return s, nil
}

// Update changes the state in dir. Callers hold the repository lock, so
// read-modify-write does not race with another opsync.
func Update(dir string, change func(*State)) error {
	s := Read(dir)
	change(&s)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return fileutil.WriteAtomic(filepath.Join(dir, FileName), append(b, '\n'), 0o644)
}

// CooldownLeft is how much of the cooldown remains after the last pull, 0
// when it has passed (or there was no pull yet).
func (s State) CooldownLeft(now time.Time, cooldown time.Duration) time.Duration {
	if s.LastPull.IsZero() || cooldown <= 0 {
		return 0
	}
	left := s.LastPull.Add(cooldown).Sub(now)
	if left < 0 || left > cooldown { // a clock that went backwards: pull
		return 0
	}
	return left
}

// Back-off after pulls before read-only commands that failed in a row:
// the first spares the next commands the pull for backoffBase, each
// further one doubles it, up to backoffMax.
const (
	backoffBase = 30 * time.Second
	backoffMax  = 10 * time.Minute
)

// BackoffLeft is how long read-only commands still skip the pull after
// failed ones, 0 when they pull again.
func (s State) BackoffLeft(now time.Time) time.Duration {
	if s.PullFailures <= 0 || s.LastPullFailure.IsZero() {
		return 0
	}
	d := backoffBase
	for i := 1; i < s.PullFailures && d < backoffMax; i++ {
		d *= 2
	}
	d = min(d, backoffMax)
	left := s.LastPullFailure.Add(d).Sub(now)
	if left < 0 || left > d { // a clock that went backwards: pull
		return 0
	}
	return left
}

// Kinds of PushFailure.
const (
	PushConflict = "conflict" // the pull before the retry conflicted with a teammate's change
	PushRace     = "race"     // someone else kept pushing first, for longer than opsync retries
	PushRemote   = "remote"   // the remote could not be reached, refused, or failed
)

// PushFailure is a push that failed.
type PushFailure struct {
	At    time.Time `json:"at"`
	Kind  string    `json:"kind"`
	Files []string  `json:"files,omitempty"` // for a conflict: the files both sides changed
}

// Package lock keeps two opsync processes from running git on the same
// repository at the same time. It is an flock(2) on a file in the git
// directory: the kernel releases it when the holder exits for any reason
// (kill -9 included), so a lock can never go stale. The file's content
// names the holder, for the message a waiting process prints and for
// `opsync status`.
package lock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// FileName is the lock file inside opsync's directory in the git dir.
const FileName = "lock"

// Holder describes the process holding a lock.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Since   time.Time `json:"since"`
	Command string    `json:"command,omitempty"` // redacted abra command line
}

func (h Holder) String() string {
	s := fmt.Sprintf("pid %d on %s since %s", h.PID, h.Host, h.Since.Local().Format("15:04:05"))
	if h.Command != "" {
		s += " (" + h.Command + ")"
	}
	return s
}

// Lock is a held lock.
type Lock struct {
	f *os.File
}

// TimeoutError means the lock stayed held for the whole wait.
type TimeoutError struct {
	Path   string
	Holder Holder
	Waited time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("another opsync has been using this repository for longer than %s: %s. "+
		"Wait for it to finish and run the command again; its lock (%s) is released as soon as that process exits",
		e.Waited.Round(time.Second), e.Holder, e.Path)
}

// pollInterval is how often a waiting process retries.
const pollInterval = 50 * time.Millisecond

// Acquire takes the lock in dir, waiting up to timeout while another
// process holds it. onWait, if set, is called once when waiting starts.
func Acquire(ctx context.Context, dir string, me Holder, timeout time.Duration, onWait func(Holder)) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create opsync's directory %s: %w (is the repository writable by you?)", dir, err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open the lock file %s: %w (is the repository writable by you?)", path, err)
	}
	deadline := time.Now().Add(timeout)
	waiting := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("cannot lock %s: %w", path, err)
		}
		h, _ := readHolder(path)
		if !waiting {
			waiting = true
			if onWait != nil {
				onWait(h)
			}
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, &TimeoutError{Path: path, Holder: h, Waited: timeout}
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(pollInterval):
		}
	}
	b, _ := json.Marshal(me)
	if err := f.Truncate(0); err == nil {
		f.WriteAt(append(b, '\n'), 0)
	}
	return &Lock{f: f}, nil
}

// Release gives the lock up. The file stays (removing it would race with a
// process that has just opened it).
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	l.f.Truncate(0)
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// Inspect reports whether the lock in dir is held right now, and by whom.
func Inspect(dir string) (Holder, bool, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		if os.IsNotExist(err) {
			return Holder{}, false, nil
		}
		return Holder{}, false, err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return Holder{}, false, nil
	}
	h, err := readHolder(path)
	return h, true, err
}

func readHolder(path string) (Holder, error) {
	var h Holder
	b, err := os.ReadFile(path)
	if err != nil {
		return h, err
	}
	if len(b) == 0 {
		return h, nil
	}
	return h, json.Unmarshal(b, &h)
}

//go:build linux

package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestPagerCommand(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	cases := []struct {
		name              string
		getenv            func(string) string
		terminal, noPager bool
		want              string
	}{
		{"not a terminal", env("OPSYNC_PAGER", "more"), false, false, ""},
		{"--no-pager", env("OPSYNC_PAGER", "more"), true, true, ""},
		{"OPSYNC_PAGER first", env("OPSYNC_PAGER", "most -s", "PAGER", "more"), true, false, "most -s"},
		{"then PAGER", env("PAGER", "more"), true, false, "more"},
		{"empty OPSYNC_PAGER is unset", env("OPSYNC_PAGER", "", "PAGER", "more"), true, false, "more"},
		{"cat is none", env("OPSYNC_PAGER", " cat "), true, false, ""},
	}
	for _, c := range cases {
		if got := pagerCommand(c.getenv, c.terminal, c.noPager); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	// The default, where less is installed.
	if got := pagerCommand(env(), true, false); got != defaultPager && got != "" {
		t.Errorf("default: %q", got)
	}
}

// openPTY returns a pseudo-terminal's two ends: what opsync writes to
// the terminal (tty) is read on the other (ptm).
func openPTY(t *testing.T) (ptm, tty *os.File) {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ptm.Close() })
	if err := unix.IoctlSetPointerInt(int(ptm.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pts: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return ptm, tty
}

func TestPagedOnlyOnATerminal(t *testing.T) {
	ptm, tty := openPTY(t)
	dir := t.TempDir()
	paged := filepath.Join(dir, "paged")
	vars := map[string]string{"OPSYNC_PAGER": "cat > '" + paged + "'", "PAGER": "false"}
	e := &env{stdout: tty, stderr: io.Discard, getenv: func(k string) string { return vars[k] }}

	// On a terminal the text goes through the pager; it is waited for.
	if err := e.paged(false, func(w io.Writer) error {
		if w == io.Writer(tty) {
			t.Error("printed to the terminal itself")
		}
		_, err := io.WriteString(w, "entry one\nentry two\n")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(paged); string(b) != "entry one\nentry two\n" {
		t.Errorf("the pager got %q", b)
	}

	// --no-pager: straight to the terminal.
	os.Remove(paged)
	if err := e.paged(true, func(w io.Writer) error { _, err := io.WriteString(w, "plain\n"); return err }); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := ptm.Read(buf)
	if !bytes.Contains(buf[:n], []byte("plain")) {
		t.Errorf("the terminal got %q", buf[:n])
	}
	if _, err := os.Stat(paged); err == nil {
		t.Error("--no-pager ran the pager")
	}

	// Not a terminal: never paged.
	var out bytes.Buffer
	e.stdout = &out
	if err := e.paged(false, func(w io.Writer) error { _, err := io.WriteString(w, "piped\n"); return err }); err != nil {
		t.Fatal(err)
	}
	if out.String() != "piped\n" {
		t.Errorf("a pipe got %q", out.String())
	}
	if _, err := os.Stat(paged); err == nil {
		t.Error("paged into a pipe")
	}
}

func TestPagerQuitEarlyIsNoError(t *testing.T) {
	_, tty := openPTY(t)
	vars := map[string]string{"OPSYNC_PAGER": "head -c 10 >/dev/null"}
	e := &env{stdout: tty, stderr: io.Discard, getenv: func(k string) string { return vars[k] }}
	var werr error
	err := e.paged(false, func(w io.Writer) error {
		line := strings.Repeat("x", 1023) + "\n"
		for i := 0; i < 1<<14; i++ { // 16 MiB: far more than a pipe holds
			if _, werr = io.WriteString(w, line); werr != nil {
				return werr
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("quitting the pager early: %v", err)
	}
	if !errors.Is(werr, errPagerQuit) {
		t.Errorf("writes after the pager quit: %v", werr)
	}
}

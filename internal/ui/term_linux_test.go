package ui

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair, so the detection is tested against
// a real terminal device.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("cannot open the pty's terminal side: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

func TestUseColorAutoColoursATerminal(t *testing.T) {
	_, tty := openPTY(t)
	if !IsTerminal(tty) {
		t.Fatal("a pseudo-terminal is not seen as a terminal")
	}
	if on, _ := UseColor(tty, "auto", env(nil)); !on {
		t.Error("auto: a terminal got no colour")
	}
	if on, _ := UseColor(tty, "auto", env(map[string]string{"NO_COLOR": "1"})); on {
		t.Error("auto: NO_COLOR=1 was not honoured")
	}
	if on, _ := UseColor(tty, "auto", env(map[string]string{"TERM": "dumb"})); on {
		t.Error("auto: TERM=dumb got colour")
	}
	if on, _ := UseColor(tty, "never", env(nil)); on {
		t.Error("never: a terminal got colour")
	}
}

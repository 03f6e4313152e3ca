package proc

import (
	"bufio"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// A shell that starts a sleep: the sleep is below the test process
// (grandchild), and alive until killed; afterwards the shell is not.
func TestDescendantsAndAlive(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	cmd := exec.Command("sh", "-c", "sleep 60 & echo $!; wait")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	sleepPid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	below := Descendants(os.Getpid())
	if !slices.Contains(below, cmd.Process.Pid) || !slices.Contains(below, sleepPid) {
		t.Fatalf("Descendants(self) = %v, want the shell %d and its sleep %d", below, cmd.Process.Pid, sleepPid)
	}
	if got := Descendants(cmd.Process.Pid); !slices.Equal(got, []int{sleepPid}) {
		t.Fatalf("Descendants(shell) = %v, want [%d]", got, sleepPid)
	}
	if !Alive(sleepPid) {
		t.Fatalf("Alive(%d) = false for a running sleep", sleepPid)
	}
	if err := exec.Command("kill", "-9", strconv.Itoa(sleepPid)).Run(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait() // the shell's wait returns once the sleep is gone
	if Alive(cmd.Process.Pid) {
		t.Fatalf("Alive(%d) = true for a reaped shell", cmd.Process.Pid)
	}
}

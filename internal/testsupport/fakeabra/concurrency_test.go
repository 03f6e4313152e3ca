package fakeabra

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Two operators (two ABRA_DIRs) share one server state; many fake abras
// update the same app at once. The lock and atomic writes must keep the
// state valid JSON with no update lost.
func TestConcurrentStateUpdates(t *testing.T) {
	shared := filepath.Join(t.TempDir(), "server-state")
	ops := []*world{newWorld(t), newWorld(t)}
	for _, w := range ops {
		w.env["FAKEABRA_STATE"] = shared
		w.app("srv1", "a.org", "TYPE=foo\n")
	}
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan string, 3*n)
	for i := range n {
		w := ops[i%2]
		wg.Add(3)
		go func() {
			defer wg.Done()
			if r := w.run("", "app", "secret", "insert", "a.org", fmt.Sprintf("s%d", i), "v1", "x"); r.code != 0 {
				errs <- r.stderr
			}
		}()
		go func() {
			defer wg.Done()
			if r := w.run("", "app", "deploy", "-n", "a.org", "1.1.0+1.0"); r.code != 0 {
				errs <- r.stderr
			}
		}()
		go func() {
			defer wg.Done()
			if r := w.run("", "app", "ps", "a.org"); r.code != 0 && !strings.Contains(r.stderr, "not deployed") {
				errs <- r.stderr
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	data, err := os.ReadFile(filepath.Join(shared, "srv1", "a.org.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st *appState
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("state is not valid JSON: %v\n%s", err, data)
	}
	if st == nil || st.Status != statusDeployed {
		t.Fatalf("state %+v", st)
	}
	if len(st.Secrets) != n {
		t.Errorf("%d secrets recorded, want %d (lost updates)", len(st.Secrets), n)
	}
	events, _ := os.ReadFile(filepath.Join(shared, "events.log"))
	if lines := strings.Count(string(events), "\n"); lines != 2*n {
		t.Errorf("%d event lines, want %d", lines, 2*n)
	}
	for i, w := range ops {
		if got := w.read("servers/srv1/a.org.env"); got != "TYPE=foo:1.1.0+1.0" {
			t.Errorf("operator %d env %q", i, got)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(shared, "srv1", ".tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestSignals runs the test binary as a real fake abra process and
// signals it during FAKEABRA_SLEEP: no effect is applied.
func TestSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	tests := []struct {
		sig  syscall.Signal
		name string
		code int
	}{
		{syscall.SIGINT, "SIGINT", 130},
		{syscall.SIGTERM, "SIGTERM", 143},
		{syscall.SIGHUP, "SIGHUP", 129},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := deployWorld(t, "TYPE=foo\n")
			argvLog := filepath.Join(w.root, "argv.log")
			cmd := exec.Command(os.Args[0], "app", "deploy", "-n", "a.org")
			cmd.Env = append(os.Environ(), "FAKEABRA_TEST_MAIN=1", "ABRA_DIR="+w.abraDir,
				"FAKEABRA_SLEEP=20s", "FAKEABRA_ARGV_LOG="+argvLog)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The argv log is written after the handlers are installed.
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, err := os.Stat(argvLog); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("fake abra did not start")
				}
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond) // let it reach the sleep
			cmd.Process.Signal(tt.sig)
			err := cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != tt.code {
				t.Fatalf("exit %d (%v), want %d; stderr: %s", code, err, tt.code, stderr.String())
			}
			contains(t, "stderr", stderr.String(), "abra: received "+tt.name+"\n")
			log := w.read("fake-server-state/signals.log")
			if want := fmt.Sprintf("%d %s\n", cmd.Process.Pid, tt.name); log != want {
				t.Errorf("signals.log %q, want %q", log, want)
			}
			if w.read("servers/srv1/a.org.env") != "TYPE=foo\n" || w.state("srv1", "a.org") != nil || w.events() != "" {
				t.Error("effects applied despite the signal")
			}
		})
	}
}

// A signal that arrives while effects are applied waits for them.
func TestSignalDuringEffectsIsDeferred(t *testing.T) {
	g := &sigGuard{stderr: &bytes.Buffer{}}
	g.setStateDir(t.TempDir())
	g.enterCritical()
	g.pending.Store(signalBox{syscall.SIGTERM})
	if code := g.finish(0); code != 143 {
		t.Errorf("finish = %d, want 143", code)
	}
	g2 := &sigGuard{stderr: &bytes.Buffer{}}
	if code := g2.finish(5); code != 5 {
		t.Errorf("finish without signal = %d, want 5", code)
	}
}

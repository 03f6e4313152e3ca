package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"coopcloud.tech/opsync/oplog"
)

// The fixture is an operator log opsync itself could have written: the
// apps spread over the server directories, every entry a commit whose
// message oplog.Parse reads back, touching that app's env file.
func TestFixture(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "remote.git")
	if err := fixture([]string{"-apps", "6", "-servers", "3", "-entries", "12", dir}); err != nil {
		t.Fatal(err)
	}
	git := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("git", append([]string{"--git-dir", dir}, args...)...).Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return string(out)
	}
	files := strings.Fields(git("ls-tree", "-r", "--name-only", "main"))
	if len(files) != 6 || files[0] != "server01.example.org/app0001.example.org.env" || !strings.HasPrefix(files[5], "server03.example.org/") {
		t.Errorf("files %q", files)
	}
	if n := strings.TrimSpace(git("rev-list", "--count", "main")); n != "13" {
		t.Errorf("%s commits, want 13", n)
	}
	msgs := strings.Split(strings.TrimSuffix(git("log", "-z", "--format=%B", "main"), "\x00"), "\x00")
	apps := map[string]bool{}
	for _, m := range msgs[:12] {
		e, ok := oplog.Parse(m)
		if !ok || e.Command != "app deploy" || !strings.HasPrefix(e.Line, "abra app deploy "+e.App+" ") || e.Server == "" {
			t.Fatalf("entry %+v (ok %v) from\n%s", e, ok, m)
		}
		apps[e.App] = true
	}
	if len(apps) != 6 {
		t.Errorf("entries touch %d apps, want all 6", len(apps))
	}
	if _, ok := oplog.Parse(msgs[12]); ok {
		t.Error("the first commit parses as a log entry")
	}
}

func TestQuantile(t *testing.T) {
	s := []float64{1, 2, 3, 4}
	for q, want := range map[float64]float64{0: 1, 0.5: 2.5, 0.25: 1.75, 1: 4} {
		if got := quantile(s, q); got != want {
			t.Errorf("quantile(%v) = %v, want %v", q, got, want)
		}
	}
}

// row reads every round's file and compares the medians of the two
// commands.
func TestRow(t *testing.T) {
	dir := t.TempDir()
	round := func(name, a, b string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(`{"results":[{"command":"a","times":[`+a+`]},{"command":"b","times":[`+b+`]}]}`), 0o644)
		return p
	}
	f1 := round("1.json", "0.010,0.012", "0.010,0.010")
	f2 := round("2.json", "0.011", "0.011,0.009,0.010")
	out := captureStdout(t, func() error {
		return row([]string{"-name", "fig", "-target", "1.05", "-git", "4", "-git-baseline", "4", f1, f2})
	})
	for _, want := range []string{"| fig | 11.0 ms (IQR", "n=3) | 10.0 ms (IQR 10.0 ms–10.0 ms, n=5)", "| +1.0 ms | **1.100×** | ≤ 1.05× | **missed** | 4 vs 4 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("row %q lacks %q", out, want)
		}
	}
}

func TestRowCPU(t *testing.T) {
	dir := t.TempDir()
	round := func(name, a, b string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(`{"results":[`+a+`,`+b+`]}`), 0o644)
		return p
	}
	// Means weighted by runs: a = (3×0.004 + 1×0.008)/4 = 5 ms, b = 4 ms.
	f1 := round("1.json", `{"times":[1,1,1],"user":0.003,"system":0.001}`, `{"times":[1,1],"user":0.002,"system":0.002}`)
	f2 := round("2.json", `{"times":[1],"user":0.006,"system":0.002}`, `{"times":[1,1],"user":0.003,"system":0.001}`)
	out := captureStdout(t, func() error {
		return row([]string{"-cpu", "-name", "fig", "-target", "1.10", f1, f2})
	})
	for _, want := range []string{"| fig | 5.00 ms CPU (mean, n=4) | 4.00 ms CPU (mean, n=4) | +1.0 ms | **1.250×** | ≤ 1.10× | **missed** | — |"} {
		if !strings.Contains(out, want) {
			t.Errorf("row %q lacks %q", out, want)
		}
	}
}

func captureStdout(t *testing.T, f func() error) string {
	t.Helper()
	r, w, _ := os.Pipe()
	old := os.Stdout
	os.Stdout = w
	err := f()
	os.Stdout = old
	w.Close()
	b := make([]byte, 4096)
	n, _ := r.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[:n])
}

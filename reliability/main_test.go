package reliability_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/opsync/internal/testsupport/scripttest"
)

// TestMain makes the test binary double as the programs the harness runs
// (opsync, the abra shim, the stand-in abra): testscript.Main puts them
// first on PATH for the scripts and for TestLoad alike.
func TestMain(m *testing.M) {
	testscript.Main(m, scripttest.Programs())
}

// The harness's modes. The short mode is what `go test ./...` (and CI)
// runs; OPSYNC_RELIABILITY=long is the full run reliability/run.sh makes
// for docs/reliability.md.
const modeVar = "OPSYNC_RELIABILITY"

func longMode() bool { return os.Getenv(modeVar) == "long" }

func mode() string {
	if longMode() {
		return "long"
	}
	return "short"
}

// envInt reads a number from the environment (OPSYNC_LOAD_N…), def when
// unset.
func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// reportVar names a directory the tests write their figures to, as
// Markdown fragments, for reliability/run.sh to put into
// docs/reliability.md.
const reportVar = "OPSYNC_RELIABILITY_REPORT"

// report writes one fragment of figures (when a report is asked for) and
// logs it.
func report(t *testing.T, name, markdown string) {
	t.Logf("figures (%s):\n%s", name, markdown)
	dir := os.Getenv(reportVar)
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("report: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".md"), []byte(markdown), 0o644); err != nil {
		t.Errorf("report: %v", err)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/oplog"
)

// makeAppsFixture builds, with one `git fast-import`, an abra directory
// whose servers/ repository holds apps env files over 20 server
// directories (checked out) and then entries deploys spread over all apps
// but the last `never` ones, which no entry names (their last deploy is
// searched for through the whole history). It returns the abra directory.
func makeAppsFixture(tb testing.TB, apps, entries, never int) string {
	tb.Helper()
	abraDir, run := newFixtureRepo(tb)
	server := func(i int) string { return fmt.Sprintf("server%02d.example.org", i%20+1) }
	app := func(i int) string { return fmt.Sprintf("app%04d.example.org", i+1) }
	path := func(i int) string { return server(i) + "/" + app(i) + ".env" }
	env := func(i int, version string) string {
		return fmt.Sprintf("TYPE=custom-html:%s\nDOMAIN=%s\n", version, app(i))
	}
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 1<<20)
		data := func(s string) { fmt.Fprintf(w, "data %d\n%s\n", len(s), s) }
		start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC).Unix()
		fmt.Fprintf(w, "commit refs/heads/main\nmark :1\ncommitter Seed <seed@example.org> %d +0000\n", start)
		data("servers: start the operator log\n")
		for i := range apps {
			fmt.Fprintf(w, "M 100644 inline %s\n", path(i))
			data(env(i, "1.0.0+1.0"))
		}
		versions := []string{"1.1.0+1.0", "1.2.0+1.1", "1.3.0+1.1"}
		for n := 1; n <= entries; n++ {
			i := (n * 7919) % (apps - never)
			version := versions[n%len(versions)]
			exit := 0
			if n%29 == 0 {
				exit = 1
			}
			msg := oplog.Format(oplog.Entry{Line: fmt.Sprintf("abra app deploy %s %s --force", app(i), version), Command: "app deploy",
				App: app(i), Server: server(i), Exit: exit, Duration: 5 * time.Second, Operator: "Alice <alice@example.org> on laptop", Version: "bench"})
			when := start + int64(n)*60
			fmt.Fprintf(w, "commit refs/heads/main\nmark :%d\nauthor Alice <alice@example.org> %d +0000\ncommitter Alice <alice@example.org> %d +0000\n", n+1, when, when)
			data(msg)
			fmt.Fprintf(w, "from :%d\nM 100644 inline %s\n", n, path(i))
			data(env(i, version))
		}
		w.WriteString("done\n")
		pw.CloseWithError(w.Flush())
	}()
	run(pr, "fast-import", "--quiet", "--done")
	run(nil, "checkout", "-q", "-f", "HEAD", "--", ".") // the env files, as a clone has them
	if err := os.WriteFile(filepath.Join(abraDir, "abra.yml"), []byte("sync: true\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return abraDir
}

func TestAppsReadsEveryAppOfALongHistory(t *testing.T) {
	abraDir := makeAppsFixture(t, 60, 600, 1)
	var out bytes.Buffer
	runOpsync(t, abraDir, &out, "apps", "--json")
	var all []struct {
		App        string          `json:"app"`
		Flags      []string        `json:"flags"`
		LastEntry  json.RawMessage `json:"last_entry"`
		LastDeploy json.RawMessage `json:"last_deploy"`
	}
	if err := json.Unmarshal(out.Bytes(), &all); err != nil {
		t.Fatalf("not one JSON array: %v\n%s", err, out.Bytes())
	}
	if len(all) != 60 {
		t.Fatalf("%d apps, want 60", len(all))
	}
	failed := 0
	for _, a := range all {
		never := a.App == "app0060.example.org"
		if got := string(a.LastEntry) == "null"; got != never {
			t.Errorf("%s: last_entry %s", a.App, a.LastEntry)
		}
		if string(a.LastDeploy) == "null" != never {
			t.Errorf("%s: last_deploy %s", a.App, a.LastDeploy)
		}
		for _, f := range a.Flags {
			if f != "failed" && f != "undeployed-change" {
				t.Errorf("%s: flag %s in a repository without remote or edits", a.App, f)
			}
			if f == "failed" {
				failed++
			}
		}
	}
	// Entry n names app (n*7919)%59 and fails when n%29 == 0: count the
	// apps whose newest entry is such a one.
	last := map[int]int{}
	for n := 1; n <= 600; n++ {
		last[(n*7919)%59] = n
	}
	want := 0
	for _, n := range last {
		if n%29 == 0 {
			want++
		}
	}
	if failed != want {
		t.Errorf("%d apps failed, want %d", failed, want)
	}
}

// BenchmarkApps20000 compares `opsync apps --json` at 2,000 apps and
// 20,000 entries with a plain `git log` of the same history (the format
// opsync reads), in the common case (every app deployed in the last 2,000
// entries: the walk stops there) and when one app was never deployed
// (the walk reads the whole history). docs/benchmarks.md has the figures;
// run with
//
//	go test -run '^$' -bench Apps20000 -benchtime 10x ./internal/cli
func BenchmarkApps20000(b *testing.B) {
	rawLogArgs := git.LogArgs()[1:]
	for _, c := range []struct {
		name  string
		never int
	}{{"every-app-deployed", 0}, {"one-app-never-deployed", 1}} {
		abraDir := makeAppsFixture(b, 2000, 20000, c.never)
		repo := filepath.Join(abraDir, "servers")
		b.Run(c.name, func(b *testing.B) {
			var tGit, tApps time.Duration
			for range b.N {
				start := time.Now()
				cmd := exec.Command("git", append([]string{"-C", repo, "log"}, rawLogArgs...)...)
				cmd.Stdout = io.Discard
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
				tGit += time.Since(start)
				start = time.Now()
				runOpsync(b, abraDir, io.Discard, "apps", "--json")
				tApps += time.Since(start)
			}
			b.ReportMetric(float64(tApps)/float64(tGit), "apps/git-log")
			b.ReportMetric(float64(tApps.Milliseconds())/float64(b.N), "apps-ms/op")
		})
	}
}

// Every field of an app's line comes from the shared repository (file
// names, author, command, version line) and reaches the terminal escaped:
// no escape sequence, no tab that would move the columns.
func TestAppLineEscapesTheRepositorysText(t *testing.T) {
	le := &engine.LogEntry{Author: "Mallory\x1b]0;owned\x07", Time: time.Date(2026, 11, 25, 14, 2, 0, 0, time.UTC),
		Entry: oplog.Entry{Command: "app deploy\tx", Exit: 1}}
	line := appLine(engine.AppState{Server: "s1\x1b[2J", App: "evil\u202e.org", Version: "custom-html:1\n2", Last: le,
		Flags: []string{engine.FlagFailed}})
	for _, bad := range []string{"\x1b", "\x07", "\n", "\u202e", "\tx"} {
		if strings.Contains(line, bad) {
			t.Errorf("the line holds %q raw: %q", bad, line)
		}
	}
	if f := strings.Split(line, "\t"); len(f) != 8 || f[6] != "exit 1" || f[7] != "failed" || f[1] != `evil\u202e.org` {
		t.Errorf("fields %q", f)
	}
}

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

	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/oplog"
)

var (
	fixtureServers   = []string{"s1.example.org", "s2.example.org", "s3.example.org", "s4.example.org", "s5.example.org"}
	fixtureOperators = []struct{ name, email, host string }{
		{"Alice", "alice@example.org", "laptop"}, {"Bob Ng", "bob@example.org", "desk"},
		{"Carol", "carol@coop.example", "thinkpad"}, {"Dana", "dana@example.net", "mini"},
	}
	fixtureCommands = []string{"app deploy", "app upgrade", "app rollback", "app secret insert", "app undeploy", "app restore"}
)

// fixtureCommit describes commit i (1 = oldest) of the fixture history:
// every 100th is a manual commit, every 29th a failed command.
func fixtureCommit(i int) (op int, app, server string, manual, failed bool) {
	op = i % len(fixtureOperators)
	app = fmt.Sprintf("app%03d.example.org", i%200)
	server = fixtureServers[(i%200)%len(fixtureServers)]
	return op, app, server, i%100 == 0, i%29 == 0
}

// newFixtureRepo makes an abra directory with an empty servers/
// repository on branch main, and returns it with a function that runs git
// there (stdin, when not nil, fed to it) and fails the test if git fails.
func newFixtureRepo(tb testing.TB) (abraDir string, git func(stdin io.Reader, args ...string)) {
	tb.Helper()
	abraDir = tb.TempDir()
	repo := filepath.Join(abraDir, "servers")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		tb.Fatal(err)
	}
	git = func(stdin io.Reader, args ...string) {
		tb.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
		cmd.Stdin = stdin
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+abraDir)
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	git(nil, "init", "-q", "-b", "main")
	return abraDir, git
}

// makeLogFixture builds, with one `git fast-import` process, an abra
// directory whose servers/ repository holds n commits of realistic operator
// log entries, one minute apart, and an abra.yml with sync: true. It
// returns the abra directory.
func makeLogFixture(tb testing.TB, n int) string {
	tb.Helper()
	abraDir, git := newFixtureRepo(tb)

	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 1<<20)
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		data := func(s string) { fmt.Fprintf(w, "data %d\n%s\n", len(s), s) }
		for i := 1; i <= n; i++ {
			op, app, server, manual, failed := fixtureCommit(i)
			who := fixtureOperators[op]
			cmd := fixtureCommands[i%len(fixtureCommands)]
			var msg string
			if manual {
				msg = fmt.Sprintf("fix %s by hand\n\nthe version line was wrong\n", app)
			} else {
				exit := 0
				if failed {
					exit = 1
				}
				msg = oplog.Format(oplog.Entry{Line: "abra " + cmd + " " + app + " --force", Command: cmd, App: app, Server: server,
					Exit: exit, Duration: time.Duration(i%90+1) * time.Second,
					Operator: fmt.Sprintf("%s <%s> on %s", who.name, who.email, who.host), Version: "v0.1.0"})
			}
			ts := start + int64(i)*60
			fmt.Fprintf(w, "commit refs/heads/main\nmark :%d\n", i)
			fmt.Fprintf(w, "author %s <%s> %d +0000\ncommitter %s <%s> %d +0000\n", who.name, who.email, ts, who.name, who.email, ts)
			data(msg)
			if i > 1 {
				fmt.Fprintf(w, "from :%d\n", i-1)
			}
			fmt.Fprintf(w, "M 100644 inline %s/%s.env\n", server, app)
			data(fmt.Sprintf("TYPE=custom-html:1.%d.0+1.0\nDOMAIN=%s\n", i, app))
		}
		w.WriteString("done\n")
		pw.CloseWithError(w.Flush())
	}()
	git(pr, "fast-import", "--quiet", "--done")
	for _, s := range fixtureServers {
		if err := os.MkdirAll(filepath.Join(abraDir, "servers", s), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(abraDir, "abra.yml"), []byte("sync: true\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return abraDir
}

// runOpsync runs opsync's command line in this process with ABRA_DIR set.
func runOpsync(tb testing.TB, abraDir string, stdout io.Writer, args ...string) {
	tb.Helper()
	var stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: stdout, stderr: &stderr, getenv: func(k string) string {
		switch k {
		case "ABRA_DIR":
			return abraDir
		case "HOME":
			return filepath.Dir(abraDir)
		}
		return ""
	}}
	root := newRoot(e)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		tb.Fatalf("opsync %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
}

func TestLogReadsALongHistory(t *testing.T) {
	const n = 1200
	abraDir := makeLogFixture(t, n)
	var out bytes.Buffer
	runOpsync(t, abraDir, &out, "log", "--json")
	var all []map[string]any
	if err := json.Unmarshal(out.Bytes(), &all); err != nil {
		t.Fatalf("not one JSON array: %v", err)
	}
	if len(all) != n {
		t.Fatalf("%d entries, want %d", len(all), n)
	}
	manual, failed := 0, 0
	for i, e := range all {
		want := n - i // newest first
		op, app, server, isManual, isFailed := fixtureCommit(want)
		if e["author"] != fixtureOperators[op].name || e["manual"] != isManual {
			t.Fatalf("entry %d: %v, want commit %d by %s (manual %v)", i, e, want, fixtureOperators[op].name, isManual)
		}
		if isManual {
			manual++
			if e["line"] != "fix "+app+" by hand" || e["exit"] != nil {
				t.Fatalf("manual entry %d: %v", i, e)
			}
			continue
		}
		if e["app"] != app || e["server"] != server || e["failed"] != isFailed {
			t.Fatalf("entry %d: %v, want app %s on %s failed=%v", i, e, app, server, isFailed)
		}
		if isFailed {
			failed++
		}
	}

	// The filters agree with a count made from the history's recipe.
	count := func(args ...string) int {
		var out bytes.Buffer
		runOpsync(t, abraDir, &out, append([]string{"log", "--json"}, args...)...)
		var es []map[string]any
		if err := json.Unmarshal(out.Bytes(), &es); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return len(es)
	}
	wantApp, wantServer, wantOp := 0, 0, 0
	for i := 1; i <= n; i++ {
		op, app, server, isManual, _ := fixtureCommit(i)
		if fixtureOperators[op].name == "Carol" {
			wantOp++
		}
		if isManual {
			continue
		}
		if app == "app007.example.org" {
			wantApp++
		}
		if server == "s3.example.org" {
			wantServer++
		}
	}
	if got := count("--app", "app007.example.org"); got != wantApp {
		t.Errorf("--app: %d entries, want %d", got, wantApp)
	}
	if got := count("--server", "s3.example.org"); got != wantServer {
		t.Errorf("--server: %d entries, want %d", got, wantServer)
	}
	if got := count("--operator", "COOP.example"); got != wantOp {
		t.Errorf("--operator: %d entries, want %d", got, wantOp)
	}
	if got := count("--failed"); got != failed {
		t.Errorf("--failed: %d entries, want %d", got, failed)
	}
	if got := count("--failed", "--limit", "3"); got != 3 {
		t.Errorf("--failed --limit 3: %d entries", got)
	}
	if got := count("--since", "2026-01-01T10:00:00Z", "--until", "2026-01-01T10:59:59Z"); got != 60 {
		t.Errorf("one hour: %d entries, want 60", got)
	}
	if manual != n/100 {
		t.Errorf("%d manual commits, want %d", manual, n/100)
	}
}

// BenchmarkLog20000 compares `opsync log --json` on 20,000 entries with a
// plain `git log` of the same repository (git's default output, and the
// raw messages opsync asks for). The results are written down in the
// README ("opsync log"); run with
//
//	go test -run '^$' -bench Log20000 -benchtime 10x ./internal/cli
func BenchmarkLog20000(b *testing.B) {
	rawLogArgs := git.LogArgs()[1:] // the format opsync asks git log for
	abraDir := makeLogFixture(b, 20000)
	repo := filepath.Join(abraDir, "servers")
	gitLog := func(b *testing.B, args ...string) {
		for range b.N {
			cmd := exec.Command("git", append([]string{"-C", repo, "log"}, args...)...)
			cmd.Stdout = io.Discard
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	}
	// The two alternate in one loop, so a machine busy with other work
	// slows both alike; the ratio is the number to read.
	b.Run("ratio", func(b *testing.B) {
		var tGit, tRaw, tOpsync time.Duration
		for range b.N {
			for _, run := range []struct {
				total *time.Duration
				args  []string
			}{{&tGit, nil}, {&tRaw, rawLogArgs}} {
				start := time.Now()
				cmd := exec.Command("git", append([]string{"-C", repo, "log"}, run.args...)...)
				cmd.Stdout = io.Discard
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
				*run.total += time.Since(start)
			}
			start := time.Now()
			runOpsync(b, abraDir, io.Discard, "log", "--json")
			tOpsync += time.Since(start)
		}
		b.ReportMetric(float64(tOpsync)/float64(tGit), "opsync/git-log")
		b.ReportMetric(float64(tOpsync)/float64(tRaw), "opsync/git-log-raw")
	})
	b.Run("git-log", func(b *testing.B) { gitLog(b) })
	b.Run("git-log-raw-messages", func(b *testing.B) { gitLog(b, rawLogArgs...) })
	for _, c := range []struct {
		name string
		args []string
	}{
		{"opsync-log-json", []string{"log", "--json"}},
		{"opsync-log", []string{"log", "--color=never"}},
		{"opsync-log-json-app", []string{"log", "--json", "--app", "app007.example.org"}},
		{"opsync-log-json-operator-failed", []string{"log", "--json", "--operator", "carol", "--failed"}},
		{"opsync-log-limit-20", []string{"log", "--limit", "20"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				runOpsync(b, abraDir, io.Discard, c.args...)
			}
		})
	}
}

// BenchmarkLogPatch20000 measures opsync log --patch on the fixture of
// BenchmarkLog20000 (every entry changes one env file), alternating with a
// plain `git log` and git's own `git log -p` of the same history; the
// ratios are the numbers to read (docs/benchmarks.md).
func BenchmarkLogPatch20000(b *testing.B) {
	abraDir := makeLogFixture(b, 20000)
	repo := filepath.Join(abraDir, "servers")
	b.Run("ratio", func(b *testing.B) {
		var tGit, tGitPatch, tOpsync, tOpsyncPlain time.Duration
		for range b.N {
			for _, run := range []struct {
				total *time.Duration
				args  []string
			}{{&tGit, nil}, {&tGitPatch, []string{"-p"}}} {
				start := time.Now()
				cmd := exec.Command("git", append([]string{"-C", repo, "log"}, run.args...)...)
				cmd.Stdout = io.Discard
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
				*run.total += time.Since(start)
			}
			start := time.Now()
			runOpsync(b, abraDir, io.Discard, "log", "--patch", "--color=never")
			tOpsync += time.Since(start)
			start = time.Now()
			runOpsync(b, abraDir, io.Discard, "log", "--color=never")
			tOpsyncPlain += time.Since(start)
		}
		b.ReportMetric(float64(tOpsync)/float64(tGit), "patch/git-log")
		b.ReportMetric(float64(tOpsync)/float64(tGitPatch), "patch/git-log-p")
		b.ReportMetric(float64(tOpsync)/float64(tOpsyncPlain), "patch/opsync-log")
	})
}

package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync/oplog"
)

// makeSessionLogFixture is makeLogFixture's history with sessions: every
// run of 10 entries of one operator is a session (a start entry, 8
// commands, an end entry), and every third run is interrupted by another
// operator's entry, so the display groups, repeats headers, and looks up
// n/10 summaries.
func makeSessionLogFixture(tb testing.TB, n int) string {
	tb.Helper()
	abraDir, run := newFixtureRepo(tb)
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 1<<20)
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		data := func(s string) { fmt.Fprintf(w, "data %d\n%s\n", len(s), s) }
		for i := 1; i <= n; i++ {
			op, app, server, _, failed := fixtureCommit(i)
			k := (i - 1) % 10
			sid := fmt.Sprintf("20260101-%08x", (i-1)/10)
			if k != 5 || (i/10)%3 != 0 {
				op = ((i - 1) / 10) % len(fixtureOperators) // the session's operator
			} else {
				sid = "" // a teammate's entry in the middle of the session
				op = (op + 1) % len(fixtureOperators)
			}
			who := fixtureOperators[op]
			cmd := fixtureCommands[i%len(fixtureCommands)]
			e := oplog.Entry{Line: "abra " + cmd + " " + app + " --force", Command: cmd, App: app, Server: server,
				Duration: time.Duration(i%90+1) * time.Second, Session: sid,
				Operator: fmt.Sprintf("%s <%s> on %s", who.name, who.email, who.host), Version: "v0.1.0"}
			if failed {
				e.Exit = 1
			}
			switch k {
			case 0:
				e = oplog.Entry{Line: "opsync session start: upgrade batch " + sid, Command: "opsync session start", Session: sid, Operator: e.Operator}
			case 9:
				e = oplog.Entry{Line: "opsync session end: upgrade batch " + sid, Command: "opsync session end", Session: sid, Operator: e.Operator}
			}
			ts := start + int64(i)*60
			fmt.Fprintf(w, "commit refs/heads/main\nmark :%d\n", i)
			fmt.Fprintf(w, "author %s <%s> %d +0000\ncommitter %s <%s> %d +0000\n", who.name, who.email, ts, who.name, who.email, ts)
			data(oplog.Format(e))
			if i > 1 {
				fmt.Fprintf(w, "from :%d\n", i-1)
			}
			if k != 0 && k != 9 {
				fmt.Fprintf(w, "M 100644 inline %s/%s.env\n", server, app)
				data(fmt.Sprintf("TYPE=custom-html:1.%d.0+1.0\nDOMAIN=%s\n", i, app))
			}
		}
		w.WriteString("done\n")
		pw.CloseWithError(w.Flush())
	}()
	run(pr, "fast-import", "--quiet", "--done")
	if err := os.WriteFile(filepath.Join(abraDir, "abra.yml"), []byte("sync: true\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return abraDir
}

func TestSessionFixtureGroups(t *testing.T) {
	abraDir := makeSessionLogFixture(t, 60)
	var out strings.Builder
	runOpsync(t, abraDir, &out, "log", "--color=never")
	// 6 sessions, two of them (the first and the fourth) broken by a
	// teammate's entry: their headers are printed twice.
	headers := 0
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "session ") {
			headers++
		}
	}
	if headers != 8 {
		t.Errorf("%d session headers, want 8:\n%s", headers, out.String())
	}
	if !strings.Contains(out.String(), "session 20260101-00000005  upgrade batch 20260101-00000005\n") {
		t.Errorf("no summary:\n%s", out.String())
	}
}

// BenchmarkLogSessions20000 measures `opsync log` (grouped, summaries
// looked up), `--oneline` and `--json` on 20,000 entries in 2,000
// sessions, each against a plain `git log` of the same repository, and,
// in the same loop, `opsync log` of makeLogFixture's 20,000 entries
// without sessions against its own `git log`, and `--limit 20` of both; they alternate, so a busy
// machine slows all alike, and the ratios are the numbers to read
// (docs/benchmarks.md):
//
//	go test -run '^$' -bench LogSessions20000 -benchtime 3x ./internal/cli
func BenchmarkLogSessions20000(b *testing.B) {
	withSessions := makeSessionLogFixture(b, 20000)
	without := makeLogFixture(b, 20000)
	gitLog := func(abraDir string) time.Duration {
		start := time.Now()
		cmd := exec.Command("git", "-C", filepath.Join(abraDir, "servers"), "log")
		cmd.Stdout = io.Discard
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	opsync := func(abraDir string, args ...string) time.Duration {
		start := time.Now()
		runOpsync(b, abraDir, io.Discard, args...)
		return time.Since(start)
	}
	b.Run("ratio", func(b *testing.B) {
		var tGit, tLog, tOneline, tJSON, tGitPlain, tLogPlain, tLimit, tLimitPlain time.Duration
		for range b.N {
			tGit += gitLog(withSessions)
			tLog += opsync(withSessions, "log", "--color=never")
			tOneline += opsync(withSessions, "log", "--oneline", "--color=never")
			tJSON += opsync(withSessions, "log", "--json")
			tGitPlain += gitLog(without)
			tLogPlain += opsync(without, "log", "--color=never")
			tLimit += opsync(withSessions, "log", "--limit", "20", "--color=never")
			tLimitPlain += opsync(without, "log", "--limit", "20", "--color=never")
		}
		b.ReportMetric(float64(tLog)/float64(tGit), "log/git-log")
		b.ReportMetric(float64(tOneline)/float64(tGit), "oneline/git-log")
		b.ReportMetric(float64(tJSON)/float64(tGit), "json/git-log")
		b.ReportMetric(float64(tLogPlain)/float64(tGitPlain), "no-sessions-log/git-log")
		b.ReportMetric(float64(tLimit)/float64(tLimitPlain), "limit20/no-sessions-limit20")
	})
}

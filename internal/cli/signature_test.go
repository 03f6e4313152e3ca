package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/ui"
	"coopcloud.tech/opsync/oplog"
)

// TestSignatureMarksEscaped: the signer and the key come from the commit
// and the signing program; no control or bidi character of theirs
// reaches the terminal, in the log's mark or in opsync show's line.
func TestSignatureMarksEscaped(t *testing.T) {
	hostile := "alice\x1b]0;pwned\x07\u202e@example.org\r"
	for _, s := range []*engine.SignatureInfo{
		{Status: engine.SignatureGood, Signer: hostile, Key: "SHA256:\x1b[2J", Git: "G"},
		{Status: engine.SignatureUnknown, Key: hostile, Git: "U"},
		{Status: engine.SignatureBad, Key: hostile, Git: "R"},
	} {
		for _, out := range []string{signatureMark(ui.Palette{}, s), signatureDetail(ui.Palette{}, s)} {
			if !ui.Printable(out) || strings.ContainsAny(out, "\x1b\x07\r\u202e") {
				t.Errorf("%s: %q reaches the terminal", s.Git, out)
			}
		}
	}
	if m := signatureMark(ui.Palette{}, &engine.SignatureInfo{Status: engine.SignatureUnsigned, Git: "N"}); m != "" {
		t.Errorf("unsigned entries are marked %q", m)
	}
	if m := signatureMark(ui.Palette{}, nil); m != "" {
		t.Errorf("an entry whose signature was not read is marked %q", m)
	}
}

// logJSON runs what `opsync log --json` runs, with or without reading
// signatures (the CLI always reads them; the benchmark compares).
func logJSON(tb testing.TB, abraDir string, signatures bool) {
	tb.Helper()
	var stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, getenv: func(k string) string {
		switch k {
		case "ABRA_DIR":
			return abraDir
		case "HOME":
			return filepath.Dir(abraDir)
		}
		return ""
	}}
	eng := e.engine(false)
	rs, err := logRepos(eng, "")
	if err != nil {
		tb.Fatal(err)
	}
	o := logOptions{json: true}
	o.q.Signatures = signatures
	if err := printLog(context.Background(), e, eng, rs, o, ui.Palette{}, io.Discard); err != nil {
		tb.Fatalf("%v\n%s", err, stderr.String())
	}
}

// BenchmarkLogSignatures20000 measures what checking signatures costs
// `opsync log --json` (docs/benchmarks.md, "Signatures"):
//
//   - unsigned: the 20,000 unsigned entries of BenchmarkLog20000, with the
//     signature fields asked for vs without: what a team that does not sign
//     pays (git says N without running any program);
//   - signed: 100 entries signed with an SSH key (ssh-keygen, an
//     allowed-signers file listing it) vs the same log without signatures,
//     and vs git's own `git log --show-signature` of them.
//
// The sides alternate in one loop; the ratios are the numbers to read:
//
//	go test -run '^$' -bench LogSignatures20000 -benchtime 5x ./internal/cli
func BenchmarkLogSignatures20000(b *testing.B) {
	const signedEntries = 100
	abraDir := makeLogFixture(b, 20000)
	b.Run("unsigned", func(b *testing.B) {
		var without, with, cpuWithout, cpuWith time.Duration
		for i := range b.N {
			// Each side runs first every other time: the second of two
			// runs in a row is not slowed or sped up on one side only.
			for _, sig := range [][]bool{{false, true}, {true, false}}[i%2] {
				start, cpu := time.Now(), cpuTime()
				logJSON(b, abraDir, sig)
				if sig {
					with += time.Since(start)
					cpuWith += cpuTime() - cpu
				} else {
					without += time.Since(start)
					cpuWithout += cpuTime() - cpu
				}
			}
		}
		b.ReportMetric(float64(with)/float64(without), "signatures/none")
		// CPU time (opsync's and git's) is less moved by other work on a
		// shared machine than the time on the clock.
		b.ReportMetric(float64(cpuWith)/float64(cpuWithout), "cpu-signatures/none")
	})
	signed := makeSignedFixture(b, signedEntries)
	repo := filepath.Join(signed, "servers")
	b.Run(fmt.Sprintf("signed-%d", signedEntries), func(b *testing.B) {
		var without, with, gitShow time.Duration
		for range b.N {
			start := time.Now()
			logJSON(b, signed, false)
			without += time.Since(start)
			start = time.Now()
			logJSON(b, signed, true)
			with += time.Since(start)
			start = time.Now()
			cmd := exec.Command("git", "-C", repo, "log", "--show-signature")
			cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(signed))
			cmd.Stdout = io.Discard
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
			gitShow += time.Since(start)
		}
		b.ReportMetric(float64(with)/float64(without), "signatures/none")
		b.ReportMetric(float64(with)/float64(gitShow), "signatures/git-show-signature")
		b.ReportMetric(float64(with-without)/float64(b.N)/signedEntries/float64(time.Millisecond), "ms-per-signed-entry")
	})
}

// cpuTime is the CPU time used so far by this process and the children
// it waited for (git).
func cpuTime() time.Duration {
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	d := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return d(self.Utime) + d(self.Stime) + d(children.Utime) + d(children.Stime)
}

// makeSignedFixture is an abra directory whose servers/ repository holds
// n log entries, each signed with an SSH key made for it, and whose
// config names an allowed-signers file listing the key.
func makeSignedFixture(tb testing.TB, n int) string {
	tb.Helper()
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		tb.Skip("ssh-keygen not installed")
	}
	abraDir := tb.TempDir()
	repo := filepath.Join(abraDir, "servers")
	key := filepath.Join(abraDir, "alice")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", key).CombinedOutput(); err != nil {
		tb.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		tb.Fatal(err)
	}
	allowed := filepath.Join(abraDir, "allowed_signers")
	if err := os.WriteFile(allowed, []byte(`alice@example.org namespaces="git" `+string(pub)), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(abraDir, "abra.yml"), []byte("sync: true\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+abraDir,
			"GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.org", "GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.org")
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if err := os.MkdirAll(filepath.Join(repo, "s1.example.org"), 0o755); err != nil {
		tb.Fatal(err)
	}
	git("init", "-q", "-b", "main")
	for _, kv := range [][2]string{{"gpg.format", "ssh"}, {"user.signingkey", key}, {"gpg.ssh.allowedSignersFile", allowed}, {"commit.gpgsign", "true"}} {
		git("config", kv[0], kv[1])
	}
	for i := 1; i <= n; i++ {
		app := fmt.Sprintf("app%03d.example.org", i%50)
		env := filepath.Join(repo, "s1.example.org", app+".env")
		if err := os.WriteFile(env, []byte(fmt.Sprintf("TYPE=custom-html:1.%d.0+1.0\n", i)), 0o644); err != nil {
			tb.Fatal(err)
		}
		git("add", "--", env)
		git("commit", "-q", "-m", oplog.Format(oplog.Entry{Line: "abra app deploy " + app + " --force", Command: "app deploy",
			App: app, Server: "s1.example.org", Duration: time.Second, Operator: "Alice <alice@example.org> on laptop", Version: "v0.1.0"}))
	}
	return abraDir
}

package git

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSignedRecordsWithOddSignerOutput feeds the reader records of
// signedLogFormat: an ordinary one, one whose signer holds a NUL (a
// signing program's odd output), one whose fields are all empty, then an
// ordinary one again. Every commit is read; the odd one keeps its letter
// and key, loses its signer (and its free text: which field holds the NUL
// cannot be told), and nothing after it moves.
func TestSignedRecordsWithOddSignerOutput(t *testing.T) {
	id2 := strings.Repeat("b", 40)
	id3 := strings.Repeat("c", 40)
	rec := func(id string, sig ...string) string {
		return strings.Join(append(append([]string{id, "", "1764684000 +0100", "1764684000"}, sig...),
			"Alice", "alice@example.org", "abra app deploy foo\n", id), "\x00") + "\x00"
	}
	out := rec(fuzzID, "G", "SHA256:k", "SHA256:k", "alice@example.org") +
		rec(id2, "U", "SHA256:m", "SHA256:m", "mal\x00lory") +
		rec(id3, "", "", "", "") +
		rec(fuzzID, "N", "", "", "")
	for _, chunk := range []int{0, 1, 7} {
		lr := newTestReader()
		lr.signed = true
		w := (*logWriter)(lr)
		b := []byte(out)
		for len(b) > 0 {
			k := len(b)
			if chunk > 0 && chunk < k {
				k = chunk
			}
			w.Write(b[:k])
			b = b[k:]
		}
		if lr.err != nil {
			t.Fatalf("chunk %d: %v", chunk, lr.err)
		}
		if len(lr.queue) != 4 {
			t.Fatalf("chunk %d: read %d commits, want 4", chunk, len(lr.queue))
		}
		c := lr.queue
		if got := c[0].Signature; got != (Signature{Code: "G", Key: "SHA256:k", Fingerprint: "SHA256:k", Signer: "alice@example.org"}) ||
			c[0].AuthorName != "Alice" || c[0].Message != "abra app deploy foo\n" || len(c[0].Unreadable) != 0 {
			t.Errorf("chunk %d: ordinary record read as %+v", chunk, c[0])
		}
		if got := c[1].Signature; got != (Signature{Code: "U", Key: "SHA256:m", Fingerprint: "SHA256:m"}) ||
			c[1].ID != id2 || c[1].AuthorName != "" || !strings.Contains(strings.Join(c[1].Unreadable, ","), UnreadableText) {
			t.Errorf("chunk %d: odd record read as %+v", chunk, c[1])
		}
		if c[2].ID != id3 || c[2].Signature.Code != "" || c[2].AuthorName != "Alice" {
			t.Errorf("chunk %d: empty signature fields read as %+v", chunk, c[2])
		}
		if c[3].Signature.Code != "N" || c[3].AuthorTime.IsZero() {
			t.Errorf("chunk %d: the record after them read as %+v", chunk, c[3])
		}
	}
}

// sshSigningRepo makes a repository whose commits are signed with a new
// SSH key (ssh-keygen), and an allowed-signers file naming it for
// alice@example.org; the repository does not point at the file.
func sshSigningRepo(t *testing.T) (c *Client, dir, allowed string) {
	t.Helper()
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("ssh-keygen not installed")
	}
	dir = t.TempDir()
	key := filepath.Join(t.TempDir(), "alice")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	allowed = filepath.Join(t.TempDir(), "allowed_signers")
	if err := os.WriteFile(allowed, []byte(`alice@example.org namespaces="git" `+string(pub)), 0o644); err != nil {
		t.Fatal(err)
	}
	gitRun(t, dir, "init", "-q", "-b", "main")
	gitRun(t, dir, "config", "gpg.format", "ssh")
	gitRun(t, dir, "config", "user.signingkey", key)
	return &Client{Dir: dir}, dir, allowed
}

func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "XDG_CONFIG_HOME="+dir, "LC_ALL=C",
		"GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.org", "GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestLogSignatures reads a signed and an unsigned commit with and
// without Signatures, with and without an allowed-signers file.
func TestLogSignatures(t *testing.T) {
	c, dir, allowed := sshSigningRepo(t)
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	gitRun(t, dir, "commit", "-q", "--allow-empty", "-S", "-m", "signed")
	gitRun(t, dir, "commit", "-q", "--allow-empty", "-m", "unsigned")
	read := func(sig bool) []Commit {
		t.Helper()
		lr := c.StartLog(context.Background(), LogFilter{Revs: "HEAD", Signatures: sig})
		var cs []Commit
		for {
			cm, ok := lr.Next()
			if !ok {
				break
			}
			cs = append(cs, cm)
		}
		if err := lr.Close(); err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 || cs[0].Message != "unsigned\n" || cs[1].Message != "signed\n" {
			t.Fatalf("read %+v", cs)
		}
		return cs
	}
	if cs := read(false); cs[0].Signature != (Signature{}) || cs[1].Signature != (Signature{}) {
		t.Errorf("signatures read without being asked for: %+v", cs)
	}
	// No allowed-signers file: git alone would say N for the signed one.
	if c.AllowedSignersConfigured(context.Background()) {
		t.Fatal("allowed signers configured before they are")
	}
	cs := read(true)
	if cs[0].Signature.Code != "N" || cs[1].Signature.Code != "U" || !strings.HasPrefix(cs[1].Signature.Key, "SHA256:") {
		t.Errorf("without an allowed-signers file: %+v / %+v", cs[0].Signature, cs[1].Signature)
	}
	gitRun(t, dir, "config", "gpg.ssh.allowedSignersFile", allowed)
	if !c.AllowedSignersConfigured(context.Background()) {
		t.Fatal("allowed signers not seen in the repository's config")
	}
	cs = read(true)
	if s := cs[1].Signature; s.Code != "G" || s.Signer != "alice@example.org" || s.Fingerprint != s.Key || !strings.HasPrefix(s.Key, "SHA256:") {
		t.Errorf("with the allowed-signers file: %+v", s)
	}
	// Verifying is not bounded by the client's time limit (a long signed
	// history is no hung git); an already expired one shows it.
	c.Timeout = time.Nanosecond
	if cs := read(true); cs[1].Signature.Code != "G" {
		t.Errorf("under an expired time limit: %+v", cs[1].Signature)
	}
	c.Timeout = 0
	// The patch reader reads them too.
	lr := c.StartLogPatch(context.Background(), LogFilter{Revs: "HEAD", Signatures: true, MaxCount: 2})
	var codes []string
	for {
		cm, ok := lr.Next()
		if !ok {
			break
		}
		codes = append(codes, cm.Signature.Code)
	}
	if err := lr.Close(); err != nil || strings.Join(codes, "") != "NG" {
		t.Errorf("patch reader: %q, %v", codes, err)
	}
}

// TestAllowedSignersInFilesAgreesWithGit holds configSetInFiles to `git
// config`: set in the global file, in an included file (git is asked),
// and unset.
func TestAllowedSignersInFilesAgreesWithGit(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q")
	c := &Client{Dir: dir}
	global := filepath.Join(home, ".gitconfig")
	for _, tc := range []struct {
		name, global string
		want         bool
		fromFiles    bool
	}{
		{"unset", "", false, true},
		{"global", "[gpg \"ssh\"]\n\tallowedSignersFile = ~/allowed\n", true, true},
		{"included", "[include]\n\tpath = " + filepath.Join(home, "inc") + "\n", true, false},
	} {
		os.WriteFile(filepath.Join(home, "inc"), []byte("[gpg \"ssh\"]\n\tallowedSignersFile = /x\n"), 0o644)
		if err := os.WriteFile(global, []byte(tc.global), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, ok := c.configSetInFiles("gpg.ssh.allowedsignersfile"); ok != tc.fromFiles {
			t.Errorf("%s: read from the files: %v, want %v", tc.name, ok, tc.fromFiles)
		}
		byGit := c.ConfigValue(context.Background(), "gpg.ssh.allowedSignersFile") != ""
		if got := c.AllowedSignersConfigured(context.Background()); got != tc.want || got != byGit {
			t.Errorf("%s: configured %v, git says %v, want %v", tc.name, got, byGit, tc.want)
		}
	}
}

// TestTestSignatureLeavesNothing signs and verifies a test commit and
// checks the repository holds the same objects and refs afterwards; with
// the key gone, git's reason is the error.
func TestTestSignatureLeavesNothing(t *testing.T) {
	c, dir, allowed := sshSigningRepo(t)
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	for _, k := range []string{"GIT_AUTHOR", "GIT_COMMITTER"} {
		t.Setenv(k+"_NAME", "Alice")
		t.Setenv(k+"_EMAIL", "alice@example.org")
	}
	gitRun(t, dir, "commit", "-q", "--allow-empty", "-m", "first")
	gitRun(t, dir, "config", "gpg.ssh.allowedSignersFile", allowed)
	objects := func() string {
		var names []string
		filepath.Walk(filepath.Join(dir, ".git", "objects"), func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				names = append(names, p)
			}
			return nil
		})
		return strings.Join(names, "\n") + gitRun(t, dir, "for-each-ref")
	}
	before := objects()
	sig, err := c.TestSignature(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sig.Code != "G" || sig.Signer != "alice@example.org" {
		t.Errorf("test signature: %+v", sig)
	}
	if after := objects(); after != before {
		t.Errorf("the test signature left something behind:\n%s\nwas\n%s", after, before)
	}
	gitRun(t, dir, "config", "user.signingkey", filepath.Join(dir, "no-such-key"))
	if _, err := c.TestSignature(context.Background()); err == nil || !strings.Contains(StderrOf(err), "no-such-key") {
		t.Errorf("missing key: %v (%s)", err, StderrOf(err))
	}
}

package sshremote_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"coopcloud.tech/opsync/internal/sshremote"
	"coopcloud.tech/opsync/internal/testsupport/sshtest"
)

func TestParseDestinationAndRemoteURL(t *testing.T) {
	for _, tt := range []struct {
		in, path, url string
	}{
		{"server1", ".abra/operator-sync.git", "server1:.abra/operator-sync.git"},
		{"alice@server1.example.org", ".abra/operator-sync.git", "alice@server1.example.org:.abra/operator-sync.git"},
		{"server1", "/srv/git/ops.git", "server1:/srv/git/ops.git"},
		{"ssh://alice@server1:2222", ".abra/operator-sync.git", "ssh://alice@server1:2222/~/.abra/operator-sync.git"},
		{"ssh://server1", "/srv/ops.git", "ssh://server1/srv/ops.git"},
	} {
		d, err := sshremote.ParseDestination(tt.in)
		if err != nil {
			t.Errorf("ParseDestination(%q): %v", tt.in, err)
			continue
		}
		if got := d.RemoteURL(tt.path); got != tt.url {
			t.Errorf("RemoteURL(%q, %q) = %q, want %q", tt.in, tt.path, got, tt.url)
		}
	}
	for _, bad := range []string{"", "-oProxyCommand=x", "host name", "host:22", "host/x", "ssh://host/path", "ssh://a:pw@host", "@host", "user@"} {
		if _, err := sshremote.ParseDestination(bad); err == nil {
			t.Errorf("ParseDestination(%q) accepted", bad)
		}
	}
	// the refusal of a destination with a password does not print it
	if _, err := sshremote.ParseDestination("ssh://alice:SECRETPW@host"); err == nil || strings.Contains(err.Error(), "SECRETPW") {
		t.Errorf("ParseDestination of a password: %v, want a refusal without the password", err)
	}
}

func TestSSHCommandFollowsGit(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if got := sshremote.SSHCommand(getenv, ""); strings.Join(got, " ") != "ssh" {
		t.Errorf("default: %q", got)
	}
	if got := sshremote.SSHCommand(getenv, "ssh -i k"); got[0] != "sh" || got[3] != "ssh -i k" {
		t.Errorf("core.sshCommand: %q", got)
	}
	env["GIT_SSH"] = "/opt/ssh"
	if got := sshremote.SSHCommand(getenv, "ssh -i k"); strings.Join(got, " ") != "/opt/ssh" {
		t.Errorf("GIT_SSH: %q", got)
	}
	env["GIT_SSH_COMMAND"] = "ssh -F cfg"
	if got := sshremote.SSHCommand(getenv, ""); got[2] != `ssh -F cfg "$@"` {
		t.Errorf("GIT_SSH_COMMAND: %q", got)
	}
}

// server starts sshd and returns a client using the test's ssh config.
func server(t *testing.T, o sshtest.Options) (*sshtest.Server, *sshremote.Client) {
	s := sshtest.StartT(t, o)
	cfg := filepath.Join(t.TempDir(), "ssh_config")
	if err := os.WriteFile(cfg, []byte(s.ClientConfig("srv")), 0o600); err != nil {
		t.Fatal(err)
	}
	return s, &sshremote.Client{SSH: []string{"ssh", "-F", cfg}}
}

func dest(t *testing.T, s string) sshremote.Destination {
	d, err := sshremote.ParseDestination(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestEnsureCreatesThenFindsTheRepository(t *testing.T) {
	_, c := server(t, sshtest.Options{})
	repo := filepath.Join(t.TempDir(), "home", ".abra", "operator-sync.git")
	res, err := c.Ensure(context.Background(), dest(t, "srv"), repo, "main")
	if err != nil {
		t.Fatal(err)
	}
	if res.State != sshremote.Created || res.Path != repo || !strings.HasPrefix(res.GitVersion, "git version") {
		t.Fatalf("first call: %+v", res)
	}
	out, err := exec.Command("git", "--git-dir", repo, "symbolic-ref", "HEAD").Output()
	if err != nil || strings.TrimSpace(string(out)) != "refs/heads/main" {
		t.Fatalf("HEAD of the new repository: %q %v", out, err)
	}
	if out, _ := exec.Command("git", "--git-dir", repo, "rev-parse", "--is-bare-repository").Output(); strings.TrimSpace(string(out)) != "true" {
		t.Fatalf("not bare: %q", out)
	}
	res, err = c.Ensure(context.Background(), dest(t, "srv"), repo, "trunk")
	if err != nil || res.State != sshremote.ExistsEmpty {
		t.Fatalf("second call: %+v %v", res, err)
	}
	// Empty: HEAD follows the branch the first push will create.
	out, _ = exec.Command("git", "--git-dir", repo, "symbolic-ref", "HEAD").Output()
	if strings.TrimSpace(string(out)) != "refs/heads/trunk" {
		t.Fatalf("HEAD of the empty repository: %q", out)
	}
	work := t.TempDir()
	for _, args := range [][]string{{"init", "-q", "-b", "trunk", work}, {"-C", work, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "--allow-empty", "-m", "x"},
		{"-C", work, "push", "-q", repo, "trunk"}} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	res, err = c.Ensure(context.Background(), dest(t, "srv"), repo, "main")
	if err != nil || res.State != sshremote.Exists {
		t.Fatalf("third call: %+v %v", res, err)
	}
	out, _ = exec.Command("git", "--git-dir", repo, "symbolic-ref", "HEAD").Output()
	if strings.TrimSpace(string(out)) != "refs/heads/trunk" {
		t.Fatalf("HEAD of a repository with history was changed: %q", out)
	}
}

func kindOf(t *testing.T, err error) sshremote.FailureKind {
	t.Helper()
	var e *sshremote.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *sshremote.Error", err, err)
	}
	return e.Kind
}

func TestEnsureSaysWhatFailed(t *testing.T) {
	s, c := server(t, sshtest.Options{})
	base := t.TempDir()
	readonly := filepath.Join(base, "readonly")
	os.Mkdir(readonly, 0o555)
	notRepo := filepath.Join(base, "not-a-repo.git")
	os.WriteFile(notRepo, []byte("x"), 0o644)
	for _, tt := range []struct {
		name, dest, repo string
		kind             sshremote.FailureKind
		msg              string
	}{
		{"key refused", "srv-badkey", filepath.Join(base, "r1.git"), sshremote.Auth, "did not accept your key"},
		{"host key mismatch", "srv-badhostkey", filepath.Join(base, "r2.git"), sshremote.HostKey, "host key"},
		{"host key unknown", "srv-newhost", filepath.Join(base, "r4.git"), sshremote.HostKey, "Connect once by hand with `ssh srv-newhost`"},
		{"nothing listening", "srv-closed", filepath.Join(base, "r3.git"), sshremote.Unreachable, "cannot reach srv-closed"},
		{"directory not writable", "srv", filepath.Join(readonly, "sub", "r.git"), sshremote.NotWritable, "not writable"},
		{"not a repository in the way", "srv", notRepo, sshremote.NotRepo, "not a bare git repository"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Ensure(context.Background(), dest(t, tt.dest), tt.repo, "main")
			if err == nil {
				t.Fatal("no error")
			}
			if k := kindOf(t, err); k != tt.kind {
				t.Errorf("kind %v, want %v: %v\nsshd log:\n%s", k, tt.kind, err, s.Log())
			}
			t.Logf("%s: %v", tt.name, err)
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not say %q", err, tt.msg)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(base, "r1.git")); !os.IsNotExist(err) {
		t.Error("a repository was created although the login failed")
	}
}

func TestEnsureWithoutGitOnTheServer(t *testing.T) {
	_, c := server(t, sshtest.Options{NoGit: true})
	repo := filepath.Join(t.TempDir(), "r.git")
	_, err := c.Ensure(context.Background(), dest(t, "srv"), repo, "main")
	if err == nil || kindOf(t, err) != sshremote.NoGit || !strings.Contains(err.Error(), "git is not installed on srv") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(repo); !os.IsNotExist(err) {
		t.Error("something was created")
	}
}

func TestEnsureWithoutSSH(t *testing.T) {
	c := &sshremote.Client{SSH: []string{"/nonexistent/ssh"}}
	_, err := c.Ensure(context.Background(), dest(t, "srv"), "x.git", "main")
	if err == nil || kindOf(t, err) != sshremote.NoSSH {
		t.Fatalf("err = %v", err)
	}
}

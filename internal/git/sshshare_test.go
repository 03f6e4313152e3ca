package git

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/testsupport/sshtest"
)

func TestSSHDestination(t *testing.T) {
	for url, want := range map[string][]string{
		"git@git.example.org:coop/servers.git": {"--", "git@git.example.org"},
		"server1:.abra/operator-sync.git":      {"--", "server1"},
		"ssh://git@git.example.org/coop/x.git": {"--", "git@git.example.org"},
		"ssh://git@git.example.org:2222/x.git": {"-p", "2222", "--", "git@git.example.org"},
		"git+ssh://host/x.git":                 {"--", "host"},
		"ssh://[::1]:2222/x.git":               {"-p", "2222", "--", "::1"},
		"[git@host:2222]:x.git":                {"-p", "2222", "--", "git@host"},
		"https://git.example.org/coop/x.git":   nil,
		"file:///srv/x.git":                    nil,
		"/srv/git/servers.git":                 nil,
		"./servers.git":                        nil,
		"../a:b/servers.git":                   nil,
		"ssh://-oProxyCommand=evil/x.git":      nil,
		"-oProxyCommand=evil:x.git":            nil,
	} {
		got, ok := sshDestination(url)
		if ok != (want != nil) || (ok && !reflect.DeepEqual(got, want)) {
			t.Errorf("sshDestination(%q) = %q, %v; want %q", url, got, ok, want)
		}
	}
}

func TestRemoteURLsRewritten(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	os.WriteFile(path, []byte(`[remote "origin"]
	url = coop:servers.git
[remote "mirror"]
	url = https://git.example.org/coop/servers.git
	pushurl = coop:servers.git
[url "git@git.example.org:coop/"]
	insteadOf = coop:
[url "ssh://git@git.example.org/"]
	pushInsteadOf = https://git.example.org/
`), 0o644)
	cfg, err := ParseConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := remoteURLs(cfg, "origin"), []string{"git@git.example.org:coop/servers.git"}; !reflect.DeepEqual(got, want) {
		t.Errorf("origin: %q, want %q", got, want)
	}
	// An explicit pushurl: pushInsteadOf does not apply, insteadOf does.
	if got, want := remoteURLs(cfg, "mirror"), []string{"https://git.example.org/coop/servers.git", "git@git.example.org:coop/servers.git"}; !reflect.DeepEqual(got, want) {
		t.Errorf("mirror: %q, want %q", got, want)
	}
	if got, want := remoteURLs(cfg, "ssh://h/x.git"), []string{"ssh://h/x.git"}; !reflect.DeepEqual(got, want) {
		t.Errorf("a URL as the remote: %q, want %q", got, want)
	}
}

// Two git processes of one run share one ssh connection; Close ends it and
// removes the private directory; and nothing is shared where the
// operator's own set-up decides.
func TestSSHShareAgainstRealSSHD(t *testing.T) {
	srv := sshtest.StartT(t, sshtest.Options{})
	home := t.TempDir()
	bin := filepath.Join(t.TempDir(), "bin")
	if err := srv.WriteClient(home, bin, "share-test"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("GIT_SSH_COMMAND", "")
	os.Unsetenv("GIT_SSH_COMMAND")
	base := t.TempDir()
	remote := filepath.Join(base, "remote.git")
	work := filepath.Join(base, "work")
	for _, args := range [][]string{{"init", "-q", "--bare", remote}, {"init", "-q", work},
		{"-C", work, "remote", "add", "origin", "share-test:" + remote}} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	r, err := FindRepo(work)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lsRemote := func(env []string) {
		t.Helper()
		c := &Client{Dir: work, Env: env}
		if _, err := c.run(ctx, "ls-remote", "origin"); err != nil {
			t.Fatal(err)
		}
	}
	logins := func(want int) {
		t.Helper()
		var ports []string
		var open int
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			var ended map[string]bool
			ports, ended = sshtest.Logins(srv.Log())
			open = 0
			for _, p := range ports {
				if !ended[p] {
					open++
				}
			}
			if open == 0 || time.Now().After(deadline) {
				break
			}
		}
		if len(ports) != want || open != 0 {
			t.Fatalf("%d ssh logins so far (%d still open), want %d, all ended", len(ports), open, want)
		}
	}

	var traced []string
	s := &SSHShare{Trace: func(args []string) { traced = append(traced, strings.Join(args, " ")) }}
	env := s.Env(ctx, r, "origin")
	if len(env) != 1 || !strings.HasPrefix(env[0], "GIT_SSH_COMMAND=ssh -o ControlMaster=auto -o ControlPath=") {
		t.Fatalf("Env = %q, want a shared connection", env)
	}
	if again := s.Env(ctx, r, "origin"); !reflect.DeepEqual(again, env) {
		t.Errorf("second Env = %q, want the same %q", again, env)
	}
	dir := s.dir
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("private directory %s: %v, %v", dir, fi, err)
	}
	lsRemote(env)
	lsRemote(env)
	lsRemote(env)
	s.Close()
	logins(1)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still there after Close: %v", dir, err)
	}
	if want := []string{"-G -- share-test", "-o ControlPath=" + dir + "/0 -O exit -- share-test"}; !reflect.DeepEqual(traced, want) {
		t.Errorf("ssh processes %q, want %q", traced, want)
	}

	// The operator's choices: nothing is shared.
	for _, tc := range []struct {
		name  string
		setup func()
		undo  func()
	}{
		{"GIT_SSH_COMMAND", func() { os.Setenv("GIT_SSH_COMMAND", "ssh") }, func() { os.Unsetenv("GIT_SSH_COMMAND") }},
		{"GIT_SSH", func() { os.Setenv("GIT_SSH", "ssh") }, func() { os.Unsetenv("GIT_SSH") }},
		{"core.sshCommand", func() { exec.Command("git", "-C", work, "config", "core.sshCommand", "ssh").Run() },
			func() { exec.Command("git", "-C", work, "config", "--unset", "core.sshCommand").Run() }},
		{"global include", func() { os.WriteFile(filepath.Join(home, ".gitconfig"), []byte("[include]\n\tpath = x\n"), 0o644) },
			func() { os.Remove(filepath.Join(home, ".gitconfig")) }},
		{"ControlMaster in ssh config", func() {
			f, _ := os.OpenFile(filepath.Join(home, ".ssh", "config"), os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("Host *\n  ControlMaster auto\n  ControlPath none\n")
			f.Close()
		}, func() {}},
	} {
		tc.setup()
		s := &SSHShare{}
		if env := s.Env(ctx, r, "origin"); env != nil {
			t.Errorf("%s: Env = %q, want nothing shared", tc.name, env)
		}
		s.Close()
		tc.undo()
	}
}

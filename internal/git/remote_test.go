package git_test

import (
	"path/filepath"
	"strings"
	"testing"

	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/testsupport/githttp"
)

// Real remotes, each failing in its own way; git's message says which.
func TestClassifyRemoteReal(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "forge")
	run(t, dir, "init", "-q", "--bare", "-b", "main", filepath.Join(root, "ops.git"))
	forge, err := githttp.Start(root, map[string]string{"alice": "token"})
	if err != nil {
		t.Fatal(err)
	}
	defer forge.Stop()
	host := strings.TrimPrefix(forge.URL, "http://")

	for _, tc := range []struct {
		name, url string
		want      git.RemoteProblem
	}{
		{"the right token", "http://alice:token@" + host + "/ops.git", git.RemoteFine},
		{"a wrong token", "http://alice:wrong@" + host + "/ops.git", git.RemoteAuth},
		{"no token (prompts are off)", "http://" + host + "/ops.git", git.RemoteAuth},
		{"no such repository on the forge", "http://alice:token@" + host + "/nope.git", git.RemoteNotFound},
		{"no such local repository", filepath.Join(dir, "nope.git"), git.RemoteNotFound},
		{"nothing listens on the port", "http://127.0.0.1:1/ops.git", git.RemoteUnreachable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client(dir).Run(ctx, "ls-remote", tc.url)
			if tc.want == git.RemoteFine {
				if err != nil {
					t.Fatalf("ls-remote %s: %v", tc.url, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ls-remote %s succeeded", tc.url)
			}
			stderr := git.StderrOf(err)
			got := git.ClassifyRemote(stderr)
			if got != tc.want {
				t.Fatalf("ClassifyRemote(%q) = %d, want %d", stderr, got, tc.want)
			}
			if got.Advice("origin") == "" {
				t.Fatal("no advice")
			}
		})
	}
}

// What git prints through ssh and from the large forges, as operators see
// it (the ssh cases are not all reproducible on 127.0.0.1).
func TestClassifyRemoteMessages(t *testing.T) {
	const tail = "fatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n"
	for _, tc := range []struct {
		stderr string
		want   git.RemoteProblem
	}{
		{"git@git.coopcloud.tech: Permission denied (publickey).\r\n" + tail, git.RemoteAuth},
		{"Received disconnect from 10.0.0.1 port 22:2: Too many authentication failures\r\n" + tail, git.RemoteAuth},
		{"Host key verification failed.\r\n" + tail, git.RemoteHostKey},
		{"@@@@@@@@@@@\r\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n" + tail, git.RemoteHostKey},
		{"ssh: Could not resolve hostname nohost: Name or service not known\r\n" + tail, git.RemoteUnreachable},
		{"ssh: connect to host 10.0.0.1 port 22: Connection refused\r\n" + tail, git.RemoteUnreachable},
		{"ssh: connect to host 10.0.0.1 port 22: No route to host\r\n" + tail, git.RemoteUnreachable},
		{"ERROR: Repository not found.\n" + tail, git.RemoteNotFound},
		{"fatal: unable to access 'https://forge.example/ops.git/': Could not resolve host: forge.example\n", git.RemoteUnreachable},
		{"fatal: unable to access 'https://forge.example/ops.git/': Failed to connect to forge.example port 443 after 3 ms: Couldn't connect to server\n", git.RemoteUnreachable},
		{"remote: HTTP Basic: Access denied\nfatal: Authentication failed for 'https://gitlab.com/coop/ops.git/'\n", git.RemoteAuth},
		{"fatal: could not read Username for 'https://forge.example': terminal prompts disabled\n", git.RemoteAuth},
		{"remote: Repository not found.\nfatal: repository 'https://github.com/coop/ops.git/' not found\n", git.RemoteNotFound},
		{"fatal: unable to access 'https://forge.example/ops.git/': The requested URL returned error: 403\n", git.RemoteAuth},
		{"", git.RemoteFine},
		{"error: cannot lock ref 'refs/heads/main': Unable to create '/x/.git/refs/heads/main.lock': File exists.\n", git.RemoteFine},
		{"fatal: '/srv/ops.git' does not appear to be a git repository\n" + tail, git.RemoteNotFound},
	} {
		if got := git.ClassifyRemote(tc.stderr); got != tc.want {
			t.Errorf("ClassifyRemote(%q) = %d, want %d", tc.stderr, got, tc.want)
		}
		if tc.want == git.RemoteFine {
			if got := git.ConnectAdvice(tc.stderr, "The remote"); !strings.HasPrefix(got, "Check the remote's URL") {
				t.Errorf("ConnectAdvice(%q) = %q, want the general checks", tc.stderr, got)
			}
		}
	}
}

func TestCheckRemoteURL(t *testing.T) {
	for u, bad := range map[string]bool{
		"https://git.example.org/coop/servers.git": false,
		"git@git.example.org:coop/servers.git":     false,
		"/srv/git/servers.git":                     false,
		"--upload-pack=touch pwned;":               true,
		"-oProxyCommand=x":                         true,
		"https://host/x\n.git":                     true,
		"https://host/x\x7f":                       true,
		"":                                         true,
	} {
		if err := git.CheckRemoteURL(u); (err != nil) != bad {
			t.Errorf("CheckRemoteURL(%q) = %v, want refused: %v", u, err, bad)
		}
	}
}

package ui

import "testing"

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://alice:s3cr3t@git.example.org/x.git":    "https://alice:<redacted>@git.example.org/x.git",
		"https://alice:p%40ss%2Fw@git.example.org/x":    "https://alice:<redacted>@git.example.org/x",
		"https://git.example.org/x.git":                 "https://git.example.org/x.git",
		"https://alice@git.example.org/x.git":           "https://alice@git.example.org/x.git",
		"git@git.example.org:coop/servers.git":          "git@git.example.org:coop/servers.git",
		"server1:.abra/operator-sync.git":               "server1:.abra/operator-sync.git",
		"ssh://alice@server1:2222/~/.abra/x.git":        "ssh://alice@server1:2222/~/.abra/x.git",
		"http://oauth2:tok@127.0.0.1:3000/coop/ops.git": "http://oauth2:<redacted>@127.0.0.1:3000/coop/ops.git",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHomePath(t *testing.T) {
	for _, tt := range []struct{ path, home, want string }{
		{"/home/a/.abra/servers", "/home/a", "~/.abra/servers"},
		{"/home/a", "/home/a", "~"},
		{"/home/ab/x", "/home/a", "/home/ab/x"},
		{"/srv/x", "", "/srv/x"},
	} {
		if got := HomePath(tt.path, tt.home); got != tt.want {
			t.Errorf("HomePath(%q, %q) = %q, want %q", tt.path, tt.home, got, tt.want)
		}
	}
}

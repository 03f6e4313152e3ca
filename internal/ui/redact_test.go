package ui

import "testing"

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://alice:s3cr3t@git.example.org/x.git":    "https://<redacted>@git.example.org/x.git",
		"https://alice:p%40ss%2Fw@git.example.org/x":    "https://<redacted>@git.example.org/x",
		"https://git.example.org/x.git":                 "https://git.example.org/x.git",
		"https://TOKEN@git.example.org/x.git":           "https://<redacted>@git.example.org/x.git",
		"https://ghp_abc123@github.com/coop/ops":        "https://<redacted>@github.com/coop/ops",
		"HTTPS://TOKEN@git.example.org":                 "HTTPS://<redacted>@git.example.org",
		"https://tok%zz@git.example.org/x":              "https://<redacted>@git.example.org/x",
		"https://to ken@git.example.org/x":              "https://<redacted>@git.example.org/x",
		"https://a@b@git.example.org/x":                 "https://<redacted>@git.example.org/x",
		"https://git.example.org/x@y":                   "https://git.example.org/x@y",
		"https://git.example.org?u=a@b":                 "https://git.example.org?u=a@b",
		"https://TOKEN@git.example.org":                 "https://<redacted>@git.example.org",
		"git+https://TOKEN@git.example.org/x":           "git+https://<redacted>@git.example.org/x",
		"ftp://u:p@host/x":                              "ftp://<redacted>@host/x",
		"https://<redacted>@git.example.org/x.git":      "https://<redacted>@git.example.org/x.git",
		"git@git.example.org:coop/servers.git":          "git@git.example.org:coop/servers.git",
		"server1:.abra/operator-sync.git":               "server1:.abra/operator-sync.git",
		"ssh://alice@server1:2222/~/.abra/x.git":        "ssh://alice@server1:2222/~/.abra/x.git",
		"ssh://alice:pw@server1/x.git":                  "ssh://alice:<redacted>@server1/x.git",
		"git+ssh://alice:pw@server1/x.git":              "git+ssh://alice:<redacted>@server1/x.git",
		"http://oauth2:tok@127.0.0.1:3000/coop/ops.git": "http://<redacted>@127.0.0.1:3000/coop/ops.git",
		"/srv/git/ops.git":                              "/srv/git/ops.git",
		"":                                              "",
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

func TestRedactURLs(t *testing.T) {
	for in, want := range map[string]string{
		"git ls-remote -- https://TOKEN@host/x.git HEAD":      "git ls-remote -- https://<redacted>@host/x.git HEAD",
		"fatal: unable to access 'https://u:pw@host/x/': 403": "fatal: unable to access 'https://<redacted>@host/x/': 403",
		"a https://T1@h1/x and\nhttp://T2@h2/y.":              "a https://<redacted>@h1/x and\nhttp://<redacted>@h2/y.",
		"(https://TOKEN@host)":                                "(https://<redacted>@host)",
		"no url here, a@b:c":                                  "no url here, a@b:c",
		"ssh://git@host/x https://<redacted>@h/x":             "ssh://git@host/x https://<redacted>@h/x",
		"://TOKEN@host":                                       "://TOKEN@host",
	} {
		if got := RedactURLs(in); got != want {
			t.Errorf("RedactURLs(%q) = %q, want %q", in, got, want)
		}
	}
}

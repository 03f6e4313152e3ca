package fakeabra

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSetRecipeVersion(t *testing.T) {
	tests := []struct {
		name, in, version string
		keep              bool
		want              string
	}{
		{"append version, drop trailing newline", "TYPE=foo\nDOMAIN=x\n", "1.0.0+1", false, "TYPE=foo:1.0.0+1\nDOMAIN=x"},
		{"replace after first colon", "TYPE=foo:0.1:junk\n", "2.0", false, "TYPE=foo:2.0"},
		{"RECIPE and TYPE both touched", "RECIPE=foo:1\nTYPE=bar\n", "2", false, "RECIPE=foo:2\nTYPE=bar:2"},
		{"only lines starting with the key", "#TYPE=foo\n TYPE=bar\nXTYPE=baz\nTYPE=q", "3", false, "#TYPE=foo\n TYPE=bar\nXTYPE=baz\nTYPE=q:3"},
		{"no trailing newline stays without", "TYPE=foo", "1", false, "TYPE=foo:1"},
		{"other lines verbatim", "A=1 # c\n\n  B = 2\nTYPE=foo\n\n", "1", false, "A=1 # c\n\n  B = 2\nTYPE=foo:1\n"},
		{"keep trailing newline for app new", "TYPE=foo\nX=1\n", "1", true, "TYPE=foo:1\nX=1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := setRecipeVersion(tt.in, tt.version, tt.keep); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWriteRecipeVersion(t *testing.T) {
	tests := []struct {
		name, in, version, want string
		changed                 bool
	}{
		{"first deploy", "TYPE=foo\nDOMAIN=a\n", "1.0", "TYPE=foo:1.0\nDOMAIN=a", true},
		{"new version", "TYPE=foo:1.0\nDOMAIN=a\n", "1.1", "TYPE=foo:1.1\nDOMAIN=a", true},
		{"same version is a no-op, newline kept", "TYPE=foo:1.0\nDOMAIN=a\n", "1.0", "TYPE=foo:1.0\nDOMAIN=a\n", false},
		{"RECIPE preferred for the comparison", "RECIPE=foo:2\nTYPE=foo:1\n", "2", "RECIPE=foo:2\nTYPE=foo:1\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "a.env")
			if err := os.WriteFile(p, []byte(tt.in), 0o600); err != nil {
				t.Fatal(err)
			}
			old := time.Now().Add(-time.Hour).Truncate(time.Second)
			os.Chtimes(p, old, old)
			changed, err := writeRecipeVersion(p, tt.version)
			if err != nil || changed != tt.changed {
				t.Fatalf("changed=%v err=%v, want changed=%v", changed, err, tt.changed)
			}
			data, _ := os.ReadFile(p)
			if string(data) != tt.want {
				t.Errorf("got %q, want %q", data, tt.want)
			}
			fi, _ := os.Stat(p)
			if !tt.changed && !fi.ModTime().Equal(old) {
				t.Errorf("no-op write changed the mtime")
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("mode changed to %v", fi.Mode())
			}
		})
	}
}

func TestParseEnv(t *testing.T) {
	info := parseEnv("TYPE=old:9\nRECIPE=wordpress:1.2.0+6.0 # comment\n#SECRET_X_VERSION=v9\nSECRET_DB_PASSWORD_VERSION=v2\nSECRET_SMTP_KEY_VERSION=\"v1\"\n")
	if info.Recipe != "wordpress" || info.Version != "1.2.0+6.0" {
		t.Errorf("recipe %q version %q", info.Recipe, info.Version)
	}
	want := []secretDef{{"db_password", "v2"}, {"smtp_key", "v1"}}
	if len(info.Secrets) != 2 || info.Secrets[0] != want[0] || info.Secrets[1] != want[1] {
		t.Errorf("secrets %v, want %v", info.Secrets, want)
	}
	if i := parseEnv("TYPE=foo\n"); i.Recipe != "foo" || i.Version != "" {
		t.Errorf("TYPE only: %+v", i)
	}
}

func TestResolveAbraDir(t *testing.T) {
	root := t.TempDir()
	mk := func(rel, content string) {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk("a/abra.yaml", "abraDir: ../data\nsync: true\n")
	mk("a/b/c/.keep", "")
	mk("y/abra.yml", "abraDir: /abs/dir\n")
	mk("both/abra.yaml", "abraDir: from-yaml\n")
	mk("both/abra.yml", "abraDir: from-yml\n")
	mk("nokey/abra.yml", "sync: true\n")
	mk("nokey/sub/.keep", "")
	mk("bad/abra.yaml", "abraDir: [unclosed\n")
	mk("parentcfg/abra.yaml", "abraDir: shadowed\n")
	mk("parentcfg/child/abra.yml", "sync: true\n")

	tests := []struct {
		name, abraDirEnv, dir, want string
	}{
		{"ABRA_DIR wins", "/x/abra", "a/b/c", "/x/abra"},
		{"relative ABRA_DIR from working dir", "rel", "a", filepath.Join(root, "a/rel")},
		{"walk up to abra.yaml, relative to it", "", "a/b/c", filepath.Join(root, "data")},
		{"abra.yml absolute", "", "y", "/abs/dir"},
		{"abra.yaml before abra.yml", "", "both", filepath.Join(root, "both/from-yaml")},
		{"config without abraDir: HOME", "", "nokey/sub", filepath.Join(root, "home/.abra")},
		{"parse error ignored: HOME", "", "bad", filepath.Join(root, "home/.abra")},
		{"first config found wins", "", "parentcfg/child", filepath.Join(root, "home/.abra")},
		{"nothing: HOME", "", ".", filepath.Join(root, "home/.abra")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"ABRA_DIR": tt.abraDirEnv, "HOME": filepath.Join(root, "home")}
			got, err := resolveAbraDir(func(k string) string { return env[k] }, filepath.Join(root, tt.dir))
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestAbraDirFromConfigCreatesServers(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "abra.yaml"), []byte("abraDir: ./dot-abra\n"), 0o644)
	w := &world{t: t, root: root, env: map[string]string{"HOME": filepath.Join(root, "home")}}
	w.mustRun("server", "add", "s1")
	if _, err := os.Stat(filepath.Join(root, "dot-abra/servers/s1")); err != nil {
		t.Fatal(err)
	}
}

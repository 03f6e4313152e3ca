package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnableSyncEditsOnlyTheKey(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
		changed        bool
	}{
		{"missing key appended", "# our abra\nabraDir: ~/ops\n", "# our abra\nabraDir: ~/ops\nsync: true\n", true},
		{"no final newline", "abraDir: ~/ops", "abraDir: ~/ops\nsync: true\n", true},
		{"false changed in place, comment kept", "sync: false   # not yet\noperator_sync:\n  cooldown: 1m\n",
			"sync: true   # not yet\noperator_sync:\n  cooldown: 1m\n", true},
		{"quoted false", "x: 1\nsync: \"false\"\n", "x: 1\nsync: true\n", true},
		{"no", "sync: no\n", "sync: true\n", true},
		{"already true", "sync: true # yes\n", "sync: true # yes\n", false},
		{"only comments", "# nothing here\n", "# nothing here\nsync: true\n", true},
		{"empty", "", "sync: true\n", true},
		{"unicode before value", "# é\nnäme: ü\nsync: off\n", "# é\nnäme: ü\nsync: true\n", true},
		{"document start marker", "---\nx: 1\n", "---\nx: 1\nsync: true\n", true},
		{"block scalar at the end", "notes: |\n  line one\n  line two\n", "notes: |\n  line one\n  line two\nsync: true\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "abra.yml")
			if err := os.WriteFile(p, []byte(tt.in), 0o600); err != nil {
				t.Fatal(err)
			}
			changed, err := EnableSync(p)
			if err != nil {
				t.Fatal(err)
			}
			if changed != tt.changed {
				t.Errorf("changed = %v, want %v", changed, tt.changed)
			}
			b, _ := os.ReadFile(p)
			if string(b) != tt.want {
				t.Errorf("file is\n%q\nwant\n%q", b, tt.want)
			}
			fi, _ := os.Stat(p)
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want the file's own 0600", fi.Mode().Perm())
			}
			f, err := ReadFile(p)
			if err != nil || f.Sync == nil || !*f.Sync {
				t.Errorf("after the edit ReadFile says sync=%v, err %v", f.Sync, err)
			}
		})
	}
}

func TestEnableSyncCreatesTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "abra", "abra.yml")
	changed, err := EnableSync(p)
	if err != nil || !changed {
		t.Fatalf("EnableSync = %v, %v", changed, err)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "sync: true\n" {
		t.Errorf("created %q", b)
	}
}

func TestEnableSyncFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles-abra.yml")
	os.WriteFile(target, []byte("x: 1\n"), 0o644)
	link := filepath.Join(dir, "abra.yml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := EnableSync(link); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if b, _ := os.ReadFile(target); string(b) != "x: 1\nsync: true\n" {
		t.Errorf("target is %q", b)
	}
}

func TestEnableSyncRefusesWhatItCannotEditSafely(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"flow mapping", "{x: 1}\n", "braces"},
		{"invalid yaml", "x: [1\n", "not valid YAML"},
		{"not a mapping", "- a\n- b\n", "mapping"},
		{"document end marker", "x: 1\n...\n", "by hand"},
		{"unknown operator_sync key", "operator_sync:\n  coldown: 1m\n", "unknown operator_sync setting"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "abra.yml")
			os.WriteFile(p, []byte(tt.in), 0o644)
			_, err := EnableSync(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if b, _ := os.ReadFile(p); string(b) != tt.in {
				t.Errorf("file changed to %q", b)
			}
		})
	}
}

func TestSyncFile(t *testing.T) {
	home := t.TempDir()
	abraDir := filepath.Join(home, ".abra")
	getenv := func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
	work := t.TempDir()
	cfg, err := Load(work, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.SyncFile(), filepath.Join(abraDir, "abra.yml"); got != want {
		t.Errorf("no files: SyncFile = %s, want %s", got, want)
	}
	os.MkdirAll(abraDir, 0o755)
	os.WriteFile(filepath.Join(abraDir, "abra.yaml"), []byte("x: 1\n"), 0o644)
	cfg, _ = Load(work, getenv)
	if got, want := cfg.SyncFile(), filepath.Join(abraDir, "abra.yaml"); got != want {
		t.Errorf("user abra.yaml: SyncFile = %s, want %s", got, want)
	}
	os.WriteFile(filepath.Join(work, "abra.yml"), []byte("x: 1\n"), 0o644)
	cfg, _ = Load(filepath.Join(work), getenv)
	if got, want := cfg.SyncFile(), filepath.Join(work, "abra.yml"); got != want {
		t.Errorf("project file: SyncFile = %s, want %s", got, want)
	}
}

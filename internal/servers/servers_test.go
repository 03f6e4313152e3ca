package servers_test

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"coopcloud.tech/opsync/internal/servers"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// world builds an abra directory whose servers/ is a symlink to a
// directory elsewhere (as the handbook suggests), holding: a plain server
// dir, a server dir that is itself a symlink, a .git directory, a broken
// link, a link to a file, a plain file, and env files of several kinds.
func world(t *testing.T) (servers.Layout, string, string) {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	abraDir := filepath.Join(root, "abra")
	store := filepath.Join(root, "coop-cloud")     // the real servers/
	elsewhere := filepath.Join(root, "srv-b-real") // the real srv-b
	symlink(t, store, filepath.Join(abraDir, "servers"))

	write(t, filepath.Join(store, "srv-a", "foo.example.org.env"), "A\n")
	write(t, filepath.Join(store, "srv-a", "shared.example.org.env"), "A\n")
	write(t, filepath.Join(store, "srv-a", "notes.txt"), "not an app\n")
	write(t, filepath.Join(store, "srv-a", ".hidden.env"), "not an app\n")
	write(t, filepath.Join(store, "srv-a", ".env"), "not an app\n")
	symlink(t, filepath.Join(root, "nowhere.env"), filepath.Join(store, "srv-a", "dangling.example.org.env"))
	write(t, filepath.Join(store, "srv-a", "dir.example.org.env", "x"), "a directory, not an app\n")
	write(t, filepath.Join(root, "linked-target.env"), "L\n")
	symlink(t, filepath.Join(root, "linked-target.env"), filepath.Join(store, "srv-a", "linked.example.org.env"))

	write(t, filepath.Join(elsewhere, "bar.example.org.env"), "B\n")
	write(t, filepath.Join(elsewhere, "shared.example.org.env"), "B\n")
	symlink(t, elsewhere, filepath.Join(store, "srv-b"))

	if err := os.MkdirAll(filepath.Join(store, "empty-srv"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(store, ".git", "objects"), 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, filepath.Join(root, "gone"), filepath.Join(store, "broken-link"))
	symlink(t, filepath.Join(root, "linked-target.env"), filepath.Join(store, "link-to-file"))
	write(t, filepath.Join(store, "README.md"), "servers\n")
	return servers.Layout{AbraDir: abraDir}, store, elsewhere
}

func TestServers(t *testing.T) {
	l, store, elsewhere := world(t)
	srvs, err := l.Servers()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(l.AbraDir, "servers")
	want := []servers.Server{
		{Name: "empty-srv", Path: filepath.Join(dir, "empty-srv"), Real: filepath.Join(store, "empty-srv")},
		{Name: "srv-a", Path: filepath.Join(dir, "srv-a"), Real: filepath.Join(store, "srv-a")},
		{Name: "srv-b", Path: filepath.Join(dir, "srv-b"), Real: elsewhere},
	}
	if !reflect.DeepEqual(srvs, want) {
		t.Errorf("Servers() =\n%+v\nwant\n%+v", srvs, want)
	}
	if l.Dir() != dir {
		t.Errorf("Dir() = %s", l.Dir())
	}
}

func TestServersMissingDir(t *testing.T) {
	l := servers.Layout{AbraDir: filepath.Join(t.TempDir(), "no-abra")}
	if srvs, err := l.Servers(); err != nil || len(srvs) != 0 {
		t.Errorf("Servers() without servers/ = %+v, %v", srvs, err)
	}
	if _, err := l.Server("s1"); err == nil {
		t.Error("Server(s1) without servers/ succeeded")
	}
}

func TestServer(t *testing.T) {
	l, _, elsewhere := world(t)
	s, err := l.Server("srv-b")
	if err != nil || s.Real != elsewhere || s.Path != filepath.Join(l.Dir(), "srv-b") {
		t.Errorf("Server(srv-b) = %+v, %v", s, err)
	}
	for _, bad := range []string{"broken-link", "link-to-file", "README.md", "missing"} {
		if s, err := l.Server(bad); err == nil {
			t.Errorf("Server(%s) = %+v, want an error", bad, s)
		}
	}
}

func TestFindApp(t *testing.T) {
	l, store, elsewhere := world(t)
	tests := []struct {
		app     string
		servers []string
		reals   []string
	}{
		{"foo.example.org", []string{"srv-a"}, []string{filepath.Join(store, "srv-a", "foo.example.org.env")}},
		{"bar.example.org", []string{"srv-b"}, []string{filepath.Join(elsewhere, "bar.example.org.env")}},
		{"shared.example.org", []string{"srv-a", "srv-b"}, []string{
			filepath.Join(store, "srv-a", "shared.example.org.env"), filepath.Join(elsewhere, "shared.example.org.env")}},
		// An env file that is a symlink counts; a dangling one does not.
		{"linked.example.org", []string{"srv-a"}, []string{filepath.Join(store, "srv-a", "linked.example.org.env")}},
		{"dangling.example.org", nil, nil},
		{"missing.example.org", nil, nil},
		{"notes", nil, nil},
	}
	for _, tt := range tests {
		apps, err := l.FindApp(tt.app)
		if err != nil {
			t.Fatal(err)
		}
		var names, reals []string
		for _, a := range apps {
			if a.Name != tt.app {
				t.Errorf("FindApp(%s) returned app %q", tt.app, a.Name)
			}
			names = append(names, a.Server.Name)
			reals = append(reals, a.Real())
			if want := filepath.Join(l.Dir(), a.Server.Name, tt.app+".env"); a.Path() != want {
				t.Errorf("Path() = %s, want %s (as abra names it)", a.Path(), want)
			}
		}
		if !reflect.DeepEqual(names, tt.servers) || !reflect.DeepEqual(reals, tt.reals) {
			t.Errorf("FindApp(%s) = servers %q reals %q; want %q %q", tt.app, names, reals, tt.servers, tt.reals)
		}
	}
}

func TestEnvFiles(t *testing.T) {
	l, _, _ := world(t)
	files, err := l.EnvFiles()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for path, a := range files {
		if path != a.Path() {
			t.Errorf("key %s for app at %s", path, a.Path())
		}
		rel, _ := filepath.Rel(l.Dir(), path)
		got = append(got, rel)
	}
	sort.Strings(got)
	// The dangling link and the directory named like an env file are not
	// apps, for EnvFiles as for FindApp and abra.
	want := []string{
		"srv-a/foo.example.org.env",
		"srv-a/linked.example.org.env",
		"srv-a/shared.example.org.env",
		"srv-b/bar.example.org.env",
		"srv-b/shared.example.org.env",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("EnvFiles() = %q\nwant %q", got, want)
	}
}

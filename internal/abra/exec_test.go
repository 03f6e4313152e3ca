package abra

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// binDirs makes a temporary PATH world: "self" is opsync's executable, and
// each helper puts an `abra` of some kind into a directory of its own.
type binDirs struct {
	t    *testing.T
	root string
	self string
	n    int
}

func newBinDirs(t *testing.T) *binDirs {
	t.Helper()
	root := t.TempDir()
	b := &binDirs{t: t, root: root, self: filepath.Join(root, "opsync")}
	b.write(b.self, "#!/bin/sh\n# this stands for the opsync binary\nexit 0\n", 0o755)
	return b
}

func (b *binDirs) write(p, content string, mode os.FileMode) {
	b.t.Helper()
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		b.t.Fatal(err)
	}
}

// dir returns a new directory for one `abra`.
func (b *binDirs) dir(name string) string {
	b.t.Helper()
	b.n++
	d := filepath.Join(b.root, name)
	if err := os.Mkdir(d, 0o755); err != nil {
		b.t.Fatal(err)
	}
	return d
}

func (b *binDirs) symlinkToSelf() string {
	p := filepath.Join(b.dir("symlink"), "abra")
	if err := os.Symlink(b.self, p); err != nil {
		b.t.Fatal(err)
	}
	return p
}

func (b *binDirs) hardLinkToSelf() string {
	p := filepath.Join(b.dir("hardlink"), "abra")
	if err := os.Link(b.self, p); err != nil {
		b.t.Fatal(err)
	}
	return p
}

func (b *binDirs) copyOfSelf() string {
	content, err := os.ReadFile(b.self)
	if err != nil {
		b.t.Fatal(err)
	}
	p := filepath.Join(b.dir("copy"), "abra")
	b.write(p, string(content), 0o755)
	return p
}

func (b *binDirs) realAbra(name string) string {
	p := filepath.Join(b.dir(name), "abra")
	b.write(p, "#!/bin/sh\necho real abra "+name+"\n", 0o755)
	return p
}

func (b *binDirs) notExecutable() string {
	p := filepath.Join(b.dir("noexec"), "abra")
	b.write(p, "#!/bin/sh\necho not executable\n", 0o644)
	return p
}

func (b *binDirs) directoryNamedAbra() string {
	p := filepath.Join(b.dir("dirabra"), "abra")
	if err := os.Mkdir(p, 0o755); err != nil {
		b.t.Fatal(err)
	}
	return p
}

func pathOf(files ...string) string {
	var dirs []string
	for _, f := range files {
		dirs = append(dirs, filepath.Dir(f))
	}
	return strings.Join(dirs, string(filepath.ListSeparator))
}

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestFindRealSkipsOpsyncItself(t *testing.T) {
	b := newBinDirs(t)
	sym, hard, cp := b.symlinkToSelf(), b.hardLinkToSelf(), b.copyOfSelf()
	noexec, dir := b.notExecutable(), b.directoryNamedAbra()
	real, later := b.realAbra("real"), b.realAbra("later")
	path := pathOf(sym, hard, cp, noexec, dir, real, later)
	got, err := FindReal(envOf(map[string]string{"PATH": path}), "", b.self)
	if err != nil || got != real {
		t.Fatalf("FindReal = %q, %v; want %q (after a symlink, a hard link and a copy of opsync, a non-executable file and a directory)", got, err, real)
	}
	// Order matters: the first real one wins.
	got, err = FindReal(envOf(map[string]string{"PATH": pathOf(later, real)}), "", b.self)
	if err != nil || got != later {
		t.Errorf("FindReal = %q, %v; want %q", got, err, later)
	}
}

func TestFindRealExplicitPathsWin(t *testing.T) {
	b := newBinDirs(t)
	onPath, fromEnv, fromConfig := b.realAbra("onpath"), b.realAbra("env"), b.realAbra("config")
	path := pathOf(onPath)
	tests := []struct {
		env, configured, want string
	}{
		{"", "", onPath},
		{"", fromConfig, fromConfig},
		{fromEnv, "", fromEnv},
		{fromEnv, fromConfig, fromEnv},
	}
	for _, tt := range tests {
		got, err := FindReal(envOf(map[string]string{"PATH": path, "OPSYNC_ABRA": tt.env}), tt.configured, b.self)
		if err != nil || got != tt.want {
			t.Errorf("FindReal(OPSYNC_ABRA=%q, configured %q) = %q, %v; want %q", tt.env, tt.configured, got, err, tt.want)
		}
	}
}

func TestFindRealErrors(t *testing.T) {
	b := newBinDirs(t)
	sym, hard, cp := b.symlinkToSelf(), b.hardLinkToSelf(), b.copyOfSelf()
	noexec := b.notExecutable()
	real := b.realAbra("real")
	missing := filepath.Join(b.root, "nowhere", "abra")
	tests := []struct {
		name       string
		env        map[string]string
		configured string
		want       []string // parts of the message
	}{
		{"OPSYNC_ABRA is opsync", map[string]string{"OPSYNC_ABRA": b.self, "PATH": pathOf(real)}, "",
			[]string{"$OPSYNC_ABRA is " + b.self, "opsync itself"}},
		{"OPSYNC_ABRA is a symlink to opsync", map[string]string{"OPSYNC_ABRA": sym, "PATH": pathOf(real)}, "",
			[]string{"$OPSYNC_ABRA", "opsync itself"}},
		{"abra_bin is a copy of opsync", map[string]string{"PATH": pathOf(real)}, cp,
			[]string{"operator_sync: abra_bin is " + cp, "opsync itself"}},
		{"OPSYNC_ABRA not executable", map[string]string{"OPSYNC_ABRA": noexec, "PATH": pathOf(real)}, "",
			[]string{"$OPSYNC_ABRA is " + noexec, "not an executable file"}},
		{"abra_bin missing", map[string]string{"PATH": pathOf(real)}, missing,
			[]string{"operator_sync: abra_bin is " + missing, "not an executable file"}},
		{"abra_bin a directory", map[string]string{"PATH": pathOf(real)}, b.root,
			[]string{"not an executable file"}},
		{"only opsync on PATH", map[string]string{"PATH": pathOf(sym, hard, cp, noexec)}, "",
			[]string{"the only `abra` on PATH (" + sym + ", " + hard + ", " + cp + ") is opsync itself", "OPSYNC_ABRA"}},
		{"no abra on PATH", map[string]string{"PATH": pathOf(noexec) + ":" + filepath.Join(b.root, "nowhere")}, "",
			[]string{"there is no `abra` on PATH", "https://docs.coopcloud.tech/abra/install/"}},
		{"empty PATH", map[string]string{}, "", []string{"there is no `abra` on PATH"}},
	}
	for _, tt := range tests {
		got, err := FindReal(envOf(tt.env), tt.configured, b.self)
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			t.Errorf("%s: FindReal = %q, %v; want a *NotFoundError", tt.name, got, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tt.name, err, w)
			}
		}
	}
}

// With no way to tell what opsync is (self unknown), nothing is skipped.
func TestFindRealWithoutSelf(t *testing.T) {
	b := newBinDirs(t)
	cp := b.copyOfSelf()
	got, err := FindReal(envOf(map[string]string{"PATH": pathOf(cp)}), "", "")
	if err != nil || got != cp {
		t.Errorf("FindReal = %q, %v; want %q", got, err, cp)
	}
}

func TestCheckDepth(t *testing.T) {
	for _, tt := range []struct {
		depth string
		ok    bool
		next  string
	}{
		{"", true, "OPSYNC_DEPTH=1"},
		{"0", true, "OPSYNC_DEPTH=1"},
		{"1", true, "OPSYNC_DEPTH=2"},
		{"2", true, "OPSYNC_DEPTH=3"},
		{"3", false, "OPSYNC_DEPTH=4"},
		{"17", false, "OPSYNC_DEPTH=18"},
		{"junk", true, "OPSYNC_DEPTH=1"},
	} {
		getenv := envOf(map[string]string{DepthVar: tt.depth})
		err := CheckDepth(getenv)
		if (err == nil) != tt.ok {
			t.Errorf("CheckDepth(%s=%q) = %v, want ok=%v", DepthVar, tt.depth, err, tt.ok)
		}
		if err != nil {
			var nf *NotFoundError
			if !errors.As(err, &nf) || !strings.Contains(err.Error(), "OPSYNC_ABRA") {
				t.Errorf("CheckDepth error %v should be a *NotFoundError saying how to fix it", err)
			}
		}
		if got := DepthEnv(getenv); got != tt.next {
			t.Errorf("DepthEnv(%s=%q) = %q, want %q", DepthVar, tt.depth, got, tt.next)
		}
	}
}

// Run returns abra's exit status, and 128+signal when abra was killed, as
// a shell reports it.
func TestRunExitStatus(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	out := filepath.Join(dir, "out")
	tests := []struct {
		path string
		want int
	}{
		{script("ok", "exit 0"), 0},
		{script("fails", "exit 3"), 3},
		{script("killed", "kill -TERM $$"), 128 + int(syscall.SIGTERM)},
		{script("args", `printf '%s|' "$0" "$@" "$OPSYNC_DEPTH" > `+out), 0},
	}
	for _, tt := range tests {
		got, err := Run(tt.path, []string{"app", "deploy", "a b"}, []string{"OPSYNC_DEPTH=1", "PATH=/usr/bin:/bin"})
		if err != nil || got != tt.want {
			t.Errorf("Run(%s) = %d, %v; want %d", filepath.Base(tt.path), got, err, tt.want)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); !strings.HasSuffix(got, "|app|deploy|a b|1|") {
		t.Errorf("abra saw %q, want its arguments unchanged and the environment given", got)
	}
}

// An abra the system will not start is a *StartError saying why, from
// Run and from Exec (which then returns instead of replacing the process).
func TestAbraThatCannotStart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		path, why string
	}{
		{filepath.Join(dir, "missing"), "it is not there"},
		{write("badinterp", "#!/nonexistent/interpreter\nexit 0\n"), "names an interpreter that does not exist"},
		{write("notaprogram", "\x7fELF\x00garbage"), "not a program this machine can run"},
		{dir, "you may not execute it"},
	}
	for _, tt := range tests {
		code, err := Run(tt.path, []string{"app", "ls"}, []string{"PATH=/usr/bin:/bin"})
		var se *StartError
		if !errors.As(err, &se) || code != -1 || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("Run(%s) = %d, %v; want -1 and a StartError saying %q", filepath.Base(tt.path), code, err, tt.why)
		}
		err = Exec(tt.path, []string{"app", "ls"}, []string{"PATH=/usr/bin:/bin"})
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("Exec(%s) = %v; want a StartError saying %q", filepath.Base(tt.path), err, tt.why)
		}
	}
}

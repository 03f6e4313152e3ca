package git_test

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/testsupport/hang"
)

// hangingServer accepts TCP connections and never answers: a remote that
// hangs. It returns host:port.
func hangingServer(t *testing.T) string {
	t.Helper()
	addr, stop, err := hang.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return addr
}

func TestClientTimeout(t *testing.T) {
	addr := hangingServer(t)
	c := &git.Client{Timeout: time.Second}
	start := time.Now()
	_, err := c.Run(ctx, "ls-remote", "git://"+addr+"/x")
	took := time.Since(start)
	var ge *git.Error
	if !errors.As(err, &ge) {
		t.Fatalf("ls-remote against a hanging server: %v (%T), want a *git.Error", err, err)
	}
	if !ge.TimedOut || ge.Timeout != time.Second || ge.ExitCode != -1 {
		t.Errorf("error %+v, want TimedOut after 1s and no exit code", ge)
	}
	if !strings.Contains(err.Error(), "did not finish within 1s and was stopped") {
		t.Errorf("message %q", err)
	}
	// Not a timing measurement: a bound far above the 1s timeout plus the
	// 3s WaitDelay, to catch a hang.
	if took > 20*time.Second {
		t.Errorf("git ran for %s despite the 1s timeout", took)
	}
}

// The caller's context ends the process too; that is not a timeout.
func TestClientContextCancel(t *testing.T) {
	addr := hangingServer(t)
	c := &git.Client{Timeout: time.Minute}
	cctx, cancel := contextWithCancelAfter(200 * time.Millisecond)
	defer cancel()
	_, err := c.Run(cctx, "ls-remote", "git://"+addr+"/x")
	var ge *git.Error
	if !errors.As(err, &ge) || ge.TimedOut {
		t.Errorf("cancelled ls-remote: %+v, want a *git.Error that is not a timeout", err)
	}
}

func TestClientError(t *testing.T) {
	dir := newRepo(t, nil)
	c := client(dir)
	_, err := c.Run(ctx, "rev-parse", "--verify", "refs/heads/nope")
	var ge *git.Error
	if !errors.As(err, &ge) {
		t.Fatalf("err = %v (%T)", err, err)
	}
	if ge.ExitCode != 128 || git.ExitCode(err) != 128 || ge.TimedOut {
		t.Errorf("exit code %d / %d, want 128", ge.ExitCode, git.ExitCode(err))
	}
	if !strings.Contains(ge.Stderr, "fatal: Needed a single revision") || git.StderrOf(err) != ge.Stderr {
		t.Errorf("stderr %q", ge.Stderr)
	}
	if !slices.Equal(ge.Args, []string{"rev-parse", "--verify", "refs/heads/nope"}) {
		t.Errorf("Args = %q, want git's arguments without -C", ge.Args)
	}
	want := "git rev-parse --verify refs/heads/nope failed with exit status 128:\n    fatal: Needed a single revision"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	// exit 1 with no output: the message says so plainly.
	_, err = c.Run(ctx, "config", "--get", "no.such.key")
	if git.ExitCode(err) != 1 || err.Error() != "git config --get no.such.key failed with exit status 1" {
		t.Errorf("err = %q (exit %d)", err, git.ExitCode(err))
	}
	// Errors that are not git's.
	if git.ExitCode(errors.New("x")) != -1 || git.StderrOf(errors.New("x")) != "" || git.ExitCode(nil) != -1 {
		t.Error("ExitCode/StderrOf of a non-git error")
	}
}

func TestClientNotInstalled(t *testing.T) {
	c := &git.Client{Path: "git-that-is-not-installed-anywhere"}
	if _, err := c.Run(ctx, "version"); !errors.Is(err, git.ErrNotInstalled) {
		t.Errorf("err = %v, want ErrNotInstalled", err)
	}
}

// git runs in the client's directory, in the C locale, with prompts off,
// without the operator's GIT_DIR & co., with the client's and the call's
// extra variables.
func TestClientEnvironment(t *testing.T) {
	dir := newRepo(t, nil)
	other := newRepo(t, nil)
	t.Setenv("GIT_DIR", other+"/.git")
	t.Setenv("GIT_WORK_TREE", other)
	t.Setenv("GIT_INDEX_FILE", other+"/.git/index")
	t.Setenv("LANG", "de_DE.UTF-8")
	t.Setenv("LC_ALL", "de_DE.UTF-8")
	var traced [][]string
	c := &git.Client{Dir: dir, Env: []string{"OPSYNC_TEST_CLIENT=1"}, Trace: func(a []string) { traced = append(traced, a) }}
	top, err := c.Run(ctx, "rev-parse", "--show-toplevel")
	if err != nil || strings.TrimSpace(top) != dir {
		t.Errorf("rev-parse --show-toplevel = %q, %v; want %s (GIT_DIR/GIT_WORK_TREE must not leak)", top, err, dir)
	}
	// The environment itself, printed by a child of git (an alias starting
	// with "!" runs a shell command).
	out, err := c.RunCmd(ctx, git.Cmd{
		Args: []string{"-c", "alias.env=!env", "env"},
		Env:  []string{"OPSYNC_TEST_CALL=2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	env := strings.Split(out, "\n")
	for _, want := range []string{"LC_ALL=C", "GIT_TERMINAL_PROMPT=0", "OPSYNC_TEST_CLIENT=1", "OPSYNC_TEST_CALL=2"} {
		if !slices.Contains(env, want) {
			t.Errorf("git's environment lacks %s", want)
		}
	}
	for _, v := range env {
		name, _, _ := strings.Cut(v, "=")
		if name == "LANG" || name == "GIT_WORK_TREE" || name == "GIT_INDEX_FILE" {
			t.Errorf("git's environment has %s", v)
		}
	}
	if len(traced) != 2 || !slices.Equal(traced[0], []string{"rev-parse", "--show-toplevel"}) {
		t.Errorf("Trace saw %q", traced)
	}
}

func TestClientStdinStdout(t *testing.T) {
	var buf bytes.Buffer
	c := &git.Client{}
	out, err := c.RunCmd(ctx, git.Cmd{Args: []string{"hash-object", "--stdin"}, Stdin: strings.NewReader("hello\n"), Stdout: &buf})
	if err != nil || out != "" || strings.TrimSpace(buf.String()) != "ce013625030ba8dba906f756967f9e9ca394464a" {
		t.Errorf("hash-object = %q / %q, %v", out, buf.String(), err)
	}
}

func TestIndent(t *testing.T) {
	if got := git.Indent("a\nb\n"); got != "    a\n    b" {
		t.Errorf("Indent = %q", got)
	}
	if got := git.Indent(""); got != "    " {
		t.Errorf("Indent(\"\") = %q", got)
	}
}

// TestMain must have removed the developer's own GIT_* settings.
func TestNoStrayGitEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "GIT_CONFIG_NOSYSTEM=") {
			t.Errorf("%s leaked into the tests", kv)
		}
	}
}

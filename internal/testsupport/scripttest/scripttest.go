// Package scripttest is the testscript set-up every end-to-end script suite
// of opsync shares: the programs a script can exec (opsync, the abra shim,
// the stand-in abra), the environment each script starts in, and the custom
// commands (operators, as, tracegit, hangserver, …). The root package's
// scripts (testdata/script) and the reliability harness (reliability/) use
// it, so a command behaves the same in both.
package scripttest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"coopcloud.tech/opsync/internal/cli"
	"coopcloud.tech/opsync/internal/servers"
	"coopcloud.tech/opsync/internal/testsupport/fakeabra"
	"coopcloud.tech/opsync/internal/testsupport/githttp"
	"coopcloud.tech/opsync/internal/testsupport/hang"
	"coopcloud.tech/opsync/internal/testsupport/sshtest"
)

// Programs are the programs scripts run, for testscript.Main in a test
// binary's TestMain: opsync, abra (opsync invoked through the shim name)
// and fakeabra (the stand-in for the real abra, which each script's PATH
// reaches through $WORK/realbin/abra). opsync runs on the script's clock
// (clock.go).
func Programs() map[string]func() {
	opsync := func() {
		c := processClock()
		os.Exit(cli.MainClock(os.Args, c.Now, c.After))
	}
	return map[string]func(){
		"opsync":   opsync,
		"abra":     opsync,
		"fakeabra": fakeabra.Main,
	}
}

// Params are the testscript settings every script suite uses, for the
// scripts in dir.
func Params(dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Setup:               setupScript,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"operators":  cmdOperators,
			"as":         cmdAs,
			"hangserver": cmdHangServer,
			"endsnl":     cmdEndsNewline,
			"tracegit":   cmdTraceGit,
			"gitcount":   cmdGitCount,
			"cmpentry":   cmdCmpEntry,
			"signalbg":   cmdSignalBackground,
			"sshd":       cmdSSHD,
			"forge":      cmdForge,
			"waitfor":    cmdWaitFor,
			"sshlogins":  cmdSSHLogins,
			"capture":    cmdCapture,
			"waitgit":    cmdWaitGit,
			// clock.go
			"clock": cmdClock,
			// overlapcmds.go
			"traceoverlap": cmdTraceOverlap,
			"gitoverlaps":  cmdGitOverlaps,
			// operatorcmds.go
			"holdlock":    cmdHoldLock,
			"releaselock": cmdReleaseLock,
			"jsonfields":  cmdJSONFields,
			// nocontrol.go
			"nocontrol": cmdNoControl,
			// hookcmds.go
			"hookserver": cmdHookServer,
			"jsonelem":   cmdJSONElem,
			// faultcmds.go
			"killbg":      cmdKillBackground,
			"waitorphans": cmdWaitOrphans,
			"mounttmpfs":  cmdMountTmpfs,
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "sshd":
				// A real OpenSSH server can be started (.ci/run installs it).
				return sshtest.Available() == nil, nil
			case "mount":
				// A tmpfs can be mounted (mounttmpfs).
				return canMount() == nil, nil
			case "noroot":
				// noroot can take away root's power over file modes.
				return canDropRoot() == nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	}
}

// setupScript gives every script a private HOME, a fixed git identity and
// configuration, and the stand-in abra on PATH after the opsync shim.
func setupScript(env *testscript.Env) error {
	work := env.WorkDir
	home := filepath.Join(work, "home")
	realbin := filepath.Join(work, "realbin")
	for _, d := range []string{home, realbin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	gitconfig := "[init]\n\tdefaultBranch = main\n[user]\n\tname = Test Operator\n\temail = test@example.org\n[advice]\n\tdetachedHead = false\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(gitconfig), 0o644); err != nil {
		return err
	}
	// The real abra of the scripts: the stand-in, under the name abra, in a
	// directory after testscript's own bin directory (where "abra" is the
	// opsync shim), as an operator's PATH would have it.
	if err := os.WriteFile(filepath.Join(realbin, "abra"), []byte("#!/bin/sh\nexec fakeabra \"$@\"\n"), 0o755); err != nil {
		return err
	}
	// exitof CMD ARGS...: runs CMD, then prints "exit=N" on stdout and
	// succeeds, so scripts can check an exact exit status.
	if err := os.WriteFile(filepath.Join(realbin, "exitof"), []byte("#!/bin/sh\n\"$@\"\necho \"exit=$?\"\n"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(realbin, "noroot"), []byte(noRootScript), 0o755); err != nil {
		return err
	}
	path := env.Getenv("PATH")
	first, rest, _ := strings.Cut(path, string(filepath.ListSeparator))
	env.Setenv("PATH", first+string(filepath.ListSeparator)+realbin+string(filepath.ListSeparator)+rest)
	env.Setenv("HOME", home)
	env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	env.Setenv("FAKEABRA_STATE", filepath.Join(work, "server-state"))
	env.Setenv("EDITOR", "")
	// Nothing of the developer's own set-up leaks into a script.
	kept := env.Vars[:0]
	for _, kv := range env.Vars {
		name, _, _ := strings.Cut(kv, "=")
		if name == "ABRA_DIR" || strings.HasPrefix(name, "OPSYNC") || strings.HasPrefix(name, "FAKEABRA_") && name != "FAKEABRA_STATE" ||
			strings.HasPrefix(name, "GIT_") && name != "GIT_CONFIG_NOSYSTEM" {
			continue
		}
		kept = append(kept, kv)
	}
	env.Vars = kept
	return nil
}

func runGit(ts *testscript.TestScript, dir string, args ...string) string {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+ts.Getenv("HOME"), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Seed", "GIT_AUTHOR_EMAIL=seed@example.org",
		"GIT_COMMITTER_NAME=Seed", "GIT_COMMITTER_EMAIL=seed@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		ts.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// operators REMOTE SEED NAME...
//
// Creates the bare repository $WORK/REMOTE holding the files of the
// directory SEED (server directories with env files, each with opsync's
// placeholder added, as opsync init makes them) in one commit on main,
// and for each NAME an operator: $WORK/NAME/abra (an ABRA_DIR) whose
// servers/ is a clone of the remote and whose abra.yml says sync: true.
func cmdOperators(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: operators REMOTE SEED NAME...")
	}
	remote := ts.MkAbs(args[0])
	seed := ts.MkAbs(args[1])
	runGit(ts, ".", "init", "-q", "--bare", "-b", "main", remote)
	tmp := ts.MkAbs(".seed-clone")
	runGit(ts, ".", "clone", "-q", remote, tmp)
	if err := os.CopyFS(tmp, os.DirFS(seed)); err != nil {
		ts.Fatalf("copy seed: %v", err)
	}
	// As opsync init leaves it: every server directory kept by its
	// placeholder.
	entries, err := os.ReadDir(tmp)
	ts.Check(err)
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			_, err := servers.WritePlaceholder(filepath.Join(tmp, e.Name()))
			ts.Check(err)
		}
	}
	runGit(ts, tmp, "add", "-A")
	runGit(ts, tmp, "commit", "-q", "-m", "seed the operator log")
	runGit(ts, tmp, "push", "-q", "origin", "HEAD:main")
	os.RemoveAll(tmp)
	for _, name := range args[2:] {
		abraDir := ts.MkAbs(filepath.Join(name, "abra"))
		runGit(ts, ".", "clone", "-q", remote, filepath.Join(abraDir, "servers"))
		yml := filepath.Join(abraDir, "abra.yml")
		if _, err := os.Stat(yml); os.IsNotExist(err) {
			ts.Check(os.WriteFile(yml, []byte("sync: true\n"), 0o644))
		}
	}
}

// as NAME
//
// Becomes operator NAME: ABRA_DIR=$WORK/NAME/abra and NAME's git identity.
func cmdAs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: as NAME")
	}
	name := args[0]
	ts.Setenv("ABRA_DIR", ts.MkAbs(filepath.Join(name, "abra")))
	display := strings.ToUpper(name[:1]) + name[1:]
	for _, who := range []string{"AUTHOR", "COMMITTER"} {
		ts.Setenv("GIT_"+who+"_NAME", display)
		ts.Setenv("GIT_"+who+"_EMAIL", name+"@example.org")
	}
}

// hangserver VAR
//
// Listens on 127.0.0.1, accepts connections and never answers: a remote
// that hangs. Sets VAR to host:port. The listener closes when the script ends.
func cmdHangServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hangserver VAR")
	}
	addr, stop, err := hang.Listen()
	ts.Check(err)
	ts.Defer(stop)
	ts.Setenv(args[0], addr)
}

// endsnl FILE: the file ends with a newline (negate for "does not").
func cmdEndsNewline(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: endsnl FILE")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	ends := len(b) > 0 && b[len(b)-1] == '\n'
	if ends == neg {
		ts.Fatalf("%s: ends with newline = %v", args[0], ends)
	}
}

// tracegit: from now on every git process started in the script (by
// opsync too) is logged to $WORK/git.log, one line per process.
func cmdTraceGit(ts *testscript.TestScript, neg bool, args []string) {
	real, err := exec.LookPath("git")
	ts.Check(err)
	dir := ts.MkAbs("tracebin")
	ts.Check(os.MkdirAll(dir, 0o755))
	script := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$*\" >> %q\nexec %q \"$@\"\n", ts.MkAbs("git.log"), real)
	ts.Check(os.WriteFile(filepath.Join(dir, "git"), []byte(script), 0o755))
	ts.Check(os.WriteFile(ts.MkAbs("git.log"), nil, 0o644))
	ts.Setenv("PATH", dir+string(filepath.ListSeparator)+ts.Getenv("PATH"))
}

// gitcount N: exactly N git processes were logged since tracegit (or the
// last gitcount), which resets the count.
func cmdGitCount(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: gitcount N")
	}
	log := ts.ReadFile("git.log")
	n := 0
	if log != "" {
		n = strings.Count(log, "\n")
	}
	want := 0
	fmt.Sscanf(args[0], "%d", &want)
	ts.Logf("git processes: %d\n%s", n, log)
	ts.Check(os.WriteFile(ts.MkAbs("git.log"), nil, 0o644))
	if (n == want) == neg {
		ts.Fatalf("%d git processes, want %s%d", n, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

var entryNormalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?m)(took |^Opsync-Duration: )[0-9.]+(ns|µs|ms|s|m[0-9.]*s?|h[0-9hms.]*)$`), "${1}DURATION"},
	{regexp.MustCompile(`(?m)(took )[0-9.]+(ns|µs|ms|s|m[0-9.]*s?|h[0-9hms.]*)\b`), "${1}DURATION"},
	{regexp.MustCompile(`(?m)^(Opsync-Operator: .*> on ).*$`), "${1}HOST"},
	{regexp.MustCompile(`(?m)^(Opsync-Version: ).*$`), "${1}VERSION"},
}

// cmpentry FILE WANT: like cmp, after replacing what differs between runs
// in log messages (durations, host name, opsync version) by DURATION, HOST
// and VERSION.
func cmdCmpEntry(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cmpentry FILE WANT")
	}
	got := ts.ReadFile(args[0])
	for _, n := range entryNormalizers {
		got = n.re.ReplaceAllString(got, n.with)
	}
	want := ts.ReadFile(args[1])
	if got != want {
		ts.Fatalf("%s differs from %s (normalised):\n--- got\n%s\n--- want\n%s", args[0], args[1], got, want)
	}
}

// signalbg SIG: send a signal (TERM, HUP, INT, QUIT, USR1) to every
// background command of the script.
func cmdSignalBackground(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: signalbg SIG")
	}
	sigs := map[string]syscall.Signal{"TERM": syscall.SIGTERM, "HUP": syscall.SIGHUP, "INT": syscall.SIGINT,
		"QUIT": syscall.SIGQUIT, "USR1": syscall.SIGUSR1, "KILL": syscall.SIGKILL}
	sig, ok := sigs[args[0]]
	if !ok {
		ts.Fatalf("unknown signal %q", args[0])
	}
	for _, c := range ts.BackgroundCmds() {
		ts.Check(c.Process.Signal(sig))
	}
}

// sshd [-nogit] ALIAS
//
// Starts a real sshd on 127.0.0.1 for the script (stopped when it ends) and
// adds Host blocks to $HOME/.ssh/config: ALIAS logs in as the current user
// with a throwaway key, ALIAS-badkey offers a key the server refuses,
// ALIAS-badhostkey expects another host key, ALIAS-newhost knows no host
// key, ALIAS-closed is a port where nothing listens. $WORK/sshbin (put first
// on PATH) holds an `ssh` that reads $HOME/.ssh/config, since ssh itself
// reads the home directory of the password database. With -nogit, the
// server's login finds no git on its PATH. The login's home directory is
// the real one of the user: scripts point OPSYNC_SERVER_REPO_PATH into $WORK.
func cmdSSHD(ts *testscript.TestScript, neg bool, args []string) {
	var o sshtest.Options
	if len(args) > 0 && args[0] == "-nogit" {
		o.NoGit = true
		args = args[1:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sshd [-nogit] ALIAS")
	}
	if err := sshtest.Available(); err != nil {
		ts.Fatalf("needs a real sshd (scripts start with `[!sshd] skip`): %v", err)
	}
	alias := args[0]
	s, err := sshtest.Start(ts.MkAbs(".sshd-"+alias), o)
	ts.Check(err)
	ts.Defer(s.Stop)
	bin := ts.MkAbs("sshbin")
	ts.Check(s.WriteClient(ts.Getenv("HOME"), bin, alias))
	if path := ts.Getenv("PATH"); !strings.HasPrefix(path, bin+string(filepath.ListSeparator)) {
		ts.Setenv("PATH", bin+string(filepath.ListSeparator)+path)
	}
}

// forge VAR ROOT USER:PASSWORD...
//
// Serves the bare repositories below ROOT over git's smart HTTP protocol
// (git http-backend) on 127.0.0.1, as a forge serves a private repository:
// every request needs HTTP basic authentication as one of the users given.
// Sets VAR to host:port. The server stops when the script ends.
func cmdForge(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: forge VAR ROOT USER:PASSWORD...")
	}
	users := map[string]string{}
	for _, up := range args[2:] {
		u, p, ok := strings.Cut(up, ":")
		if !ok {
			ts.Fatalf("forge: %q is not USER:PASSWORD", up)
		}
		users[u] = p
	}
	s, err := githttp.Start(ts.MkAbs(args[1]), users)
	ts.Check(err)
	ts.Defer(s.Stop)
	ts.Setenv(args[0], strings.TrimPrefix(s.URL, "http://"))
}

// waitfor FILE [REGEXP]: wait (up to 30s) until FILE exists and, if given,
// holds a match of REGEXP: a background command has got that far.
func cmdWaitFor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waitfor FILE [REGEXP]")
	}
	var re *regexp.Regexp
	if len(args) == 2 {
		re = regexp.MustCompile(args[1])
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(ts.MkAbs(args[0]))
		if err == nil && (re == nil || re.Match(b)) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waited 30s for %s %v", args[0], args[1:])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitgit DIR REGEXP ARGS...: run `git -C DIR ARGS...` until its output
// holds a match of REGEXP (up to 30s): a background opsync has pushed, a
// ref has moved. The output that matched is logged.
func cmdWaitGit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: waitgit DIR REGEXP ARGS...")
	}
	re := regexp.MustCompile(args[1])
	deadline := time.Now().Add(30 * time.Second)
	for {
		cmd := exec.Command("git", append([]string{"-C", ts.MkAbs(args[0])}, args[2:]...)...)
		cmd.Env = append(os.Environ(), "HOME="+ts.Getenv("HOME"), "GIT_CONFIG_NOSYSTEM=1")
		out, _ := cmd.Output()
		if re.Match(out) {
			ts.Logf("%s", out)
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waited 30s for %s in the output of git %s:\n%s", args[1], strings.Join(args[2:], " "), out)
		}
		time.Sleep(100 * time.Millisecond) // a git process each time: not too often on a busy machine
	}
}

// capture VAR FILE REGEXP: set VAR to the first group of REGEXP's first
// match in FILE (stdout and stderr are the last command's).
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: capture VAR FILE REGEXP")
	}
	m := regexp.MustCompile(args[2]).FindStringSubmatch(ts.ReadFile(args[1]))
	if len(m) < 2 {
		ts.Fatalf("no match of %s in %s", args[2], args[1])
	}
	ts.Setenv(args[0], m[1])
}

// sshlogins ALIAS N
//
// Exactly N ssh connections logged in to the sshd of ALIAS since it started
// or since the last sshlogins (each is one handshake), and every one of them
// has ended: nothing is left connected once the command is over. It waits
// up to 10 seconds for connections to end, since sshd logs that a moment
// after the client has gone.
func cmdSSHLogins(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sshlogins ALIAS N")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	logFile := ts.MkAbs(filepath.Join(".sshd-"+args[0], "sshd.log"))
	seenFile := logFile + ".counted"
	counted := map[string]bool{}
	if b, err := os.ReadFile(seenFile); err == nil {
		for _, p := range strings.Fields(string(b)) {
			counted[p] = true
		}
	}
	var fresh, open []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		b, err := os.ReadFile(logFile)
		ts.Check(err)
		ports, ended := sshtest.Logins(string(b))
		fresh, open = nil, nil
		for _, p := range ports {
			if counted[p] {
				continue
			}
			fresh = append(fresh, p)
			if !ended[p] {
				open = append(open, p)
			}
		}
		if len(open) == 0 || time.Now().After(deadline) {
			break
		}
	}
	ts.Logf("ssh logins: %d (client ports %s), still connected: %d", len(fresh), strings.Join(fresh, " "), len(open))
	all := fresh
	for p := range counted {
		all = append(all, p)
	}
	ts.Check(os.WriteFile(seenFile, []byte(strings.Join(all, " ")), 0o644))
	if len(fresh) != want {
		ts.Fatalf("%d ssh logins, want %d", len(fresh), want)
	}
	if len(open) > 0 {
		ts.Fatalf("%d ssh connection(s) still open 10s after the command ended (client ports %s)", len(open), strings.Join(open, " "))
	}
}

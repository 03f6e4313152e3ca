// Package fakeabra is a stand-in for Co-op Cloud's abra CLI (0.13.0-beta,
// cobra-based) for tests and demos: it parses abra's command line the way
// abra does and reproduces abra's effects on files — the env files under
// $ABRA_DIR/servers/ — while a small JSON "server state" stands in for the
// Docker swarm that two operators deploy to.
//
// The behaviour follows docs/abra-reference.md (command line §2–3
// and §8, files §1 and §5, exit codes and prompts §7).
//
// # Files
//
// $ABRA_DIR is $ABRA_DIR if non-empty, else the abraDir key of the first
// abra.yaml/abra.yml found walking up from the working directory (relative
// to that file's directory), else $HOME/.abra. The app X is the file
// $ABRA_DIR/servers/<server>/X.env. Recipes: $ABRA_DIR/recipes/<r>/.env.sample
// and $ABRA_DIR/recipes/<r>/versions (one per line, oldest first) override
// built-in ones (versions 1.0.0+1.0 1.1.0+1.0 1.2.0+1.1 1.3.0+1.1).
//
// The shared server state is the directory $FAKEABRA_STATE, or
// $ABRA_DIR/fake-server-state: <state>/<server>/<app>.json (JSON: app,
// server, recipe, version, status "deployed"/"undeployed", secrets
// {name: {version, sha256}}, volumes, snapshots, lastCommand, updated),
// <state>/events.log (one logfmt line per state-changing command:
// time= pid= cmd="app deploy" app= and details; never secret values),
// <state>/signals.log ("<pid> <SIGNAME>") and the flock file <state>/.lock.
// Secret values are never stored or logged, only their SHA-256. Events are
// logged by new, deploy, upgrade, rollback, undeploy, remove, move, secret
// generate/insert/remove, volume remove, restore, backup create, restart,
// run, command and cp (not by read-only commands, dry runs or config).
//
// Env file effects follow abra: deploy, upgrade, rollback and undeploy
// rewrite the TYPE=/RECIPE= lines to <recipe>:<version> (rejoined without a
// trailing newline; skipped when the version already matches), new creates
// the file from the recipe sample, move renames it, remove deletes it and
// config runs $EDITOR on it. Everything else leaves servers/ alone.
//
// # Environment switches for tests
//
//	FAKEABRA_STATE=<dir>        shared server state directory (see above).
//	FAKEABRA_FAIL=before        after parsing and app lookup, print
//	                            "FATA <cmd> failed (FAKEABRA_FAIL=before)", exit 1,
//	                            change nothing.
//	FAKEABRA_FAIL=after         apply all effects of the command, then print a
//	                            FATA line and exit 1.
//	FAKEABRA_FAIL=<mode>:<cmds> only for the listed commands (comma-separated;
//	                            "deploy", "secret insert", "app secret insert"
//	                            or a leaf name such as "insert").
//	FAKEABRA_EXIT=N             exit N instead of 0 after a successful command
//	                            (not after -h/--help or --version).
//	FAKEABRA_SLEEP=<duration>   sleep (Go duration, e.g. 2s) after parsing,
//	                            lookup and prompts, just before the effects
//	                            (or output) of any command.
//	FAKEABRA_GATE=<file>        at the same point, create <file>.held and
//	                            wait until <file> exists (a gate a test
//	                            opens when the other side may go) or
//	                            <file>.go does (removed again: opened once);
//	                            gives up after 10 minutes with a FATA line.
//	FAKEABRA_ARGV_LOG=<file>    append the arguments (without argv[0]) as one
//	                            JSON array per line. Opt-in: may hold secrets.
//	FAKEABRA_SECRET_SEED=<s>    generated secrets are the first 32 hex digits
//	                            of sha256(s + app + secret name) instead of
//	                            random, so tests can search for them.
//	FAKEABRA_DIRTY=1            --chaos versions get abra's "+U" marker.
//	EDITOR                      used by "app config".
//
// # Signals
//
// Main installs handlers for SIGINT, SIGTERM and SIGHUP. On one, the fake
// prints "abra: received <SIGNAME>" to stderr, appends "<pid> <SIGNAME>" to
// <state>/signals.log and exits 130, 143 or 129. A signal during the sleep
// or a prompt ends the process before any effect; one that arrives while
// effects are being applied takes effect once they are complete.
package fakeabra

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Version is what "abra --version" reports.
const Version = "0.13.0-beta-fakeabra"

// Env is the process environment Run works in.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string // nil: no environment variables at all
	Dir            string              // working directory; "" means os.Getwd()

	// Signals, if non-nil, delivers the signals to act upon (Main passes
	// SIGINT, SIGTERM and SIGHUP). When one arrives outside a command's
	// effects, Run reports it and ends the process with os.Exit.
	Signals <-chan os.Signal
}

// Main runs the fake abra as a program: os.Args, the process's streams,
// environment and working directory.
func Main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	wd, _ := os.Getwd()
	os.Exit(Run(os.Args[1:], Env{
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Getenv:  os.Getenv,
		Dir:     wd,
		Signals: sigs,
	}))
}

// ctx is one run of the fake abra.
type ctx struct {
	env        Env
	inv        *invocation
	abraDir    string
	serversDir string
	stateDir   string
	in         *bufio.Reader
	sig        *sigGuard
}

// Run runs the fake abra with args (without the program name) and returns
// its exit status.
func Run(args []string, env Env) (code int) {
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Dir == "" {
		env.Dir, _ = os.Getwd()
	}
	c := &ctx{env: env, sig: &sigGuard{stderr: env.Stderr}}
	if env.Signals != nil {
		defer c.sig.watch(env.Signals)()
	}
	defer func() { code = c.sig.finish(code) }()
	// A signal that arrives from here on is logged in the state directory:
	// the argv log below is what tests wait on to know abra has started.
	if dir, err := resolveAbraDir(c.getenv, env.Dir); err == nil {
		c.sig.setStateDir(c.stateDirFor(dir))
	}
	if p := c.getenv("FAKEABRA_ARGV_LOG"); p != "" {
		line, _ := json.Marshal(append([]string{}, args...))
		if err := appendFile(absFrom(env.Dir, p), string(line)+"\n"); err != nil {
			c.warnf("cannot write FAKEABRA_ARGV_LOG: %v", err)
		}
	}
	return c.main(args)
}

func (c *ctx) main(args []string) int {
	root := commandTree()
	inv, err := parse(root, args)
	if err != nil {
		return c.usageError(err)
	}
	c.inv = inv
	cmd := inv.cmd
	if inv.bool("version") {
		fmt.Fprintf(c.env.Stdout, "abra version %s\n", Version)
		return 0
	}
	if inv.bool("help") {
		printUsage(c.env.Stdout, cmd)
		return 0
	}
	if cmd.run == nil {
		if len(inv.args) > 0 && !cmd.lenient {
			return c.usageError(fmt.Errorf("unknown command %q for %q", inv.args[0], cmd.fullName()))
		}
		if len(inv.args) == 0 {
			printUsage(c.env.Stdout, cmd)
			return 0
		}
		cmd.run = runOther
	} else if err := cmd.checkArgs(inv.args); err != nil {
		return c.usageError(err)
	}
	if !cmd.pure {
		if err := c.resolveDirs(); err != nil {
			return c.fatalf("%v", err)
		}
	}
	code := cmd.run(c)
	if code == 0 && !cmd.pure {
		if s := c.getenv("FAKEABRA_EXIT"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				c.warnf("ignoring FAKEABRA_EXIT=%q: not a number", s)
			} else {
				code = n
			}
		}
	}
	return code
}

func (c *ctx) resolveDirs() error {
	dir, err := resolveAbraDir(c.getenv, c.env.Dir)
	if err != nil {
		return err
	}
	c.abraDir = dir
	c.serversDir = filepath.Join(dir, "servers")
	if err := os.MkdirAll(c.serversDir, 0o755); err != nil {
		return err
	}
	c.stateDir = c.stateDirFor(dir)
	c.sig.setStateDir(c.stateDir)
	c.debugf("abra directory: %s, fake server state: %s", c.abraDir, c.stateDir)
	return nil
}

// stateDirFor is the fake server state directory for abra directory dir.
func (c *ctx) stateDirFor(dir string) string {
	if s := c.getenv("FAKEABRA_STATE"); s != "" {
		return absFrom(c.env.Dir, s)
	}
	return filepath.Join(dir, "fake-server-state")
}

func (c *ctx) getenv(key string) string { return c.env.Getenv(key) }

func (c *ctx) usageError(err error) int {
	fmt.Fprintf(c.env.Stderr, "Error: %v\n", err)
	return 1
}

func (c *ctx) fatalf(format string, a ...any) int {
	fmt.Fprintf(c.env.Stderr, "FATA "+format+"\n", a...)
	return 1
}

func (c *ctx) infof(format string, a ...any) {
	fmt.Fprintf(c.env.Stderr, "INFO "+format+"\n", a...)
}

func (c *ctx) warnf(format string, a ...any) {
	fmt.Fprintf(c.env.Stderr, "WARN "+format+"\n", a...)
}

func (c *ctx) debugf(format string, a ...any) {
	if c.inv != nil && c.inv.bool("debug") {
		fmt.Fprintf(c.env.Stderr, "DEBU "+format+"\n", a...)
	}
}

func (c *ctx) flag(long string) bool    { return c.inv.bool(long) }
func (c *ctx) value(long string) string { return c.inv.value(long) }
func (c *ctx) noInput() bool            { return c.inv.bool("no-input") }

// arg returns the i-th positional argument, or "".
func (c *ctx) arg(i int) string {
	if i < len(c.inv.args) {
		return c.inv.args[i]
	}
	return ""
}

// name is the command as used in messages: "deploy", "secret insert",
// "server add".
func (c *ctx) name() string {
	p := c.inv.cmd.path()
	if len(p) > 1 && p[0] == "app" {
		p = p[1:]
	}
	return strings.Join(p, " ")
}

// failMode returns "before", "after" or "" according to FAKEABRA_FAIL.
func (c *ctx) failMode() string {
	mode, filter, hasFilter := strings.Cut(c.getenv("FAKEABRA_FAIL"), ":")
	mode = strings.TrimSpace(mode)
	if mode != "before" && mode != "after" {
		return ""
	}
	if !hasFilter {
		return mode
	}
	path := c.inv.cmd.path()
	names := []string{c.name(), strings.Join(path, " "), c.inv.cmd.name}
	for _, f := range strings.Split(filter, ",") {
		if slices.Contains(names, strings.TrimSpace(f)) {
			return mode
		}
	}
	return ""
}

var errCancelled = errors.New("cancelled")

// perform is the common tail of every command, after argument checks and
// app lookup: FAKEABRA_FAIL=before, the confirmation prompt (if any),
// FAKEABRA_SLEEP, the effects (which also print the command's output), and
// FAKEABRA_FAIL=after.
func (c *ctx) perform(confirm func() error, act func() error) int {
	fail := c.failMode()
	if fail == "before" {
		return c.fatalf("%s failed (FAKEABRA_FAIL=before)", c.name())
	}
	if confirm != nil {
		if err := confirm(); err != nil {
			return c.fatalf("%v", err)
		}
	}
	if s := c.getenv("FAKEABRA_SLEEP"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			c.warnf("ignoring FAKEABRA_SLEEP=%q: %v", s, err)
		}
		time.Sleep(d)
	}
	if g := c.getenv("FAKEABRA_GATE"); g != "" {
		if err := waitGate(g); err != nil {
			return c.fatalf("%v", err)
		}
	}
	c.sig.enterCritical()
	if err := act(); err != nil {
		return c.fatalf("%v", err)
	}
	if fail == "after" {
		return c.fatalf("%s failed (FAKEABRA_FAIL=after)", c.name())
	}
	return 0
}

// waitGate announces that abra is at the gate (it creates <path>.held),
// then waits until the test opens it: <path> itself appears (a gate that
// stays open, for races between operators), or <path>.go does (opened once:
// it is removed again, for a test that acts while this abra runs, such as
// killing opsync).
func waitGate(path string) error {
	if err := os.WriteFile(path+".held", nil, 0o644); err != nil {
		return fmt.Errorf("FAKEABRA_GATE: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Minute); time.Now().Before(deadline); {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		if _, err := os.Stat(path + ".go"); err == nil {
			os.Remove(path + ".go")
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("FAKEABRA_GATE: neither %s nor %s.go appeared within 10 minutes", path, path)
}

// readLine prints prompt to stderr and reads one line from stdin.
func (c *ctx) readLine(prompt string) (string, error) {
	fmt.Fprint(c.env.Stderr, prompt)
	if c.in == nil {
		c.in = bufio.NewReader(c.env.Stdin)
	}
	line, err := c.in.ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(c.env.Stderr)
		if err == io.EOF {
			return "", io.EOF
		}
		return "", err
	}
	if !isTerminal(c.env.Stdin) {
		// A terminal echoes the answer and its newline; piped input does not.
		fmt.Fprintln(c.env.Stderr)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// confirm asks a yes/no question; only "y" or "yes" is a yes.
func (c *ctx) confirm(question string) bool {
	line, err := c.readLine(question + " [y/N] ")
	if err != nil {
		return false
	}
	ans := strings.ToLower(strings.TrimSpace(line))
	return ans == "y" || ans == "yes"
}

// ask reads a required value: an error with -n, else a prompt.
func (c *ctx) ask(what, prompt string) (string, error) {
	if c.noInput() {
		return "", fmt.Errorf("no %s provided", what)
	}
	line, err := c.readLine(prompt)
	if err != nil {
		return "", fmt.Errorf("no %s provided: %v", what, err)
	}
	if line = strings.TrimSpace(line); line == "" {
		return "", fmt.Errorf("no %s provided", what)
	}
	return line, nil
}

// lookupApp resolves the first positional argument.
func (c *ctx) lookupApp() (*appFile, int) {
	app, err := c.findApp(c.arg(0))
	if err != nil {
		return nil, c.fatalf("%v", err)
	}
	c.debugf("app %s is %s on server %s", app.Name, app.Path, app.Server)
	return app, 0
}

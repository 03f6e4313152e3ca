package reliability_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/testsupport/sshtest"
)

// TestLoad: N operators, each with a clone of one bare remote, each run M
// modifying commands through opsync (the abra shim) with the stand-in
// abra, as real processes, all at the same time. The first half of the
// operators work on one shared app, the others on apps of their own; every
// other operator of the second half runs two commands at a time in the
// same clone (on two apps), so opsync's lock orders them. Afterwards every operator runs
// `opsync sync` (twice round: the first round pushes what a push that lost
// too many races left, the second brings every clone up to date), and:
//
//   - every one of the N×M log entries is on the remote exactly once,
//   - `git fsck` is clean in the remote and every clone,
//   - no clone is mid-merge or holds git's index.lock,
//   - every clone is at the remote's commit, with its env files equal to
//     the remote's and nothing uncommitted,
//   - no secret value used (inserted, generated) is in a commit message or
//     an opsync message.
//
// The same load runs over ssh to a real local sshd (skipped where there is
// none).
func TestLoad(t *testing.T) {
	n, m := 4, 5
	if longMode() {
		n, m = 8, 25
	}
	n = envInt(t, "OPSYNC_LOAD_N", n)
	m = envInt(t, "OPSYNC_LOAD_M", m)
	var figures []string
	var secrets secretTally
	var serialTook, parallelTook [2]time.Duration
	t.Run("local", func(t *testing.T) {
		row, took := runLoad(t, loadConfig{n: n, m: m}, &secrets)
		figures, parallelTook[0] = append(figures, row), took
	})
	t.Run("local-serial", func(t *testing.T) {
		row, took := runLoad(t, loadConfig{n: n, m: m, serial: true}, &secrets)
		figures, serialTook[0] = append(figures, row), took
	})
	t.Run("ssh", func(t *testing.T) {
		if err := sshtest.Available(); err != nil {
			figures = append(figures, fmt.Sprintf("| ssh | — | — | — | — | skipped: %v |", err))
			t.Skip("needs a real sshd: " + err.Error())
		}
		sn, sm := n, m
		if !longMode() {
			// Every ssh connection costs a key exchange: keep CI's run short.
			sn, sm = min(n, 2), min(m, 4)
		}
		row, took := runLoad(t, loadConfig{n: sn, m: sm, ssh: true}, &secrets)
		figures, parallelTook[1] = append(figures, row), took
		row, took = runLoad(t, loadConfig{n: sn, m: sm, ssh: true, serial: true}, &secrets)
		figures, serialTook[1] = append(figures, row), took
	})
	var ratios []string
	for i, name := range []string{"file system", "ssh"} {
		if parallelTook[i] > 0 && serialTook[i] > 0 {
			ratios = append(ratios, fmt.Sprintf("%s: all at once %s, one after another %s, ratio %.2f",
				name, parallelTook[i].Round(100*time.Millisecond), serialTook[i].Round(100*time.Millisecond),
				parallelTook[i].Seconds()/serialTook[i].Seconds()))
		}
	}
	figures = append(figures, "", "Wall time of the N×M commands all at once against the same commands one after another "+
		"(one run each, on a machine shared with other work: read the ratio, not the times): "+strings.Join(ratios, "; ")+".")
	report(t, "load", fmt.Sprintf("Load (%s mode):\n\n"+
		"| remote | operators (N) | commands each (M) | entries on the remote / expected | time | exit statuses of the N×M commands | shared app's version line |\n"+
		"| --- | --- | --- | --- | --- | --- | --- |\n%s\n", mode(), strings.Join(figures, "\n")))
	report(t, "load-secrets", secrets.figures("the load runs"))
}

type loadConfig struct {
	n, m   int
	ssh    bool
	serial bool // the same commands one after another (for the wall time to compare)
}

// loadRun is one load: its files and what its processes printed.
type loadRun struct {
	t        *testing.T
	dir      string
	bin      string // testscript's directory of programs: opsync, abra (the shim)
	env      []string
	remote   string // path of the bare repository
	url      string // how the clones reach it
	seed     string // FAKEABRA_SECRET_SEED
	mu       sync.Mutex
	exits    map[int]int
	stderr   []string // opsync's lines, every process
	stdout   []string
	secrets  []string
	lockWait int           // commands that waited for opsync's lock
	settled  int           // commands whose pull settled version lines (Opsync-Resolved)
	longest  time.Duration // the longest abra command, opsync's waits included
}

func runLoad(t *testing.T, c loadConfig, secrets *secretTally) (string, time.Duration) {
	dir := t.TempDir()
	r := &loadRun{t: t, dir: dir, exits: map[int]int{}}
	r.setUp(c)
	apps := r.seedRemote(c.n)

	type command struct {
		op   int
		args []string
	}
	var expected []string // "author\x1fsubject"
	plans := make([][]command, c.n)
	for i := 0; i < c.n; i++ {
		for k := 0; k < c.m; k++ {
			args := r.commandFor(i, k, apps[i])
			plans[i] = append(plans[i], command{i, args})
			expected = append(expected, operatorName(i)+"\x1f"+abra.Parse(args).Canonical())
		}
	}

	start := time.Now()
	var wg sync.WaitGroup
	if c.serial {
		// Round robin over the operators, one command at a time.
		for k := 0; k < c.m; k++ {
			for i := 0; i < c.n; i++ {
				r.run(i, "abra", plans[i][k].args...)
			}
		}
	}
	for i := 0; i < c.n && !c.serial; i++ {
		streams := len(apps[i]) // two commands at a time in one clone, on its two apps
		for s := 0; s < streams; s++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := s; k < c.m; k += streams {
					r.run(i, "abra", plans[i][k].args...)
				}
			}()
		}
	}
	wg.Wait()
	took := time.Since(start)
	// The goal (issue 13): no command ends without its entry on the remote
	// (75) or stops because a pull needs a person (77). The long mode, which
	// measures the goal, fails on it; the short mode (CI, on whatever
	// machine) reports it in the figures, as whether a push loses the race
	// for all of push_retry_for depends on the machine's load. What must
	// hold whatever the load (every entry once, clean clones, equal files)
	// fails in both.
	for _, code := range []int{75, 77} {
		if r.exits[code] > 0 {
			goal(t, "%d commands ended with exit %d", r.exits[code], code)
		}
	}

	// Every operator finishes with opsync sync, twice round.
	for round := 0; round < 2; round++ {
		for i := 0; i < c.n; i++ {
			if code := r.run(i, "opsync", "sync"); code != 0 {
				t.Errorf("round %d: opsync sync of operator %d exited %d", round+1, i, code)
			}
		}
	}

	landed := r.checkRemote(expected)
	r.checkClones(c.n)
	version := r.checkSharedVersion("s1/shared.example.org.env")

	var msgs []string
	msgs = append(msgs, commitMessages(r.remote)...)
	for i := 0; i < c.n; i++ {
		msgs = append(msgs, commitMessages(filepath.Join(r.abraDir(i), "servers", ".git"))...)
	}
	r.secrets = append(r.secrets, r.generatedSecrets()...)
	where := "load (local)"
	if c.ssh {
		where = "load (ssh)"
	}
	for _, f := range secrets.add(where, r.secrets, msgs, r.stderr) {
		t.Errorf("secret value found: %s", f)
	}

	var exits []string
	for _, code := range sortedInts(r.exits) {
		exits = append(exits, fmt.Sprintf("%d× exit %d", r.exits[code], code))
	}
	remote := "file system"
	if c.ssh {
		remote = "ssh (local sshd)"
	}
	if c.serial {
		remote += ", one after another"
	}
	return fmt.Sprintf("| %s | %d | %d | %d / %d | %s | %s; the longest command took %s; %s; %s | %s |",
		remote, c.n, c.m, landed, len(expected), took.Round(100*time.Millisecond), strings.Join(exits, ", "),
		r.longest.Round(100*time.Millisecond),
		plural(r.lockWait, "command waited for the clone's lock", "commands waited for the clone's lock"),
		plural(r.settled, "pull settled version lines", "pulls settled version lines"), version), took
}

// goal reports a miss of issue 13's goal: a failure in the long mode, a
// line in the test's log (and the figures) in the short one.
func goal(t *testing.T, format string, args ...any) {
	t.Helper()
	if longMode() {
		t.Errorf(format, args...)
	} else {
		t.Logf("goal missed (short mode: reported, not failed): "+format, args...)
	}
}

// checkSharedVersion compares the version line of the shared app on the
// remote with the one the last log entry that wrote it wrote: the one with
// the latest committer time; at the same second, one that comes after the
// others in the history (a fast-forward, as one after another), and among
// entries neither of which follows the other, the greater commit id
// (opsync's own rule for settling a conflict between two entries).
func (r *loadRun) checkSharedVersion(path string) string {
	t := r.t
	out := r.git(r.remote, "log", "-E", "-G^(TYPE|RECIPE)=", "--no-merges", "--format=%H %ct %s", "main", "--", path)
	type writer struct{ id, time string }
	var latest []writer // the entries of the latest second
	writers := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.SplitN(l, " ", 3)
		if len(f) < 3 || !strings.HasPrefix(f[2], "abra app ") {
			continue // the seed
		}
		writers++
		w := writer{f[0], f[1]}
		switch {
		case len(latest) == 0 || len(w.time) > len(latest[0].time) || len(w.time) == len(latest[0].time) && w.time > latest[0].time:
			latest = []writer{w}
		case w.time == latest[0].time:
			latest = append(latest, w)
		}
	}
	last := ""
	for _, w := range latest {
		followed := false
		for _, o := range latest {
			if o.id != w.id && r.isAncestor(w.id, o.id) {
				followed = true
				break
			}
		}
		if !followed && w.id > last {
			last = w.id
		}
	}
	if last == "" {
		return "no entry wrote it"
	}
	typeOf := func(rev string) string {
		for _, l := range strings.Split(r.git(r.remote, "show", rev+":"+path), "\n") {
			if v, ok := strings.CutPrefix(l, "TYPE="); ok {
				return v
			}
		}
		return ""
	}
	want, got := typeOf(last), typeOf("main")
	if got != want {
		goal(t, "the shared app's version line on the remote is %q; the last of the %d entries that wrote it (%.7s) wrote %q", got, writers, last, want)
		return fmt.Sprintf("**%s, the last entry's %s**", got, want)
	}
	return fmt.Sprintf("%s = the last of %d writing entries", got, writers)
}

func operatorName(i int) string { return fmt.Sprintf("Op%d", i) }

func (r *loadRun) abraDir(i int) string { return filepath.Join(r.dir, operatorName(i), "abra") }

// setUp prepares the environment every process gets: the programs first
// on PATH, then the stand-in abra under the name abra (the real abra the
// shim finds next), a home with a git configuration, and for ssh a real
// sshd with the client configuration to reach it.
func (r *loadRun) setUp(c loadConfig) {
	t := r.t
	path := os.Getenv("PATH")
	r.bin, _, _ = strings.Cut(path, string(filepath.ListSeparator))
	if _, err := os.Stat(filepath.Join(r.bin, "opsync")); err != nil {
		t.Fatalf("the test binary's programs are not first on PATH (%s): %v", r.bin, err)
	}
	realbin := filepath.Join(r.dir, "realbin")
	home := filepath.Join(r.dir, "home")
	for _, d := range []string{realbin, home} {
		must(t, os.MkdirAll(d, 0o755))
	}
	must(t, os.WriteFile(filepath.Join(realbin, "abra"), []byte("#!/bin/sh\nexec fakeabra \"$@\"\n"), 0o755))
	must(t, os.WriteFile(filepath.Join(home, ".gitconfig"),
		[]byte("[init]\n\tdefaultBranch = main\n[user]\n\tname = Load\n\temail = load@example.org\n"), 0o644))
	b := make([]byte, 8)
	rand.Read(b)
	r.seed = "load-seed-" + hex.EncodeToString(b)
	rest := strings.TrimPrefix(path, r.bin)
	sep := string(filepath.ListSeparator)
	r.remote = filepath.Join(r.dir, "remote.git")
	r.url = r.remote
	if c.ssh {
		s := sshtest.StartT(t, sshtest.Options{})
		sshbin := filepath.Join(r.dir, "sshbin")
		must(t, s.WriteClient(home, sshbin, "loadhost"))
		rest = sep + sshbin + rest
		r.url = "loadhost:" + r.remote
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "PATH" || name == "HOME" || name == "ABRA_DIR" || strings.HasPrefix(name, "OPSYNC") ||
			strings.HasPrefix(name, "FAKEABRA_") || strings.HasPrefix(name, "GIT_") {
			continue
		}
		r.env = append(r.env, kv)
	}
	r.env = append(r.env,
		"PATH="+r.bin+sep+realbin+rest,
		"HOME="+home,
		"GIT_CONFIG_NOSYSTEM=1",
		"FAKEABRA_STATE="+filepath.Join(r.dir, "server-state"),
		"FAKEABRA_SECRET_SEED="+r.seed,
		"EDITOR=",
	)
}

// seedRemote makes the bare remote with the apps and a clone for each
// operator. It returns the apps each operator works on: the operators of
// the first half all on one shared app; those of the second half on apps
// of their own: one each, or two, one for each of two commands running at
// a time in the same clone (every other operator).
func (r *loadRun) seedRemote(n int) [][]string {
	t := r.t
	r.git(r.dir, "init", "-q", "--bare", "-b", "main", r.remote)
	seed := filepath.Join(r.dir, "seed")
	r.git(r.dir, "clone", "-q", r.remote, seed)
	apps := make([][]string, n)
	write := func(server, app string) {
		d := filepath.Join(seed, server)
		must(t, os.MkdirAll(d, 0o755))
		must(t, os.WriteFile(filepath.Join(d, app+".env"), []byte(fmt.Sprintf(
			"TYPE=custom-html:1.0.0+1.0\nDOMAIN=%s\nLETS_ENCRYPT_ENV=production\nSECRET_DB_PASSWORD_VERSION=v1\n", app)), 0o644))
	}
	write("s1", "shared.example.org")
	for i := range apps {
		if i < n/2 || n == 1 {
			apps[i] = []string{"shared.example.org"}
			continue
		}
		own := []string{"a", "b"}[:1+i%2]
		for _, x := range own {
			app := fmt.Sprintf("app%d%s.example.org", i, x)
			apps[i] = append(apps[i], app)
			write(fmt.Sprintf("s%d", 2+i%3), app)
		}
	}
	r.git(seed, "add", "-A")
	r.git(seed, "commit", "-q", "-m", "seed the operator log")
	r.git(seed, "push", "-q", "origin", "HEAD:main")
	for i := 0; i < n; i++ {
		dir := r.abraDir(i)
		r.git(r.dir, "clone", "-q", r.url, filepath.Join(dir, "servers"))
		yml := loadConfigYAML
		if n := os.Getenv("OPSYNC_LOAD_PUSH_RETRIES"); n != "" {
			yml = "sync: true\noperator_sync:\n  push_retries: " + n + "\n" // to see what a count does
		}
		must(t, os.WriteFile(filepath.Join(dir, "abra.yml"), []byte(yml), 0o644))
	}
	return apps
}

// loadConfigYAML is every operator's abra.yml: sync on, everything else
// as it comes (no leases; lost pushes retried for push_retry_for, 60s).
const loadConfigYAML = "sync: true\n"

var versions = []string{"1.1.0+1.0", "1.2.0+1.1", "1.3.0+1.1", "1.0.0+1.0"}

// commandFor is operator i's k-th command: deploys and upgrades (which
// rewrite the env file's version line: on the shared app, every operator
// of the first half rewrites the same line), secret inserts with a secret
// value on the command line, generated secrets, and removals.
func (r *loadRun) commandFor(i, k int, apps []string) []string {
	app := apps[k%len(apps)]
	v := versions[(i+k)%len(versions)]
	switch k % 5 {
	case 0:
		return []string{"app", "deploy", app, v, "--force"}
	case 1:
		b := make([]byte, 6)
		rand.Read(b)
		secret := fmt.Sprintf("s3cret-%d-%d-%s", i, k, hex.EncodeToString(b))
		r.mu.Lock()
		r.secrets = append(r.secrets, secret)
		r.mu.Unlock()
		return []string{"app", "secret", "insert", app, fmt.Sprintf("key_%d_%d", i, k), "v1", secret}
	case 2:
		return []string{"app", "upgrade", app, v, "--force"}
	case 3:
		// The secret inserted two commands ago: in the same clone's same
		// stream of commands, so it is there by now.
		return []string{"app", "secret", "remove", app, fmt.Sprintf("key_%d_%d", i, k-2)}
	}
	return []string{"app", "secret", "generate", app, fmt.Sprintf("gen_%d_%d", i, k), "v1"}
}

// run runs a program of the test binary as operator i and records its
// exit status and what it printed.
func (r *loadRun) run(i int, program string, args ...string) int {
	cmd := exec.Command(filepath.Join(r.bin, program), args...)
	name := operatorName(i)
	cmd.Env = append(append([]string{}, r.env...),
		"ABRA_DIR="+r.abraDir(i),
		"GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+strings.ToLower(name)+"@example.org",
		"GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+strings.ToLower(name)+"@example.org")
	cmd.Dir = r.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	err := cmd.Run()
	took := time.Since(began)
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			r.t.Errorf("%s %v: %v", program, args, err)
			return -1
		}
		code = ee.ExitCode()
	}
	lines := opsyncMessages(strings.Split(stderr.String(), "\n"))
	r.mu.Lock()
	defer r.mu.Unlock()
	if program == "abra" {
		r.exits[code]++
		r.longest = max(r.longest, took)
	}
	r.stderr = append(r.stderr, lines...)
	r.stdout = append(r.stdout, stdout.String())
	if strings.Contains(stderr.String(), "opsync: waiting for another opsync") {
		r.lockWait++
	}
	if strings.Contains(stderr.String(), "opsync: settled a conflict on a version line") {
		r.settled++
	}
	if code != 0 {
		// 75: committed, not pushed (too many lost races); the final
		// opsync sync pushes it. Anything else is worth seeing.
		r.t.Logf("operator %d: %s %s: exit %d\n%s", i, program, strings.Join(args, " "), code, stderr.String())
	}
	return code
}

// generatedSecrets are the values abra printed for secret generate.
func (r *loadRun) generatedSecrets() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.stdout {
		out = append(out, generatedSecret.FindAllString(s, -1)...)
	}
	return out
}

// checkRemote compares the remote's log entries with the commands run:
// each exactly once. It returns how many of the expected entries landed.
func (r *loadRun) checkRemote(expected []string) int {
	t := r.t
	want := map[string]int{}
	for _, e := range expected {
		want[e]++
	}
	got := map[string]int{}
	out := r.git(r.remote, "log", "--no-merges", "--format=%an%x1f%s", "main")
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" || strings.HasSuffix(l, "\x1fseed the operator log") {
			continue
		}
		got[l]++
	}
	landed := 0
	for _, e := range sortedKeys(want) {
		landed += min(got[e], want[e])
		if got[e] != want[e] {
			t.Errorf("entry %q: %d on the remote, want %d", strings.ReplaceAll(e, "\x1f", ": "), got[e], want[e])
		}
	}
	for _, e := range sortedKeys(got) {
		if want[e] == 0 {
			t.Errorf("unexpected entry on the remote: %q ×%d", strings.ReplaceAll(e, "\x1f", ": "), got[e])
		}
	}
	r.fsck(r.remote)
	return landed
}

// checkClones: fsck, no merge or rebase in progress, no index.lock, at
// the remote's commit, env files equal to the remote's, nothing changed.
func (r *loadRun) checkClones(n int) {
	t := r.t
	remoteHead := strings.TrimSpace(r.git(r.remote, "rev-parse", "main"))
	files := strings.Fields(r.git(r.remote, "ls-tree", "-r", "--name-only", "main"))
	for i := 0; i < n; i++ {
		clone := filepath.Join(r.abraDir(i), "servers")
		r.fsck(clone)
		for _, f := range []string{"MERGE_HEAD", "rebase-merge", "rebase-apply", "index.lock", "CHERRY_PICK_HEAD"} {
			if _, err := os.Stat(filepath.Join(clone, ".git", f)); err == nil {
				t.Errorf("operator %d: .git/%s exists", i, f)
			}
		}
		if head := strings.TrimSpace(r.git(clone, "rev-parse", "HEAD")); head != remoteHead {
			t.Errorf("operator %d: HEAD is %s, the remote's main %s", i, head, remoteHead)
		}
		if st := r.git(clone, "status", "--porcelain"); st != "" {
			t.Errorf("operator %d: uncommitted changes:\n%s", i, st)
		}
		for _, f := range files {
			want := r.git(r.remote, "cat-file", "blob", "main:"+f)
			got, err := os.ReadFile(filepath.Join(clone, f))
			if err != nil || string(got) != want {
				t.Errorf("operator %d: %s differs from the remote's (%v):\n%s\nwant:\n%s", i, f, err, got, want)
			}
		}
	}
}

func (r *loadRun) fsck(dir string) {
	cmd := exec.Command("git", "fsck", "--no-dangling", "--no-progress")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		r.t.Errorf("git fsck in %s: %v\n%s", dir, err, out)
	}
}

// git runs git for the harness itself (seeding, checking).
// isAncestor reports whether commit a comes before commit b in the
// remote's history.
func (r *loadRun) isAncestor(a, b string) bool {
	cmd := exec.Command("git", "merge-base", "--is-ancestor", a, b)
	cmd.Dir = r.remote
	cmd.Env = r.env
	return cmd.Run() == nil
}

func (r *loadRun) git(dir string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, r.env...), "GIT_AUTHOR_NAME=Seed", "GIT_AUTHOR_EMAIL=seed@example.org",
		"GIT_COMMITTER_NAME=Seed", "GIT_COMMITTER_EMAIL=seed@example.org")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return string(out)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sortedInts(m map[int]int) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

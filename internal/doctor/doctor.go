// Package doctor checks an operator's set-up: everything opsync needs to
// work, each check with what it found and, when it failed, the fix.
package doctor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/config"
	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/shim"
	"coopcloud.tech/opsync/internal/state"
	"coopcloud.tech/opsync/internal/ui"
)

// Status is a check's outcome.
type Status string

const (
	OK   Status = "ok"
	Warn Status = "warn" // works, but something is worth knowing
	Fail Status = "fail" // opsync cannot do its work until this is fixed
)

// Check is one line of the report; the JSON keys are part of opsync's
// interface.
type Check struct {
	Name       string `json:"name"`
	Status     Status `json:"status"`
	Detail     string `json:"detail"`
	Fix        string `json:"fix"`
	Repository string `json:"repository,omitempty"` // for the checks of one repository
}

// Options are what the checks read.
type Options struct {
	WorkDir string              // where abra.yml is looked for; "" = working directory
	Getenv  func(string) string // nil = os.Getenv
	Self    string              // opsync's own program, to tell it from the real abra
	// RemoteTimeout bounds the reachability check of each remote; 0 means
	// the configured git_timeout.
	RemoteTimeout time.Duration
	GitPath       string
	Now           func() time.Time // nil = time.Now
}

type doctor struct {
	o      Options
	checks []Check
	git    *git.Client
	home   string
}

// Run runs every check.
func Run(ctx context.Context, o Options) []Check {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.WorkDir == "" {
		o.WorkDir, _ = os.Getwd()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	d := &doctor{o: o, home: o.Getenv("HOME"), git: &git.Client{Path: o.GitPath, Timeout: 30 * time.Second}}
	gitOK := d.checkGit(ctx)
	cfg := d.checkConfig()
	if gitOK {
		d.checkIdentity(ctx, cfg)
	}
	d.checkAbra(ctx, cfg)
	d.checkShim()
	if cfg != nil {
		d.checkRepos(ctx, cfg, gitOK)
	}
	return d.checks
}

func (d *doctor) add(c Check) { d.checks = append(d.checks, c) }

func (d *doctor) show(p string) string { return ui.HomePath(p, d.home) }

func (d *doctor) checkGit(ctx context.Context) bool {
	v, err := d.git.Version(ctx)
	switch {
	case errors.Is(err, git.ErrNotInstalled):
		d.add(Check{Name: "git", Status: Fail, Detail: "git is not installed or not on PATH",
			Fix: "install git (Debian/Ubuntu: apt install git; macOS: xcode-select --install)"})
		return false
	case err != nil:
		d.add(Check{Name: "git", Status: Fail, Detail: "cannot run git: " + err.Error(), Fix: "check that `git --version` works"})
		return false
	case !v.AtLeast(git.MinVersion):
		d.add(Check{Name: "git", Status: Fail,
			Detail: fmt.Sprintf("%s is too old: opsync needs %d.%d or later", v.Text, git.MinVersion.Major, git.MinVersion.Minor),
			Fix:    "install a newer git (Debian/Ubuntu: apt install git from a current release or backports)"})
		return false
	}
	d.add(Check{Name: "git", Status: OK, Detail: fmt.Sprintf("%s (opsync needs %d.%d or later)", v.Text, git.MinVersion.Major, git.MinVersion.Minor)})
	return true
}

func (d *doctor) checkConfig() *config.Config {
	cfg, err := config.Load(d.o.WorkDir, d.o.Getenv)
	if err != nil {
		fix := "fix the file"
		var ce *config.Error
		if errors.As(err, &ce) {
			fix = fmt.Sprintf("edit %s", ce.Path)
			if ce.Line > 0 {
				fix += fmt.Sprintf(" at line %d", ce.Line)
			}
			fix += "; the known operator_sync settings are listed in opsync's README"
		}
		d.add(Check{Name: "config", Status: Fail, Detail: err.Error(), Fix: fix})
		return nil
	}
	files := []string{}
	for _, f := range []*config.File{cfg.Project, cfg.User} {
		if f != nil {
			files = append(files, d.show(f.Path))
		}
	}
	read := "no abra.yml found"
	if len(files) > 0 {
		read = "read " + strings.Join(files, " and ")
	}
	abraDir := fmt.Sprintf("abra directory %s (%s)", d.show(cfg.AbraDir), cfg.AbraDirSource)
	if strings.HasPrefix(cfg.AbraDirSource, "default") {
		abraDir = fmt.Sprintf("abra directory %s (the default)", d.show(cfg.AbraDir))
	}
	if !cfg.Sync {
		d.add(Check{Name: "config", Status: Warn,
			Detail: fmt.Sprintf("operator sync is off: no `sync: true` (%s; %s)", read, abraDir),
			Fix:    "run `opsync init` to set it up, or add `sync: true` to " + d.show(cfg.SyncFile())})
		return cfg
	}
	d.add(Check{Name: "config", Status: OK, Detail: fmt.Sprintf("sync: true in %s; %s; %s", d.show(cfg.SyncSource), read, abraDir)})
	return cfg
}

func (d *doctor) checkIdentity(ctx context.Context, cfg *config.Config) {
	c := *d.git
	if cfg != nil {
		if r := d.firstRepo(cfg); r != nil {
			c.Dir = r.WorkTree
		}
	}
	ident, err := c.Ident(ctx)
	if err != nil {
		d.add(Check{Name: "identity", Status: Fail,
			Detail: "git does not know who you are, so no log entry can be committed (modifying abra commands stop before abra runs): " + lastLine(err),
			Fix:    git.IdentityFix})
		return
	}
	d.add(Check{Name: "identity", Status: OK, Detail: ident + " (the author of your log entries)"})
}

func (d *doctor) checkAbra(ctx context.Context, cfg *config.Config) {
	if err := abra.CheckDepth(d.o.Getenv); err != nil {
		d.add(Check{Name: "abra", Status: Fail, Detail: err.Error(), Fix: "set OPSYNC_ABRA to the real abra program"})
		return
	}
	configured := ""
	if cfg != nil {
		configured = cfg.Settings.AbraBin
	}
	p, err := abra.FindReal(d.o.Getenv, configured, d.o.Self)
	if err != nil {
		d.add(Check{Name: "abra", Status: Fail, Detail: err.Error(),
			Fix: "install abra, or set OPSYNC_ABRA=/path/to/abra (or operator_sync: abra_bin)"})
		return
	}
	// Run it with the environment of the last round of a loop: an abra
	// that comes back to opsync makes opsync refuse at once.
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, p, "--version")
	cmd.Env = append(os.Environ(), abra.LoopProbeEnv())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	first := strings.TrimSpace(strings.SplitN(strings.TrimSpace(out.String()), "\n", 2)[0])
	switch {
	case abra.IsLoopMessage(out.String()):
		d.add(Check{Name: "abra", Status: Fail,
			Detail: fmt.Sprintf("%s runs opsync again (a loop): it is a script or link that ends up at the abra shim", d.show(p)),
			Fix:    "point OPSYNC_ABRA (or operator_sync: abra_bin) at the real abra program"})
	case ctx.Err() != nil:
		d.add(Check{Name: "abra", Status: Warn, Detail: fmt.Sprintf("%s --version did not answer within 15s", d.show(p)),
			Fix: "check that `" + p + " --version` works"})
	case err != nil:
		d.add(Check{Name: "abra", Status: Warn, Detail: fmt.Sprintf("%s --version failed (%v): %s", d.show(p), err, first),
			Fix: "check that `" + p + " --version` works"})
	default:
		d.add(Check{Name: "abra", Status: OK, Detail: fmt.Sprintf("%s (%s)", d.show(p), first)})
	}
}

func (d *doctor) checkShim() {
	dir, _ := shim.Dir("", d.o.Getenv)
	r := shim.Inspect(dir, d.o.Self, d.o.Getenv)
	switch {
	case r.Active:
		d.add(Check{Name: "shim", Status: OK, Detail: fmt.Sprintf("`abra` runs opsync (%s)", d.show(r.FirstAbra))})
	case r.FirstAbra == "":
		d.add(Check{Name: "shim", Status: Warn, Detail: "there is no `abra` on PATH",
			Fix: "run `opsync shim install`, or run abra through `opsync run -- …`"})
	default:
		d.add(Check{Name: "shim", Status: Warn,
			Detail: fmt.Sprintf("`abra` runs %s directly, so typing `abra app …` does not sync", d.show(r.FirstAbra)),
			Fix:    "run `opsync shim install` (and follow what it says about PATH), or run abra through `opsync run -- …`"})
	}
}

// repos lists the git repositories that hold server directories (and the
// one servers/ itself is in), sorted: the engine's one discovery.
func (d *doctor) repos(cfg *config.Config) []*engine.Repository {
	eng := engine.New(engine.Options{Dir: d.o.WorkDir, Getenv: d.o.Getenv, GitPath: d.o.GitPath})
	rs, _ := eng.ReposIn(cfg)
	var out []*engine.Repository
	for _, rp := range rs {
		if rp.GitRepo() != nil {
			out = append(out, rp)
		}
	}
	return out
}

func (d *doctor) firstRepo(cfg *config.Config) *git.Repo {
	if rs := d.repos(cfg); len(rs) > 0 {
		return rs[0].GitRepo()
	}
	return nil
}

func (d *doctor) checkRepos(ctx context.Context, cfg *config.Config, gitOK bool) {
	repos := d.repos(cfg)
	serversDir := filepath.Join(cfg.AbraDir, "servers")
	if len(repos) == 0 {
		st := Warn
		if cfg.Sync {
			st = Fail
		}
		d.add(Check{Name: "repository", Status: st,
			Detail: fmt.Sprintf("%s is not in a git repository (nor is any server directory in it), so nothing is synced", d.show(serversDir)),
			Fix:    "run `opsync init` (with --remote URL or --server-remote SERVER to share the log)"})
		return
	}
	for _, rp := range repos {
		r := rp.GitRepo()
		d.checkSettings(rp)
		if !d.checkRepoState(r) || !gitOK {
			d.checkCooldown(r, cfg)
			continue
		}
		d.checkRemote(ctx, r, cfg)
		d.checkHooksAndSigning(ctx, r)
		d.checkMergeDriver(ctx, r)
		d.checkCooldown(r, cfg)
	}
}

func (d *doctor) checkRepoState(r *git.Repo) bool {
	name := d.show(r.WorkTree)
	branch, detached, err := r.Head()
	switch {
	case err != nil:
		d.add(Check{Name: "repository", Repository: name, Status: Fail, Detail: fmt.Sprintf("%s: cannot read HEAD: %v", name, err),
			Fix: "check the repository with `git -C " + r.WorkTree + " status`"})
		return false
	case r.InProgress() != "":
		op, _ := r.Operation()
		d.add(Check{Name: "repository", Repository: name, Status: Fail,
			Detail: fmt.Sprintf("%s is in the middle of a %s, so modifying abra commands stop before they run", name, op.Name),
			Fix:    op.FixIn(r.WorkTree)})
		return false
	case detached:
		d.add(Check{Name: "repository", Repository: name, Status: Fail,
			Detail: fmt.Sprintf("%s has a detached HEAD (at %.12s), so there is no branch to log to", name, branch),
			Fix:    "check out the log's branch: " + git.DetachedHeadFix(r.WorkTree)})
		return false
	}
	d.add(Check{Name: "repository", Repository: name, Status: OK, Detail: fmt.Sprintf("%s, branch %s", name, branch)})
	return true
}

func (d *doctor) checkRemote(ctx context.Context, r *git.Repo, cfg *config.Config) {
	name := d.show(r.WorkTree)
	eng := engine.New(engine.Options{Dir: d.o.WorkDir, Getenv: d.o.Getenv, GitPath: d.o.GitPath})
	remote, ref, err := eng.Upstream(ctx, r, cfg.Settings)
	if err != nil {
		d.add(Check{Name: "remote", Repository: name, Status: Fail, Detail: err.Error(),
			Fix: "set the branch's upstream, or `operator_sync: remote:` in abra.yml, as the message says"})
		return
	}
	if remote == "" {
		d.add(Check{Name: "remote", Repository: name, Status: Warn,
			Detail: fmt.Sprintf("%s has no remote: the log is kept in this repository only", name),
			Fix:    "share it with `opsync init --remote URL` (or --server-remote SERVER)"})
		return
	}
	timeout := d.o.RemoteTimeout
	if timeout <= 0 {
		timeout = cfg.Settings.GitTimeout
	}
	c := &git.Client{Dir: r.WorkTree, Path: d.o.GitPath, Timeout: timeout}
	gcfg, _ := r.LoadConfig(ctx, c)
	where := remote
	if gcfg != nil {
		if u := gcfg.Get("remote." + remote + ".url"); u != "" {
			where = fmt.Sprintf("%s (%s)", remote, ui.RedactURL(u))
			if err := git.CheckRemoteURL(u); err != nil {
				d.add(Check{Name: "remote", Repository: name, Status: Fail,
					Detail: fmt.Sprintf("the URL of %s is not a remote URL: %v", where, err),
					Fix:    fmt.Sprintf("set the remote's URL: `git -C %s remote set-url %s URL`", r.WorkTree, remote)})
				return
			}
		}
	}
	branch := strings.TrimPrefix(ref, "refs/heads/")
	heads, head, err := c.LsRemote(ctx, remote)
	var ge *git.Error
	switch {
	case errors.As(err, &ge) && ge.TimedOut:
		d.add(Check{Name: "remote", Repository: name, Status: Fail,
			Detail: fmt.Sprintf("%s did not answer within %s", where, timeout),
			Fix:    fmt.Sprintf("check your network and the remote's host; try `git -C %s ls-remote %s`", r.WorkTree, remote)})
	case err != nil:
		d.add(Check{Name: "remote", Repository: name, Status: Fail,
			Detail: fmt.Sprintf("%s cannot be reached: %s", where, strings.TrimSpace(git.StderrOf(err)+"\n"+errText(err))),
			Fix:    git.ConnectAdvice(git.StderrOf(err), "The remote") + " Until then, --no-operator-sync runs abra without syncing."})
	default:
		if _, ok := heads[branch]; !ok {
			d.add(Check{Name: "remote", Repository: name, Status: OK,
				Detail: fmt.Sprintf("%s answers; it has no branch %s yet (the next push creates it)", where, ui.Escape(branch))})
		} else {
			d.add(Check{Name: "remote", Repository: name, Status: OK, Detail: fmt.Sprintf("%s answers; syncing with %s/%s", where, remote, ui.Escape(branch))})
		}
		d.checkOneLog(ctx, c, r, remote, branch, heads, head)
	}
}

// checkOneLog makes sure the team has one log: the remote's HEAD names the
// branch this repository logs to (a teammate's clone checks out the
// remote's HEAD), no other branch of the remote carries log entries this
// one lacks (operators logging to two branches never see each other's
// entries), and this branch shares history with the remote's.
func (d *doctor) checkOneLog(ctx context.Context, c *git.Client, r *git.Repo, remote, branch string, heads map[string]string, head string) {
	name := d.show(r.WorkTree)
	var others []string
	for b := range heads {
		if b != branch {
			others = append(others, b)
		}
	}
	if len(others) > 0 {
		// What the other branches hold: fetch them (remote-tracking refs
		// only; nothing of the operator's changes).
		if err := c.FetchRefspec(ctx, remote, "+refs/heads/*:refs/remotes/"+remote+"/*"); err != nil {
			d.add(Check{Name: "one log", Repository: name, Status: Warn,
				Detail: fmt.Sprintf("the remote has %d other branches, and fetching them to look for log entries failed: %s", len(others), lastLine(err)),
				Fix:    fmt.Sprintf("try `git -C %s fetch %s`", r.WorkTree, remote)})
			return
		}
	}
	if hc, _ := r.HeadCommit(); hc == "" {
		return
	}
	split, err := c.EntriesElsewhere(ctx, remote, others)
	if err != nil {
		d.add(Check{Name: "one log", Repository: name, Status: Warn, Detail: "cannot compare the remote's branches: " + lastLine(err)})
		return
	}
	local, _, _ := r.Head()
	target := branch // the branch the log should live on
	if _, ok := heads[head]; ok {
		target = head
	}
	if len(split) > 0 {
		var parts []string
		for _, be := range split {
			parts = append(parts, fmt.Sprintf("%s/%s has %d log entr%s that %s lacks", remote, ui.Escape(be.Branch), be.Entries, pluralY(be.Entries), ui.Escape(branch)))
		}
		fix := fmt.Sprintf("join them on %s/%s, the branch the remote's HEAD names: ", remote, ui.Escape(target))
		if target == branch {
			fix += fmt.Sprintf("merge each other branch into yours (`git -C %s merge --no-edit --allow-unrelated-histories %s/OTHER`), `opsync sync`, "+
				"then delete it on the remote (`git -C %s push %s --delete OTHER`); every operator who logged there runs "+
				"`git -C DIR branch -u %s/%s` and `opsync sync`", r.WorkTree, remote, r.WorkTree, remote, remote, ui.Escape(target))
		} else {
			fix += fmt.Sprintf("`git -C %s merge --no-edit --allow-unrelated-histories %s/%s`, `git -C %s push %s HEAD:%s`, "+
				"`git -C %s branch -u %s/%s`, `opsync sync`; then delete %s on the remote (`git -C %s push %s --delete %s`) and have "+
				"every operator who logged there track %s/%s too", r.WorkTree, remote, ui.Escape(target), r.WorkTree, remote, ui.Escape(target),
				r.WorkTree, remote, ui.Escape(target), ui.Escape(branch), r.WorkTree, remote, ui.Escape(branch), remote, ui.Escape(target))
		}
		d.add(Check{Name: "one log", Repository: name, Status: Fail,
			Detail: "the team log is split over branches of " + remote + ": " + strings.Join(parts, "; ") +
				", so the operators on each see only their own entries",
			Fix: fix})
		return
	}
	if rc := heads[branch]; rc != "" {
		if related, err := c.Related(ctx, "HEAD", "refs/remotes/"+remote+"/"+branch); err == nil && !related {
			d.add(Check{Name: "one log", Repository: name, Status: Fail,
				Detail: fmt.Sprintf("this branch (%s) and %s/%s share no history: a log was started here beside the team's", ui.Escape(local), remote, ui.Escape(branch)),
				Fix: fmt.Sprintf("merge the team's into it: `git -C %s merge --no-edit --allow-unrelated-histories %s/%s`, then `opsync sync`",
					r.WorkTree, remote, ui.Escape(branch))})
			return
		}
	}
	switch {
	case head == "" || head == branch:
	case heads[head] == "":
		d.add(Check{Name: "one log", Repository: name, Status: Warn,
			Detail: fmt.Sprintf("the remote's HEAD names %s, a branch it does not have: a teammate's plain `git clone` checks out nothing "+
				"(`opsync init` finds the log on %s all the same)", ui.Escape(head), ui.Escape(branch)),
			Fix: fmt.Sprintf("make %s the remote's default branch: on a forge in the repository's settings, on a server of your own "+
				"`git --git-dir=PATH symbolic-ref HEAD refs/heads/%s`", ui.Escape(branch), ui.Escape(branch))})
	default:
		d.add(Check{Name: "one log", Repository: name, Status: Warn,
			Detail: fmt.Sprintf("the remote's HEAD names %s, but the log is on %s: a teammate's `git clone` gets the wrong branch", ui.Escape(head), ui.Escape(branch)),
			Fix: fmt.Sprintf("make %s the remote's default branch: on a forge in the repository's settings, on a server of your own "+
				"`git --git-dir=PATH symbolic-ref HEAD refs/heads/%s`", ui.Escape(branch), ui.Escape(branch))})
	}
}

func pluralY(n int) string {
	if n == 1 {
		return "y"
	}
	return "ies"
}

// lastLine is the last line of git's stderr in err ("fatal: …"), or the
// error itself.
func lastLine(err error) string {
	lines := strings.Split(strings.TrimSpace(git.StderrOf(err)), "\n")
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return l
	}
	return err.Error()
}

// errText is a git error without its stderr (which is shown separately).
func errText(err error) string {
	var ge *git.Error
	if errors.As(err, &ge) {
		if ge.Stderr != "" {
			return ""
		}
	}
	return err.Error()
}

// hooksRun are the hooks a log entry (commit, push, and the pull's merge)
// runs.
var hooksRun = []string{"pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "pre-merge-commit", "post-merge", "pre-push"}

func (d *doctor) checkHooksAndSigning(ctx context.Context, r *git.Repo) {
	name := d.show(r.WorkTree)
	c := &git.Client{Dir: r.WorkTree, Path: d.o.GitPath, Timeout: 30 * time.Second}
	hooksDir, err := c.HooksDir(ctx)
	if err == nil && !filepath.IsAbs(hooksDir) {
		hooksDir = filepath.Join(r.WorkTree, hooksDir)
	}
	var active []string
	for _, h := range hooksRun {
		if fi, err := os.Stat(filepath.Join(hooksDir, h)); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			active = append(active, h)
		}
	}
	if len(active) == 0 {
		d.add(Check{Name: "hooks", Repository: name, Status: OK, Detail: "no git hooks run on log entries"})
	} else {
		d.add(Check{Name: "hooks", Repository: name, Status: OK,
			Detail: fmt.Sprintf("%s run on every log entry (from %s); if one fails, the entry is not committed or pushed, and opsync says so",
				strings.Join(active, ", "), d.show(hooksDir))})
	}
	signed, format := c.SigningConfig(ctx)
	if !signed {
		d.add(Check{Name: "signing", Repository: name, Status: OK, Detail: "log entries are not signed (commit.gpgsign is off)"})
		return
	}
	d.checkSigning(ctx, c, name, format)
}

// checkMergeDriver looks at the env merge driver recorded for hand-typed
// pulls: recorded by name, with opsync on PATH to run it.
func (d *doctor) checkMergeDriver(ctx context.Context, r *git.Repo) {
	name := d.show(r.WorkTree)
	c := &git.Client{Dir: r.WorkTree, Path: d.o.GitPath}
	gcfg, err := r.LoadConfig(ctx, c)
	if err != nil {
		return
	}
	driver := gcfg.Get("merge." + engine.MergeDriverName + ".driver")
	fix := fmt.Sprintf("run `opsync init %s` again: it records the driver by name (your files and history are left as they are)", r.WorkTree)
	switch {
	case driver == "":
		d.add(Check{Name: "env merge", Repository: name, Status: OK,
			Detail: "opsync's pulls merge env files by key; a `git pull` you type merges them line by line (`opsync init` records the driver for those too)"})
	case !engine.RecordedByName(driver):
		d.add(Check{Name: "env merge", Repository: name, Status: Warn,
			Detail: "the env merge driver is recorded as `" + driver + "` (by path, as an older opsync did): once opsync moves, " +
				"a `git pull` you type keeps your side of a conflicting env file without conflict markers, and a teammate's change is lost",
			Fix: fix})
	default:
		if _, err := exec.LookPath("opsync"); err != nil {
			d.add(Check{Name: "env merge", Repository: name, Status: Warn,
				Detail: "no opsync on PATH: a `git pull` you type merges env files with git's own line merge (conflict markers where both sides changed)",
				Fix:    "put the directory holding opsync on PATH"})
			return
		}
		d.add(Check{Name: "env merge", Repository: name, Status: OK,
			Detail: "a `git pull` you type merges env files by key (opsync merge-driver, found on PATH)"})
	}
}

func (d *doctor) checkCooldown(r *git.Repo, cfg *config.Config) {
	name := d.show(r.WorkTree)
	s, err := state.Load(r.OpsyncDir())
	if err != nil {
		file := filepath.Join(r.OpsyncDir(), state.FileName)
		d.add(Check{Name: "cooldown", Repository: name, Status: Fail,
			Detail: "cannot read opsync's state: " + err.Error(),
			Fix:    fmt.Sprintf("remove the file (opsync writes a new one at the next pull): rm %s", file)})
		return
	}
	cd := cfg.Settings.Cooldown
	switch {
	case s.LastPull.IsZero():
		d.add(Check{Name: "cooldown", Repository: name, Status: OK, Detail: fmt.Sprintf("no pull recorded yet (cooldown %s)", cd)})
	default:
		now := d.o.Now()
		ago := now.Sub(s.LastPull).Round(time.Second)
		left := s.CooldownLeft(now, cd).Round(time.Second)
		detail := fmt.Sprintf("last pull %s ago; cooldown %s", ago, cd)
		if left > 0 {
			detail += fmt.Sprintf(", read-only commands skip the pull for %s more", left)
		}
		d.add(Check{Name: "cooldown", Repository: name, Status: OK, Detail: detail})
	}
}

// Failed reports whether any check failed.
func Failed(checks []Check) bool {
	for _, c := range checks {
		if c.Status == Fail {
			return true
		}
	}
	return false
}

// checkSettings reports the repository's team file and the settings that
// are not the defaults, each with where it comes from.
func (d *doctor) checkSettings(rp *engine.Repository) {
	name := d.show(rp.Path)
	if rp.TeamErr != nil {
		d.add(Check{Name: "settings", Repository: name, Status: Fail,
			Detail: "the team's settings cannot be read, so commands that log here refuse to run: " + rp.TeamErr.Error(),
			Fix:    "fix the file, commit and push the fix (it is the team's)"})
		return
	}
	var set, notes []string
	for _, s := range rp.Settings() {
		if s.From != "default" {
			set = append(set, fmt.Sprintf("%s %s (%s)", s.Key, s.Value, s.From))
		}
		if s.Note != "" {
			notes = append(notes, s.Note)
		}
	}
	team := "no team file (" + config.TeamFileName + ")"
	if t := rp.TeamFile(); t != nil {
		team = "team file " + d.show(t.Path)
	}
	detail := team + "; all settings are the defaults"
	if len(set) > 0 {
		detail = team + "; " + strings.Join(set, ", ")
	}
	if len(notes) > 0 {
		d.add(Check{Name: "settings", Repository: name, Status: Warn, Detail: detail + "; " + strings.Join(notes, "; "),
			Fix: "remove the setting from your abra.yml, or agree a change of the team file"})
		return
	}
	d.add(Check{Name: "settings", Repository: name, Status: OK, Detail: detail})
}

// Package setup is `opsync init`: it takes an operator from nothing to
// syncing. It makes the servers directory a git repository (or uses the one
// it is in: an existing history is never re-initialised or rewritten),
// connects it to a remote — cloning, adopting or pushing depending on which
// side has history — makes the first commit, pushes with the upstream set,
// and writes `sync: true` into the abra.yml abra reads. Each step is done
// only when it is not done already, so running it again changes nothing
// and says so; and when a step fails, running it again after the fix picks
// up where it stopped. `sync: true` is written last, so that opsync never
// starts syncing a half set-up repository.
package setup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/config"
	"coopcloud.tech/opsync/internal/git"
	"coopcloud.tech/opsync/internal/servers"
	"coopcloud.tech/opsync/internal/shim"
	"coopcloud.tech/opsync/internal/sshremote"
	"coopcloud.tech/opsync/internal/ui"
)

// Options are init's inputs.
type Options struct {
	Dir          string // the directory to sync; "" = $ABRA_DIR/servers
	WorkDir      string // where abra.yml is looked for; "" = the working directory
	Remote       string // --remote URL
	ServerRemote string // --server-remote SERVER
	Getenv       func(string) string
	Stderr       io.Writer
	// Interactive: a person is at a terminal, so ssh and git may ask for a
	// passphrase, a host key or a password.
	Interactive bool
	GitPath     string
	// RecordMergeDriver, when set, records opsync's env-aware merge driver
	// in the work tree (.gitattributes and the local git config) and
	// reports whether .gitattributes changed.
	RecordMergeDriver func(ctx context.Context, workTree string) (bool, error)
	// TeamLease writes the team file with lease: true (--team-lease).
	TeamLease bool
}

// Error is a refusal or failure with the message the operator reads.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func refuse(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// run is one opsync init.
type run struct {
	o       Options
	cfg     *config.Config
	dir     string // the directory to sync, absolute
	top     string // its repository's work tree ("" before there is one)
	name    string // the remote's name
	url     string // the remote's URL ("" = no remote: a local log)
	git     *git.Client
	home    string
	changed []string
}

// Init sets up operator sync.
func Init(ctx context.Context, o Options) error {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.WorkDir == "" {
		o.WorkDir, _ = os.Getwd()
	}
	if o.Remote != "" && o.ServerRemote != "" {
		return refuse("give either --remote URL or --server-remote SERVER, not both")
	}
	if o.Remote != "" {
		if err := git.CheckRemoteURL(o.Remote); err != nil {
			return refuse("refusing --remote %s: %v. Give the remote as git takes it: https://host/team/servers.git, "+
				"ssh://user@host/path, user@host:path or a directory", ui.RedactURL(o.Remote), err)
		}
	}
	cfg, err := config.Load(o.WorkDir, o.Getenv)
	if err != nil {
		return err
	}
	r := &run{o: o, cfg: cfg, home: o.Getenv("HOME"), name: cfg.Settings.Remote}
	if r.name == "" {
		r.name = "origin"
	}
	r.dir = o.Dir
	if r.dir == "" {
		r.dir = filepath.Join(cfg.AbraDir, "servers")
	} else if !filepath.IsAbs(r.dir) {
		r.dir = filepath.Join(o.WorkDir, r.dir)
	}
	r.dir = filepath.Clean(r.dir)
	timeout := cfg.Settings.GitTimeout
	var env []string
	if o.Interactive {
		// git may ask for a forge password on the terminal; give the
		// person time to answer.
		env = []string{"GIT_TERMINAL_PROMPT=1"}
		timeout = max(timeout, 5*time.Minute)
	}
	r.git = &git.Client{Path: o.GitPath, Timeout: timeout, Env: env}
	return r.redact(r.init(ctx))
}

// redact removes the credentials given in a remote URL (a token as the
// user name, user:password) from an error, which may quote the git command
// line that failed or git's messages.
func (r *run) redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	red := ui.RedactURLs(msg)
	for _, secret := range ui.URLSecrets(r.url) {
		if len(secret) >= 4 { // a short user name ("a") would mangle the message
			red = strings.ReplaceAll(red, secret, ui.Redacted)
		}
	}
	if red == msg {
		return err
	}
	return &Error{Msg: red}
}

func (r *run) init(ctx context.Context) error {
	if err := r.checkGit(ctx); err != nil {
		return err
	}
	if fi, err := os.Stat(r.dir); err == nil && !fi.IsDir() {
		return refuse("%s is a file, not a directory; give the directory that holds your server directories", r.show(r.dir))
	}
	r.noteIfAbraReadsElsewhere()
	repo, err := r.findRepo()
	if err != nil {
		return err
	}
	if err := r.checkIdentity(ctx, repo); err != nil {
		return err
	}
	var d sshremote.Destination
	r.url = r.o.Remote
	if r.o.ServerRemote != "" {
		if d, err = sshremote.ParseDestination(r.o.ServerRemote); err != nil {
			return &Error{Msg: err.Error()}
		}
		path := r.o.Getenv(sshremote.RepoPathVar)
		if path == "" {
			path = sshremote.DefaultRepoPath
		}
		r.url = d.RemoteURL(path)
	}
	if repo != nil {
		// Before anything changes (on the server too): a remote that is
		// already there with another URL stays as it is.
		if err := r.checkRemoteURL(ctx, repo); err != nil {
			return err
		}
	}
	if r.o.ServerRemote != "" {
		if err := r.ensureServerRepo(ctx, d, repo); err != nil {
			return err
		}
	}
	if repo == nil {
		err = r.newRepo(ctx)
	} else {
		err = r.existingRepo(ctx, repo)
	}
	if err != nil {
		return err
	}
	if err := r.recordMergeDriver(ctx); err != nil {
		return err
	}
	if repo != nil {
		r.noteUncommitted(ctx)
	}
	return r.enableSync()
}

// recordMergeDriver sets up opsync's env-aware merge driver for the pulls
// an operator types by hand (opsync's own pulls need no set-up): the
// .gitattributes line is committed and pushed, so every clone gets it; the
// driver's command goes into this clone's own git config, never the global
// one. Run again, it changes nothing.
//
// The server directories' placeholders (servers.WritePlaceholder) go into
// the same commit, so that a server directory with no app is shared too.
func (r *run) recordMergeDriver(ctx context.Context) error {
	changed, err := r.installMergeDriver(ctx)
	if err != nil {
		return err
	}
	keep, err := r.keepServerDirs()
	if err != nil {
		return err
	}
	var paths []string
	if changed {
		paths = append(paths, ".gitattributes")
	}
	paths = append(paths, keep...)
	team, err := r.teamLease()
	if err != nil {
		return err
	}
	if len(paths) == 0 && !team {
		return nil
	}
	if len(paths) == 0 {
		return r.pushSetup(ctx)
	}
	if err := r.git.Add(ctx, paths...); err != nil {
		return refuse("cannot stage %s in %s: %v", strings.Join(paths, ", "), r.show(r.top), err)
	}
	message := "Merge env files by key with opsync's merge driver (opsync init)"
	if !changed {
		message = "Keep every server directory in the log, with or without apps (opsync init)"
	}
	if err := r.git.CommitPathsQuietly(ctx, message, paths); err != nil {
		return refuse("cannot commit %s in %s; they stay staged:\n%v", strings.Join(paths, ", "), r.show(r.top), err)
	}
	if changed {
		r.did("recorded opsync's merge driver for *.env in %s (.gitattributes, committed) and in its git config", r.show(r.top))
	}
	if len(keep) > 0 {
		what := "1 server directory"
		if len(keep) > 1 {
			what = fmt.Sprintf("%d server directories", len(keep))
		}
		r.did("kept %s in the log even without apps (%s/%s, committed): git keeps no empty directories", what,
			servers.PlaceholderDir, servers.PlaceholderFile)
	}
	return r.pushSetup(ctx)
}

// teamLease writes and commits the team file with lease: true (opsync
// init --team-lease): every operator's modifying commands then lease their
// app. It reports whether it committed something.
func (r *run) teamLease() (bool, error) {
	if !r.o.TeamLease || r.top == "" {
		return false, nil
	}
	path := filepath.Join(r.top, config.TeamFileName)
	t, err := config.ReadTeamFile(r.top)
	if err != nil {
		return false, refuse("%v\nFix the team file first (it is the team's: commit and push the fix), then run opsync init --team-lease again", err)
	}
	old, _ := os.ReadFile(path)
	switch {
	case t != nil && (&config.Config{}).WithTeam(t).Lease:
		r.did("leasing is on for the team already (%s)", r.show(path))
		return false, nil
	case t != nil && t.Sets("lease"):
		return false, refuse("%s sets lease: false for the team; change it to lease: true (and commit it), or leave --team-lease out", r.show(path))
	}
	content := string(old)
	if content == "" {
		content = "# The team's operator sync settings: every operator's defaults (see opsync's README,\n# \"The team's settings\"). Written by opsync init --team-lease.\n"
	} else if !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	content += "lease: true\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return false, refuse("cannot write %s: %v", r.show(path), err)
	}
	ctx := context.Background()
	if err := r.git.Add(ctx, config.TeamFileName); err != nil {
		return false, refuse("cannot stage %s: %v", r.show(path), err)
	}
	if err := r.git.CommitPathsQuietly(ctx, "Team settings: every modifying command leases its app first (opsync init --team-lease)", []string{config.TeamFileName}); err != nil {
		return false, refuse("cannot commit %s; it stays staged:\n%v", r.show(path), err)
	}
	r.did("turned leasing on for the whole team (%s, committed): every operator's modifying commands now lease their app", r.show(path))
	return true, nil
}

// pushSetup pushes what init committed, when the branch tracks the remote.
func (r *run) pushSetup(ctx context.Context) error {
	if r.url == "" {
		return nil
	}
	up, err := r.git.UpstreamName(ctx)
	if err != nil {
		return nil // no upstream (yet): the next synced command pushes it
	}
	rb, ok := strings.CutPrefix(strings.TrimSpace(up), r.name+"/")
	if !ok {
		return nil // tracks another remote: leave its push to the operator
	}
	if err := r.git.PushRefspec(ctx, r.name, "HEAD:refs/heads/"+rb, false); err != nil {
		r.say("warning: the commit was not pushed (%v); the next synced command pushes it", err)
	}
	return nil
}

// checkGit makes sure git is there and recent enough.
func (r *run) checkGit(ctx context.Context) error {
	v, err := r.git.Version(ctx)
	if err != nil {
		if errors.Is(err, git.ErrNotInstalled) {
			return &Error{Msg: err.Error()}
		}
		return refuse("cannot run git: %v", err)
	}
	if !v.AtLeast(git.MinVersion) {
		return refuse("git %s is too old for opsync, which needs %d.%d or later (%s). Install a newer git and run opsync init again",
			v, git.MinVersion.Major, git.MinVersion.Minor, v.Text)
	}
	return nil
}

// checkIdentity: the first commit needs the operator's git identity, and
// so does every log entry later. Better to stop before anything changed.
func (r *run) checkIdentity(ctx context.Context, repo *git.Repo) error {
	c := *r.git
	if repo != nil {
		c.Dir = repo.WorkTree
	}
	if _, err := c.Ident(ctx); err != nil {
		return refuse("git does not know who you are, and every opsync log entry is a commit authored by you. "+
			"Set your name and email once, `"+git.IdentityFix+"`, then run opsync init again:\n%v", err)
	}
	return nil
}

// noteIfAbraReadsElsewhere warns when DIR is not where abra keeps the app
// env files: opsync syncs what abra reads, $ABRA_DIR/servers.
func (r *run) noteIfAbraReadsElsewhere() {
	servers := filepath.Join(r.cfg.AbraDir, "servers")
	a, b := realPath(servers), realPath(r.dir)
	if a == b || within(b, a) || within(a, b) {
		return
	}
	ui.Say(r.o.Stderr, fmt.Sprintf("warning: abra reads the app env files from %s, not from %s, so opsync will not sync %s "+
		"unless %s is linked to it (ln -s %s %s)", r.show(servers), r.show(r.dir), r.show(r.dir), r.show(servers), r.dir, servers))
}

func realPath(p string) string {
	if rp, err := filepath.EvalSymlinks(p); err == nil {
		return rp
	}
	return filepath.Clean(p)
}

func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// findRepo returns the work tree DIR is in, nil when there is none (or DIR
// does not exist yet).
func (r *run) findRepo() (*git.Repo, error) {
	rp, err := filepath.EvalSymlinks(r.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, refuse("cannot read %s: %v", r.show(r.dir), err)
	}
	repo, err := git.FindRepo(rp)
	if errors.Is(err, git.ErrNotRepo) {
		return nil, nil
	}
	if err != nil {
		return nil, refuse("cannot read the git repository around %s: %v", r.show(r.dir), err)
	}
	return repo, nil
}

// ensureServerRepo creates (or finds) the bare repository on the server.
func (r *run) ensureServerRepo(ctx context.Context, d sshremote.Destination, repo *git.Repo) error {
	branch := "main"
	if repo != nil {
		if b, detached, err := repo.Head(); err == nil && !detached {
			branch = b
		}
	}
	coreSSH := r.git.SSHCommandConfig(ctx)
	c := &sshremote.Client{
		SSH:         sshremote.SSHCommand(r.o.Getenv, strings.TrimSpace(coreSSH)),
		Interactive: r.o.Interactive,
		Timeout:     r.git.Timeout,
	}
	res, err := c.Ensure(ctx, d, sshPath(r.o.Getenv), branch)
	if err != nil {
		return &Error{Msg: err.Error()}
	}
	switch res.State {
	case sshremote.Created:
		r.did("created the bare repository %s on %s (%s)", res.Path, d, res.GitVersion)
	case sshremote.ExistsEmpty:
		r.say("the repository %s on %s exists and has no history yet: using it", res.Path, d)
	default:
		r.say("the repository %s on %s exists: using it and its history", res.Path, d)
	}
	return nil
}

func sshPath(getenv func(string) string) string {
	if p := getenv(sshremote.RepoPathVar); p != "" {
		return p
	}
	return sshremote.DefaultRepoPath
}

// newRepo sets up a directory that is in no repository yet.
func (r *run) newRepo(ctx context.Context) error {
	if r.url == "" {
		if err := r.gitInit(ctx, "main"); err != nil {
			return err
		}
		if err := r.firstCommit(ctx, "Start the operator log (opsync init)"); err != nil {
			return err
		}
		r.say("no remote was given, so the operator log is kept in this repository only; " +
			"share it later with `opsync init --remote URL` (or --server-remote SERVER)")
		return nil
	}
	rs, err := r.lsRemote(ctx)
	if err != nil {
		return err
	}
	switch {
	case len(rs.heads) == 0:
		// The branch the remote's HEAD already names (a plain `git init
		// --bare` says master unless init.defaultBranch says otherwise on
		// the server): pushing it makes the remote's HEAD resolve, so every
		// teammate's clone checks out the log.
		branch := r.unbornHead(ctx, "main")
		if err := r.gitInit(ctx, branch); err != nil {
			return err
		}
		if err := r.addRemote(ctx); err != nil {
			return err
		}
		if err := r.firstCommit(ctx, "Start the operator log (opsync init)"); err != nil {
			return err
		}
		return r.firstPush(ctx, branch, branch)
	case isEmptyDir(r.dir):
		return r.clone(ctx, rs)
	}
	return r.adopt(ctx, rs, true, "")
}

// existingRepo connects a repository that is already there, leaving its
// history as it is.
func (r *run) existingRepo(ctx context.Context, repo *git.Repo) error {
	r.top = repo.WorkTree
	r.git.Dir = repo.WorkTree
	if realPath(r.dir) != repo.WorkTree {
		r.say("%s is inside the git work tree %s: using that repository", r.show(r.dir), r.show(repo.WorkTree))
	}
	if op, ok := repo.Operation(); ok {
		how := fmt.Sprintf("Finish it (or abort it with `%s`)", git.InWorkTree(repo.WorkTree, op.Abort))
		if op.Continue == "" { // a bisect: nothing to finish
			how = fmt.Sprintf("End it (`%s`)", git.InWorkTree(repo.WorkTree, op.Abort))
		}
		return refuse("%s is in the middle of a %s; opsync init will not touch it. %s, then run opsync init again",
			r.show(repo.WorkTree), op.Name, how)
	}
	branch, detached, err := repo.Head()
	if err != nil {
		return refuse("cannot read HEAD of %s: %v", r.show(repo.WorkTree), err)
	}
	if detached {
		return refuse("%s has a detached HEAD (at %.12s); check out the branch the operator log lives on (e.g. `%s`), then run opsync init again",
			r.show(repo.WorkTree), branch, git.DetachedHeadFix(repo.WorkTree))
	}
	head, err := repo.HeadCommit()
	if err != nil {
		return refuse("cannot read HEAD of %s: %v", r.show(repo.WorkTree), err)
	}
	if r.url == "" {
		if head == "" {
			return r.firstCommit(ctx, "Start the operator log (opsync init)")
		}
		return nil
	}
	gcfg, err := repo.LoadConfig(ctx, r.git)
	if err != nil {
		return refuse("cannot read the git config of %s: %v", r.show(repo.WorkTree), err)
	}
	if gcfg.Get("remote."+r.name+".url") == "" {
		if err := r.addRemote(ctx); err != nil {
			return err
		}
	}
	rs, err := r.lsRemote(ctx)
	if err != nil {
		return err
	}
	if head == "" {
		if len(rs.heads) > 0 {
			return r.adopt(ctx, rs, false, branch)
		}
		// No commit here and none there: take the branch name the remote's
		// HEAD names, so that the first push makes it resolve.
		if rb := r.unbornHead(ctx, branch); rb != branch {
			if err := r.git.SetHeadBranch(ctx, rb); err != nil {
				return refuse("cannot set the branch of %s: %v", r.show(r.top), err)
			}
			r.did("named the branch of %s %s, as the remote's HEAD does", r.show(r.top), rb)
			branch = rb
		}
		if err := r.firstCommit(ctx, "Start the operator log (opsync init)"); err != nil {
			return err
		}
		return r.firstPush(ctx, branch, branch)
	}
	// Which branch of the remote: the upstream if it is this remote's, else
	// the same name, else the remote's default branch; on an empty remote,
	// the branch its HEAD names.
	rb := branch
	upRemote, upMerge := gcfg.Upstream(branch)
	switch {
	case upRemote == r.name && upMerge != "":
		rb = strings.TrimPrefix(upMerge, "refs/heads/")
	case len(rs.heads) == 0:
		rb = r.unbornHead(ctx, branch)
	default:
		if _, ok := rs.heads[rb]; !ok {
			if rb, err = rs.defaultBranch(r.redactedURL()); err != nil {
				return err
			}
		}
	}
	remoteHead, ok := rs.heads[rb]
	if !ok {
		if len(rs.heads) == 0 {
			return r.firstPush(ctx, branch, rb)
		}
		return r.push(ctx, branch, rb)
	}
	if err := r.fetch(ctx, rb); err != nil {
		return err
	}
	switch {
	case remoteHead == head:
	case r.isAncestor(ctx, remoteHead, head):
		return r.push(ctx, branch, rb)
	case r.isAncestor(ctx, head, remoteHead):
		if err := r.git.MergeFastForward(ctx, r.name+"/"+rb); err != nil {
			return refuse("%s is behind %s/%s, and fast-forwarding it failed; nothing was changed:\n%v\n"+
				"Commit or move aside the local changes git names, then run opsync init again", r.show(r.top), r.name, rb, err)
		}
		r.did("fast-forwarded %s to %s/%s", branch, r.name, rb)
	case r.related(ctx, head, remoteHead):
		// Diverged, not unrelated: what opsync sync (a pull, with the env
		// merge) is for.
		return refuse("%s (branch %s) and %s/%s have each moved on since they parted; opsync init changed nothing. "+
			"Merge them with `opsync sync` (a pull, env files merged by key, then a push), then run opsync init again",
			r.show(r.top), branch, r.name, rb)
	default:
		return refuse("both %s (branch %s) and %s (branch %s) have history, and neither contains the other, so opsync init "+
			"will not choose between them. To combine them, merge by hand:\n"+
			"    git -C %s pull --no-rebase --allow-unrelated-histories %s %s\n"+
			"resolve any conflicts and commit, then run opsync init again",
			r.show(r.top), branch, r.redactedURL(), rb, r.top, r.name, rb)
	}
	return r.setUpstream(ctx, gcfg, branch, rb)
}

// noteUncommitted mentions changes init leaves alone in a repository that
// already had history: opsync commits only the env files it logs.
func (r *run) noteUncommitted(ctx context.Context) {
	st, err := r.git.Status(ctx)
	if err != nil || len(st.Entries) == 0 {
		return
	}
	var paths []string
	for _, e := range st.Entries {
		paths = append(paths, e.Path+" ("+e.Describe()+")")
	}
	r.say("note: %s has uncommitted changes that opsync init leaves as they are (opsync commits only the env file of "+
		"each app it logs); commit them yourself if they belong in the shared log:\n%s", r.show(r.top), listPaths(paths))
}

// checkRemoteURL refuses to change a remote that is already configured
// with another URL; without --remote/--server-remote, the configured one
// is used.
func (r *run) checkRemoteURL(ctx context.Context, repo *git.Repo) error {
	c := *r.git
	c.Dir = repo.WorkTree
	gcfg, err := repo.LoadConfig(ctx, &c)
	if err != nil {
		return refuse("cannot read the git config of %s: %v", r.show(repo.WorkTree), err)
	}
	existing := gcfg.Get("remote." + r.name + ".url")
	if r.url == "" {
		if existing != "" {
			if err := git.CheckRemoteURL(existing); err != nil {
				return refuse("the remote %s of %s has the URL %s: %v. Set a proper one with `git -C %s remote set-url %s URL`, "+
					"then run opsync init again", r.name, r.show(repo.WorkTree), ui.RedactURL(existing), err, repo.WorkTree, r.name)
			}
			r.url = existing
			return nil
		}
		// No remote of that name: one the branch tracks, or the only one.
		branch, _, _ := repo.Head()
		if up, _ := gcfg.Upstream(branch); up != "" && up != "." {
			r.name, r.url = up, gcfg.Get("remote."+up+".url")
			return nil
		}
		switch remotes := gcfg.Remotes(); len(remotes) {
		case 0:
		case 1:
			r.name, r.url = remotes[0], gcfg.Get("remote."+remotes[0]+".url")
		default:
			return refuse("%s has several remotes (%s) and its branch tracks none of them, so opsync init cannot tell which "+
				"one holds the operator log. Name it: opsync init --remote URL (it becomes %s), or set `operator_sync: remote: NAME` in %s",
				r.show(repo.WorkTree), strings.Join(remotes, ", "), r.name, r.show(r.cfg.SyncFile()))
		}
		return nil
	}
	if existing != "" && !sameURL(existing, r.url) {
		return refuse("the remote %s of %s is %s, not %s; opsync init does not change an existing remote. "+
			"To switch it: `git -C %s remote set-url %s NEW-URL`, then run opsync init again; "+
			"or run opsync init without --remote/--server-remote to keep the current one",
			r.name, r.show(repo.WorkTree), ui.RedactURL(existing), r.redactedURL(), repo.WorkTree, r.name)
	}
	return nil
}

func sameURL(a, b string) bool {
	return strings.TrimRight(a, "/") == strings.TrimRight(b, "/")
}

// adopt connects a directory that already has files (and no history of
// its own) to a remote that has history: a second operator who has some of
// the env files already. Files that are the same on both sides are kept,
// files only the remote has are checked out, files only here are committed
// on top; a file that differs stops everything, and the directory is left
// as it was.
func (r *run) adopt(ctx context.Context, rs *remoteState, created bool, branch string) error {
	rb, err := rs.defaultBranch(r.redactedURL())
	if err != nil {
		return err
	}
	if created {
		// Quietly: if the files turn out to differ, this repository is
		// removed again and nothing was set up.
		branch = rb
		if err := r.initQuietly(ctx, branch); err != nil {
			return err
		}
		if err := r.addRemoteQuietly(ctx); err != nil {
			return r.undoAdopt(ctx, created, err)
		}
	} else {
		staged, err := r.git.IndexFiles(ctx)
		if err != nil {
			return refuse("cannot list the files staged in %s: %v", r.show(r.top), err)
		}
		if len(staged) > 0 {
			return refuse("%s has no commit yet but has staged files, and %s already has history; opsync init will not mix "+
				"the two. Unstage them (`git -C %s rm -r --cached --quiet .`), then run opsync init again",
				r.show(r.top), r.redactedURL(), r.top)
		}
	}
	if err := r.fetch(ctx, rb); err != nil {
		return r.undoAdopt(ctx, created, err)
	}
	remoteRef := "refs/remotes/" + r.name + "/" + rb
	// The index becomes the remote's tree; the files are not touched.
	if err := r.git.ReadTree(ctx, remoteRef); err != nil {
		return r.undoAdopt(ctx, created, refuse("cannot read the remote's files: %v", err))
	}
	st, err := r.git.Status(ctx)
	if err != nil {
		return r.undoAdopt(ctx, created, refuse("cannot compare the files with the remote's: %v", err))
	}
	var differ, missing []string
	for _, e := range st.Entries {
		switch {
		case e.Untracked:
		case e.Y == 'D':
			missing = append(missing, e.Path)
		case e.Y != '.':
			differ = append(differ, e.Path)
		}
	}
	if len(differ) > 0 {
		return r.undoAdopt(ctx, created, refuse("%s already holds files that differ from the ones in %s (branch %s), and opsync "+
			"never overwrites your files, so nothing was changed:\n%s\nTo keep the remote's versions: move yours aside (`mv %s %s.mine`), run opsync init "+
			"again (it then clones), and copy back what you still need. To keep yours: do the same, then copy yours over the "+
			"clone and let the next abra app command (or a commit of your own) record them",
			r.show(r.dir), r.redactedURL(), rb, listPaths(differ), r.dir, r.dir))
	}
	if err := r.git.UpdateRef(ctx, "refs/heads/"+branch, remoteRef); err != nil {
		return r.undoAdopt(ctx, created, refuse("cannot set the branch %s: %v", branch, err))
	}
	if len(missing) > 0 {
		// These files do not exist here: writing them overwrites nothing.
		if err := r.git.CheckoutIndex(ctx, missing); err != nil {
			return refuse("cannot write the remote's files into %s: %v", r.show(r.top), err)
		}
	}
	if created {
		r.did("made %s a git repository with the remote %s: %s", r.show(r.dir), r.name, r.redactedURL())
	}
	r.did("connected %s to the history of %s/%s: %s written from the remote, %s already the same here",
		r.show(r.dir), r.name, rb, plural(len(missing), "file"), plural(countTracked(st)-len(missing), "file"))
	if err := r.git.SetUpstream(ctx, branch, r.name+"/"+rb); err != nil {
		return refuse("cannot make %s/%s the upstream of %s: %v", r.name, rb, branch, err)
	}
	if _, err := r.keepServerDirs(); err != nil {
		return err
	}
	host, _ := os.Hostname()
	committed, err := r.commitAll(ctx, fmt.Sprintf("Add the server files of %s (opsync init)", host), false)
	if err != nil || !committed {
		return err
	}
	return r.push(ctx, branch, rb)
}

func countTracked(st *git.Status) int {
	n := 0
	for _, e := range st.Entries {
		if !e.Untracked {
			n++
		}
	}
	return n
}

// undoAdopt puts things back after a failed adopt: the repository init
// made is removed (it holds nothing but what was just fetched), or an
// existing empty index is emptied again.
func (r *run) undoAdopt(ctx context.Context, created bool, err error) error {
	if created {
		if rerr := os.RemoveAll(filepath.Join(r.dir, ".git")); rerr != nil {
			return fmt.Errorf("%w\n(and removing the repository opsync init had just made failed: %v)", err, rerr)
		}
		r.changed = nil
		return err
	}
	if rerr := r.git.EmptyIndex(context.WithoutCancel(ctx)); rerr != nil {
		return fmt.Errorf("%w\n(and emptying the index again failed: %v)", err, rerr)
	}
	return err
}

// gitInit makes DIR a repository on branch.
func (r *run) gitInit(ctx context.Context, branch string) error {
	if err := r.initQuietly(ctx, branch); err != nil {
		return err
	}
	r.did("made %s a git repository (branch %s)", r.show(r.dir), branch)
	return nil
}

func (r *run) initQuietly(ctx context.Context, branch string) error {
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return refuse("cannot create %s: %v", r.show(r.dir), err)
	}
	if err := r.git.Init(ctx, r.dir); err != nil {
		return refuse("cannot make %s a git repository: %v", r.show(r.dir), err)
	}
	r.top = realPath(r.dir)
	r.git.Dir = r.top
	// The same branch name on every operator's machine and on the server,
	// whatever init.defaultBranch says (git init -b needs git 2.28).
	if err := r.git.SetHeadBranch(ctx, branch); err != nil {
		return refuse("cannot set the branch of %s: %v", r.show(r.dir), err)
	}
	return nil
}

func (r *run) addRemote(ctx context.Context) error {
	if err := r.addRemoteQuietly(ctx); err != nil {
		return err
	}
	r.did("added the remote %s: %s", r.name, r.redactedURL())
	return nil
}

func (r *run) addRemoteQuietly(ctx context.Context) error {
	if err := r.git.AddRemote(ctx, r.name, r.url); err != nil {
		return refuse("cannot add the remote %s: %v", r.name, err)
	}
	return nil
}

// firstCommit commits everything in DIR: init is the operator's explicit
// set-up, so all of it goes in, listed.
func (r *run) firstCommit(ctx context.Context, message string) error {
	// The merge driver's .gitattributes and the server directories'
	// placeholders go into the first commit.
	if _, err := r.installMergeDriver(ctx); err != nil {
		return err
	}
	if _, err := r.keepServerDirs(); err != nil {
		return err
	}
	_, err := r.commitAll(ctx, message, true)
	return err
}

// keepServerDirs writes the placeholder of every server directory in DIR
// (when DIR is abra's servers directory) that has none, and returns their
// paths relative to the work tree. A server directory that is the work tree
// itself needs none.
func (r *run) keepServerDirs() ([]string, error) {
	if r.top == "" || realPath(r.dir) != realPath(filepath.Join(r.cfg.AbraDir, "servers")) {
		return nil, nil
	}
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return nil, refuse("cannot list the server directories in %s: %v", r.show(r.dir), err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue // links (another repository's?) and .git are left alone
		}
		real := filepath.Join(realPath(r.dir), e.Name())
		rel, err := filepath.Rel(r.top, real)
		if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
			continue
		}
		created, err := servers.WritePlaceholder(real)
		if err != nil {
			return nil, refuse("cannot write the placeholder that keeps %s in the log: %v", r.show(real), err)
		}
		if created {
			out = append(out, servers.PlaceholderRel(filepath.ToSlash(rel)))
		}
	}
	return out, nil
}

// installMergeDriver writes the merge driver's set-up into the work tree
// and reports whether .gitattributes changed (and needs committing).
func (r *run) installMergeDriver(ctx context.Context) (bool, error) {
	if r.o.RecordMergeDriver == nil || r.top == "" {
		return false, nil
	}
	changed, err := r.o.RecordMergeDriver(ctx, r.top)
	if err != nil {
		return false, refuse("cannot record opsync's merge driver for env files in %s: %v", r.show(r.top), err)
	}
	return changed, nil
}

// commitAll stages everything in DIR and commits it, after saying what.
// With allowEmpty, a commit is made even with nothing to commit (an empty
// servers directory still gets a branch to push).
func (r *run) commitAll(ctx context.Context, message string, allowEmpty bool) (bool, error) {
	rel, err := filepath.Rel(r.top, realPath(r.dir))
	if err != nil {
		rel = "."
	}
	if err := r.git.AddAll(ctx, rel); err != nil {
		return false, refuse("cannot stage the files of %s: %v", r.show(r.dir), err)
	}
	files, err := r.git.IndexFiles(ctx)
	if err != nil {
		return false, refuse("cannot list the staged files of %s: %v", r.show(r.dir), err)
	}
	if head, _ := r.git.VerifyHead(ctx); head != "" {
		if files, err = r.git.StagedFiles(ctx); err != nil {
			return false, refuse("cannot list the staged files of %s: %v", r.show(r.dir), err)
		}
	}
	if len(files) == 0 && !allowEmpty {
		return false, nil
	}
	if len(files) == 0 {
		r.say("committing in %s: no files yet, an empty first commit", r.show(r.top))
	} else {
		r.say("committing in %s, %s:\n%s", r.show(r.top), plural(len(files), "file"), listPaths(files))
	}
	if err := r.git.Commit(ctx, message, len(files) == 0); err != nil {
		return false, refuse("the commit in %s failed; the files stay staged:\n%v", r.show(r.top), err)
	}
	r.changed = append(r.changed, "commit")
	return true, nil
}

func (r *run) push(ctx context.Context, branch, rb string) error {
	if err := r.git.PushRefspec(ctx, r.name, branch+":refs/heads/"+rb, true); err != nil {
		return refuse("the push to %s failed, so the operator log is not shared yet; your repository is set up and keeps "+
			"its commits. Fix what git says, then run opsync init again to finish:\n%v", r.redactedURL(), err)
	}
	r.did("pushed %s to %s/%s and made it the upstream", branch, r.name, rb)
	return nil
}

// clone makes DIR a clone of the remote, on the branch that holds the log
// (the remote's HEAD when it names a branch that exists, else its only
// branch): a plain `git clone` of a remote whose HEAD names a branch that
// does not exist checks out nothing, and the first commit made there would
// start an unrelated history beside the team's.
func (r *run) clone(ctx context.Context, rs *remoteState) error {
	rb, err := rs.defaultBranch(r.redactedURL())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(r.dir), 0o755); err != nil {
		return refuse("cannot create %s: %v", r.show(filepath.Dir(r.dir)), err)
	}
	if err := r.git.Clone(ctx, r.url, r.dir, r.name, rb); err != nil {
		return refuse("cannot clone %s into %s:\n%v", r.redactedURL(), r.show(r.dir), err)
	}
	r.top = realPath(r.dir)
	r.git.Dir = r.top
	n := 0
	if files, err := r.git.IndexFiles(ctx); err == nil {
		n = len(files)
	}
	r.did("cloned %s into %s (branch %s, %s)", r.redactedURL(), r.show(r.dir), rb, plural(n, "file"))
	return nil
}

// unbornHead is the branch an empty remote's HEAD names (git 2.31 and later
// tell it to a clone), or def when the remote does not say. An empty clone
// is cheap: there is nothing to fetch.
func (r *run) unbornHead(ctx context.Context, def string) string {
	tmp, err := os.MkdirTemp("", "opsync-init-")
	if err != nil {
		return def
	}
	defer os.RemoveAll(tmp)
	c := *r.git
	c.Dir = ""
	bare := filepath.Join(tmp, "probe.git")
	if err := c.CloneBare(ctx, r.url, bare); err != nil {
		return def
	}
	c.Dir = bare
	b, err := c.HeadBranch(ctx)
	if err != nil {
		return def
	}
	if b != "" {
		if _, err := c.VerifyHead(ctx); err == nil {
			return def // not empty after all (pushed meanwhile): defaultBranch decides
		}
		return b
	}
	return def
}

// firstPush pushes the first history to an empty remote, then checks that
// the remote's HEAD names the branch pushed: a clone of a remote whose HEAD
// names another branch checks out nothing, and the team log splits. git
// cannot move a remote's HEAD, so when it does not resolve, say how.
func (r *run) firstPush(ctx context.Context, branch, rb string) error {
	if err := r.push(ctx, branch, rb); err != nil {
		return err
	}
	rs, err := r.lsRemote(ctx)
	if err != nil || rs.head == rb {
		return nil
	}
	if rs.head == "" {
		// The remote does not tell its HEAD (an old git or a dumb
		// server): clones fall back to the only branch, which is this one.
		return nil
	}
	r.say("warning: the remote's HEAD names the branch %s, not %s, which holds the operator log; a teammate's "+
		"`git clone` would check out nothing. Make %s the remote's default branch: on a forge in the repository's "+
		"settings; on a server `git --git-dir=PATH symbolic-ref HEAD refs/heads/%s` (opsync init finds the log "+
		"on %s either way, as long as it is the remote's only branch)", rs.head, rb, rb, rb, rb)
	return nil
}

func (r *run) fetch(ctx context.Context, rb string) error {
	if err := r.git.FetchRefspec(ctx, r.name, "+refs/heads/"+rb+":refs/remotes/"+r.name+"/"+rb); err != nil {
		return refuse("cannot fetch from %s:\n%v", r.redactedURL(), err)
	}
	return nil
}

// related reports whether commits a and b share history (false when git
// cannot tell).
func (r *run) related(ctx context.Context, a, b string) bool {
	ok, err := r.git.Related(ctx, a, b)
	return ok && err == nil
}

func (r *run) isAncestor(ctx context.Context, a, b string) bool {
	ok, _ := r.git.IsAncestor(ctx, a, b)
	return ok
}

// setUpstream makes branch track name/rb, unless it does already.
func (r *run) setUpstream(ctx context.Context, gcfg *git.Config, branch, rb string) error {
	if gcfg != nil {
		if up, merge := gcfg.Upstream(branch); up == r.name && merge == "refs/heads/"+rb {
			return nil
		}
	}
	if err := r.git.SetUpstream(ctx, branch, r.name+"/"+rb); err != nil {
		return refuse("cannot make %s/%s the upstream of %s: %v", r.name, rb, branch, err)
	}
	r.did("%s now tracks %s/%s", branch, r.name, rb)
	return nil
}

// enableSync writes sync: true, last.
func (r *run) enableSync() error {
	if r.cfg.Sync {
		r.finish(r.cfg.SyncSource)
		return nil
	}
	path := r.cfg.SyncFile()
	changed, err := config.EnableSync(path)
	if err != nil {
		return err
	}
	if changed {
		r.did("wrote sync: true into %s", r.show(path))
	}
	r.finish(path)
	return nil
}

func (r *run) finish(syncFile string) {
	where := "kept in this repository only (no remote)"
	if r.url != "" {
		where = fmt.Sprintf("shared through %s (%s)", r.name, r.redactedURL())
	}
	if len(r.changed) == 0 {
		r.say("nothing to change: %s is a git repository whose log is %s, and sync: true is set in %s",
			r.show(r.dir), where, r.show(syncFile))
		return
	}
	r.say("operator sync is set up: abra app commands now pull before and log and push after; the log of %s is %s. "+
		"`opsync doctor` checks the set-up", r.show(r.dir), where)
	if self, err := shim.Self(); err == nil {
		dir, _ := shim.Dir("", r.o.Getenv)
		if rep := shim.Inspect(dir, self, r.o.Getenv); !rep.Active {
			r.say("note: typing `abra` does not run opsync yet: run `opsync shim install` (or use `opsync run -- app …`)")
		}
	}
}

func (r *run) say(format string, args ...any) { ui.Say(r.o.Stderr, fmt.Sprintf(format, args...)) }

// did says a step changed something.
func (r *run) did(format string, args ...any) {
	r.changed = append(r.changed, format)
	r.say(format, args...)
}

func (r *run) show(p string) string { return ui.HomePath(p, r.home) }

func (r *run) redactedURL() string { return ui.RedactURL(r.url) }

// remoteState is what `git ls-remote` says about a remote.
type remoteState struct {
	heads map[string]string // branch name -> commit
	head  string            // the branch HEAD points at, "" when unknown
}

func (r *run) lsRemote(ctx context.Context) (*remoteState, error) {
	c := *r.git
	c.Dir = ""
	heads, head, err := c.LsRemote(ctx, r.url)
	if err != nil {
		if errors.Is(err, git.ErrNotInstalled) {
			return nil, &Error{Msg: err.Error()}
		}
		return nil, refuse("could not read the remote %s, so nothing was changed:\n%v\n%s",
			r.redactedURL(), err, git.ConnectAdvice(git.StderrOf(err), "The remote"))
	}
	return &remoteState{heads: heads, head: head}, nil
}

// defaultBranch is the branch a clone would check out.
func (rs *remoteState) defaultBranch(url string) (string, error) {
	if _, ok := rs.heads[rs.head]; ok {
		return rs.head, nil
	}
	if len(rs.heads) == 1 {
		for b := range rs.heads {
			return b, nil
		}
	}
	// git's two conventional names, when exactly one of them is there.
	_, main := rs.heads["main"]
	_, master := rs.heads["master"]
	switch {
	case main && !master:
		return "main", nil
	case master && !main:
		return "master", nil
	}
	var names []string
	for b := range rs.heads {
		names = append(names, b)
	}
	sort.Strings(names)
	return "", refuse("%s has several branches (%s) and no default one, so opsync init cannot tell which holds the operator log. "+
		"Set the remote's default branch (on a forge: in the repository's settings), then run opsync init again", url, strings.Join(names, ", "))
}

func isEmptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0)
}

// listPaths lists paths one per line, indented, at most 30 of them.
func listPaths(paths []string) string {
	const most = 30
	var b strings.Builder
	for i, p := range paths {
		if i == most {
			fmt.Fprintf(&b, "  … and %d more\n", len(paths)-most)
			break
		}
		b.WriteString("  " + p + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

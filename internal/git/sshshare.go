package git

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SSHShare lets the git processes of one opsync run that reach the same
// ssh remote share one ssh connection (OpenSSH connection multiplexing):
// a modifying command pulls before abra and pushes after it, and typed by
// hand those are two ssh connections, each with its own handshake and
// authentication. With sharing, the first git process's ssh becomes the
// master of a control socket in a private directory, the next ones ride on
// it, and Close ends the master and removes the directory when opsync is
// done.
//
// Sharing never overrides the operator's choice. It is used only when
// their ssh would not multiplex by itself (`ssh -G` reports
// `controlmaster false` and no control path) and git would run plain ssh:
// no GIT_SSH_COMMAND or GIT_SSH in the environment, no core.sshCommand and
// no ssh.variant other than ssh in the config files. When the config
// cannot be read for certain (include directives, configuration given in
// the environment), it is not used either. The zero value is ready; a nil
// *SSHShare shares nothing.
type SSHShare struct {
	// Trace, when set, is called with the arguments of every ssh process
	// SSHShare runs (tests and benchmarks).
	Trace func(args []string)

	mu     sync.Mutex
	dir    string                // private directory of the control sockets, "" until needed
	byDest map[string]*sshMaster // by ssh destination; nil = not shared
	byRepo map[string][]string   // environment decided per repository and remote
}

// sshMaster is one shared connection.
type sshMaster struct {
	dest []string // ssh's destination arguments as git gives them: [-p PORT] [USER@]HOST
	sock string
}

// ControlPersist bounds how long a master waits, idle, for the push that
// follows abra; Close ends it at once when opsync is done. It is also the
// longest a master can outlive an opsync that was killed with SIGKILL.
const sshControlPersist = 120 * time.Second

// Env returns what to add to the environment of the git processes that
// reach remote from repository r: GIT_SSH_COMMAND with a shared
// connection, or nothing when the remote is not reached over ssh or
// sharing is not allowed. The decision is made once per repository and
// remote; it may run `ssh -G` once per ssh destination.
func (s *SSHShare) Env(ctx context.Context, r *Repo, remote string) []string {
	if s == nil || r == nil || remote == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := r.CommonDir + "\x00" + remote
	if env, ok := s.byRepo[key]; ok {
		return env
	}
	if s.byRepo == nil {
		s.byRepo, s.byDest = map[string][]string{}, map[string]*sshMaster{}
	}
	env := s.decide(ctx, r, remote)
	s.byRepo[key] = env
	return env
}

func (s *SSHShare) decide(ctx context.Context, r *Repo, remote string) []string {
	for _, v := range []string{"GIT_SSH_COMMAND", "GIT_SSH", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT"} {
		if os.Getenv(v) != "" {
			return nil
		}
	}
	if v := os.Getenv("GIT_SSH_VARIANT"); v != "" && v != "ssh" && v != "auto" {
		return nil
	}
	cfg, ok := gitConfigForSSH(r)
	if !ok || cfg.Get("core.sshcommand") != "" {
		return nil
	}
	if v := cfg.Get("ssh.variant"); v != "" && v != "ssh" && v != "auto" {
		return nil
	}
	var dests [][]string
	for _, u := range remoteURLs(cfg, remote) {
		if d, ok := sshDestination(u); ok && !containsDest(dests, d) {
			dests = append(dests, d)
		}
	}
	if len(dests) != 1 {
		return nil // not ssh, or fetch and push go to different hosts: keep it simple
	}
	dest := dests[0]
	key := strings.Join(dest, " ")
	m, seen := s.byDest[key]
	if !seen {
		m = s.newMaster(ctx, dest)
		s.byDest[key] = m
	}
	if m == nil {
		return nil
	}
	return []string{"GIT_SSH_COMMAND=" + fmt.Sprintf("ssh -o ControlMaster=auto -o ControlPath=%s -o ControlPersist=%d",
		shellQuote(m.sock), int(sshControlPersist/time.Second))}
}

func containsDest(list [][]string, d []string) bool {
	for _, l := range list {
		if strings.Join(l, " ") == strings.Join(d, " ") {
			return true
		}
	}
	return false
}

// newMaster checks that the operator's ssh does not multiplex this
// destination already and prepares a control socket for it; nil when the
// connection is not to be shared.
func (s *SSHShare) newMaster(ctx context.Context, dest []string) *sshMaster {
	out, err := s.ssh(ctx, append([]string{"-G"}, dest...)...)
	if err != nil {
		return nil
	}
	master, path := "", ""
	for _, line := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch strings.ToLower(k) {
		case "controlmaster":
			master = v
		case "controlpath":
			path = v
		}
	}
	if master != "false" || (path != "" && path != "none") {
		return nil // the operator's own configuration decides
	}
	if s.dir == "" {
		if s.dir = privateSocketDir(); s.dir == "" {
			return nil
		}
	}
	return &sshMaster{dest: dest, sock: filepath.Join(s.dir, strconv.Itoa(len(s.byDest)))}
}

// privateSocketDir makes a directory only this user can enter, short
// enough for a Unix socket path (ssh adds a 17-character suffix while it
// creates the socket, and the whole must fit in 107 bytes).
func privateSocketDir() string {
	for _, base := range []string{os.Getenv("XDG_RUNTIME_DIR"), os.TempDir(), "/tmp"} {
		if base == "" || len(base) > 60 {
			continue
		}
		d, err := os.MkdirTemp(base, "opsync-ssh-")
		if err != nil {
			continue
		}
		if len(d)+4+17 > 100 || strings.ContainsAny(d, "%\n") {
			os.Remove(d)
			continue
		}
		return d
	}
	return ""
}

// Close ends every shared connection and removes the private directory.
// It is safe to call more than once, and on a nil *SSHShare.
func (s *SSHShare) Close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.byDest {
		if m == nil {
			continue
		}
		if _, err := os.Stat(m.sock); err != nil {
			continue // no git process got as far as starting the master
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s.ssh(ctx, append([]string{"-o", "ControlPath=" + m.sock, "-O", "exit"}, m.dest...)...)
		cancel()
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
	s.dir, s.byDest, s.byRepo = "", nil, nil
}

func (s *SSHShare) ssh(ctx context.Context, args ...string) (string, error) {
	if s.Trace != nil {
		s.Trace(args)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ssh", args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	return string(out), err
}

// gitConfigForSSH reads what decides how git reaches a remote (its URLs,
// url.*.insteadOf, core.sshCommand, ssh.variant) from the system, global
// and repository config files; ok is false when they cannot be known for
// certain without asking git.
func gitConfigForSSH(r *Repo) (*Config, bool) {
	var files []string
	if !envTrue("GIT_CONFIG_NOSYSTEM") {
		if p := os.Getenv("GIT_CONFIG_SYSTEM"); p != "" {
			files = append(files, p)
		} else {
			// Where the usual builds of git keep it (Debian and most Linux,
			// Homebrew, Xcode): a core.sshCommand there must be seen.
			files = append(files, "/etc/gitconfig", "/usr/local/etc/gitconfig", "/opt/homebrew/etc/gitconfig",
				"/Library/Developer/CommandLineTools/usr/share/git-core/gitconfig",
				"/Applications/Xcode.app/Contents/Developer/usr/share/git-core/gitconfig")
		}
	}
	c := &Client{}
	user, ok := c.userConfigFiles()
	if !ok {
		return nil, false
	}
	files = append(append(files, user...), filepath.Join(r.CommonDir, "config"))
	merged := &Config{values: map[string][]string{}}
	for _, f := range files {
		cfg, err := ParseConfigFile(f)
		if err != nil || cfg.Includes || cfg.Get("extensions.worktreeconfig") != "" {
			return nil, false
		}
		for k, v := range cfg.values {
			merged.values[k] = append(merged.values[k], v...)
		}
	}
	return merged, true
}

// envTrue reads a boolean variable as git does.
func envTrue(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

// remoteURLs lists the URLs git fetches from and pushes to for remote,
// after url.<base>.insteadOf and pushInsteadOf rewriting. A remote that is
// a URL itself (not a configured name) is its own URL.
func remoteURLs(cfg *Config, remote string) []string {
	fetch := cfg.values["remote."+remote+".url"]
	push := cfg.values["remote."+remote+".pushurl"]
	if len(fetch) == 0 && len(push) == 0 {
		fetch = []string{remote}
	}
	var out []string
	for _, u := range fetch {
		out = append(out, rewriteURL(cfg, u, "insteadof"))
		if len(push) == 0 {
			if p := rewriteURL(cfg, u, "pushinsteadof"); p != u {
				out = append(out, p)
			}
		}
	}
	for _, u := range push {
		out = append(out, rewriteURL(cfg, u, "insteadof"))
	}
	return out
}

// rewriteURL applies the longest matching url.<base>.<kind> prefix.
func rewriteURL(cfg *Config, u, kind string) string {
	best, base := "", ""
	for k, vals := range cfg.values {
		rest, ok := strings.CutPrefix(k, "url.")
		if !ok || !strings.HasSuffix(rest, "."+kind) {
			continue
		}
		b := strings.TrimSuffix(rest, "."+kind)
		for _, prefix := range vals {
			if strings.HasPrefix(u, prefix) && len(prefix) > len(best) {
				best, base = prefix, b
			}
		}
	}
	if best == "" {
		return u
	}
	return base + strings.TrimPrefix(u, best)
}

// sshDestination returns the destination arguments git gives ssh for a
// URL ([-p PORT] [USER@]HOST), ok false when the URL is not reached over
// ssh.
func sshDestination(u string) ([]string, bool) {
	if scheme, rest, ok := strings.Cut(u, "://"); ok {
		switch scheme {
		case "ssh", "git+ssh", "ssh+git":
		default:
			return nil, false
		}
		hostport, _, _ := strings.Cut(rest, "/")
		userinfo, hp, hasUser := strings.Cut(hostport, "@")
		if !hasUser {
			hp, userinfo = userinfo, ""
		}
		host, port := hp, ""
		if strings.HasPrefix(hp, "[") {
			if i := strings.Index(hp, "]"); i >= 0 {
				host, port = hp[1:i], strings.TrimPrefix(hp[i+1:], ":")
			}
		} else if h, p, ok := strings.Cut(hp, ":"); ok {
			host, port = h, p
		}
		return destArgs(userinfo, host, port)
	}
	// scp-like [user@]host:path: a colon before any slash.
	colon := strings.Index(u, ":")
	slash := strings.Index(u, "/")
	if colon <= 0 || (slash >= 0 && slash < colon) {
		return nil, false // a local path
	}
	hostpart := u[:colon]
	if strings.HasPrefix(u, "[") { // [host:port]:path or [user@host]:path
		if i := strings.Index(u, "]:"); i > 0 {
			hostpart = u[1:i]
			userinfo, hp, hasUser := strings.Cut(hostpart, "@")
			if !hasUser {
				hp, userinfo = userinfo, ""
			}
			host, port, _ := strings.Cut(hp, ":")
			return destArgs(userinfo, host, port)
		}
	}
	userinfo, host, hasUser := strings.Cut(hostpart, "@")
	if !hasUser {
		host, userinfo = userinfo, ""
	}
	return destArgs(userinfo, host, "")
}

func destArgs(user, host, port string) ([]string, bool) {
	if host == "" || strings.HasPrefix(host, "-") || strings.HasPrefix(user, "-") {
		return nil, false // git refuses these too
	}
	var args []string
	if port != "" {
		args = append(args, "-p", port)
	}
	if user != "" {
		host = user + "@" + host
	}
	return append(args, "--", host), true
}

// shellQuote quotes s for sh, which runs GIT_SSH_COMMAND.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

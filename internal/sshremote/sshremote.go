// Package sshremote keeps the operator log's shared repository on a server
// the operators already reach over ssh: `opsync init --server-remote
// SERVER` asks the server, in one ssh session, to create a bare repository
// (~/.abra/operator-sync.git, default branch main) unless it is there, and
// then uses it as the git remote.
//
// It runs the operator's own `ssh` program (or the one git is told to use
// with GIT_SSH_COMMAND, GIT_SSH or core.sshCommand), so ~/.ssh/config Host
// aliases, ports, keys and the agent all apply, as they do for git's own
// pushes. When ssh fails, the error says which of the usual three it was:
// the key was refused, the host key did not match, or the server could not
// be reached.
package sshremote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"coopcloud.tech/opsync/internal/ui"
)

// DefaultRepoPath is where the repository lives on the server, relative to
// the login's home directory.
const DefaultRepoPath = ".abra/operator-sync.git"

// RepoPathVar overrides DefaultRepoPath (an absolute path, or one relative
// to the login's home): for a team that keeps repositories elsewhere, and
// for tests, whose ssh login has the real home directory of their user.
const RepoPathVar = "OPSYNC_SERVER_REPO_PATH"

// Destination is the SERVER of --server-remote: an ssh destination,
// "[user@]host" (a Host alias of ~/.ssh/config works), or
// "ssh://[user@]host[:port]".
type Destination struct {
	raw string
	u   *url.URL // for the ssh:// form
}

func (d Destination) String() string { return d.raw }

// ParseDestination checks an ssh destination.
func ParseDestination(s string) (Destination, error) {
	bad := func(why string) (Destination, error) {
		return Destination{}, fmt.Errorf("--server-remote %q is not an ssh destination: %s. Give it as you would to ssh: "+
			"a Host alias of ~/.ssh/config, user@host, or ssh://user@host:port", ui.RedactURL(s), why)
	}
	switch {
	case s == "":
		return bad("it is empty")
	case strings.HasPrefix(s, "-"):
		return bad("it starts with -")
	case strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return bad("it contains a space or a control character")
	}
	if strings.HasPrefix(s, "ssh://") {
		u, err := url.Parse(s)
		if err != nil {
			return bad(err.Error())
		}
		if u.Hostname() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return bad("an ssh:// destination is ssh://[user@]host[:port], without a path")
		}
		if _, hasPass := u.User.Password(); hasPass {
			return bad("it holds a password; ssh logs in with your key")
		}
		return Destination{raw: s, u: u}, nil
	}
	if strings.ContainsAny(s, ":/") {
		return bad("it holds a \":\" or a \"/\" (a port is given as ssh://host:port, or in ~/.ssh/config)")
	}
	if strings.HasPrefix(s, "@") || strings.HasSuffix(s, "@") {
		return bad("the user or the host is missing")
	}
	return Destination{raw: s}, nil
}

// RemoteURL is the git remote URL of the repository at repoPath on d. A
// relative repoPath is relative to the login's home directory. The scp-like
// form "host:path" is used when it can be: git hands "host" to ssh as it
// is, so Host aliases of ~/.ssh/config apply.
func (d Destination) RemoteURL(repoPath string) string {
	if d.u != nil {
		u := *d.u
		if strings.HasPrefix(repoPath, "/") {
			u.Path = repoPath
		} else {
			u.Path = "/~/" + repoPath
		}
		return u.String()
	}
	return d.raw + ":" + repoPath
}

// State is what the server found or did.
type State string

const (
	Created     State = "created"      // the bare repository was made now
	Exists      State = "exists"       // it was there, with history
	ExistsEmpty State = "exists-empty" // it was there, without any branch yet
)

// Result is the server's answer.
type Result struct {
	State      State
	Path       string // the repository's absolute path on the server
	GitVersion string // `git --version` on the server
}

// FailureKind says why Ensure failed.
type FailureKind int

const (
	SSHOther    FailureKind = iota // ssh failed for another reason
	Auth                           // the server did not accept the key
	HostKey                        // the host key is unknown or does not match
	Unreachable                    // no connection: refused, timed out, unknown host
	NoGit                          // git is not installed on the server
	NotWritable                    // the directory for the repository is not writable
	NotRepo                        // something that is not a bare repository is in the way
	NoSSH                          // no ssh program here
	Timeout                        // the session did not finish in time
	Unexpected                     // the server answered something opsync does not understand
)

// Error is a failed Ensure, with the message the operator reads.
type Error struct {
	Kind   FailureKind
	Server string
	Stderr string // ssh's and the server's stderr
	msg    string
}

func (e *Error) Error() string { return e.msg }

// Client runs ssh.
type Client struct {
	// SSH is the ssh command: the program and any leading arguments
	// (SSHCommand builds it); nil means "ssh".
	SSH []string
	// Interactive is true when a person is at a terminal: ssh may then ask
	// for a key's passphrase or to accept a new host key. Otherwise ssh runs
	// with BatchMode=yes and fails at once instead of waiting for an answer.
	Interactive bool
	// Timeout bounds the whole session; 0 means 60s (5m when Interactive).
	Timeout time.Duration
	// ConnectTimeout bounds the TCP connection, in seconds; 0 means 15.
	ConnectTimeout int
}

// SSHCommand returns the ssh command git would use: $GIT_SSH_COMMAND, else
// $GIT_SSH, else core.sshCommand (coreSSH, read by the caller), else ssh.
func SSHCommand(getenv func(string) string, coreSSH string) []string {
	if c := getenv("GIT_SSH_COMMAND"); c != "" {
		return []string{"sh", "-c", c + ` "$@"`, c}
	}
	if p := getenv("GIT_SSH"); p != "" {
		return []string{p}
	}
	if coreSSH != "" {
		return []string{"sh", "-c", coreSSH + ` "$@"`, coreSSH}
	}
	return []string{"ssh"}
}

// Ensure makes sure the bare repository repoPath exists on the server,
// creating it (with HEAD on branch) when it does not, and says which.
func (c *Client) Ensure(ctx context.Context, d Destination, repoPath, branch string) (*Result, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
		if c.Interactive {
			timeout = 5 * time.Minute
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	connect := c.ConnectTimeout
	if connect <= 0 {
		connect = 15
	}
	sshCmd := c.SSH
	if len(sshCmd) == 0 {
		sshCmd = []string{"ssh"}
	}
	args := append([]string{}, sshCmd[1:]...)
	args = append(args, "-T", "-o", fmt.Sprintf("ConnectTimeout=%d", connect))
	if !c.Interactive {
		args = append(args, "-o", "BatchMode=yes")
	}
	args = append(args, "--", d.raw, "sh", "-s")
	cmd := exec.CommandContext(ctx, sshCmd[0], args...)
	cmd.Stdin = strings.NewReader(ServerScript(repoPath, branch))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Passphrase and host key prompts go to the terminal (ssh opens /dev/tty
	// for them); ssh's other messages are kept for the error. A connection
	// master that ssh leaves running (ControlPersist) may hold the output
	// pipes open: stop waiting for them soon after ssh itself exits.
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil
	}
	fail := func(kind FailureKind, msg string) *Error {
		return &Error{Kind: kind, Server: d.raw, Stderr: stderr.String(), msg: msg}
	}
	if errors.Is(err, exec.ErrNotFound) || (cmd.ProcessState == nil && errors.Is(err, fs.ErrNotExist)) {
		return nil, fail(NoSSH, fmt.Sprintf("cannot run %s: it is not installed or not on PATH. Install OpenSSH's client "+
			"(Debian/Ubuntu: apt install openssh-client), or set GIT_SSH_COMMAND to the ssh program git should use", sshCmd[0]))
	}
	if ctx.Err() == context.DeadlineExceeded {
		return nil, fail(Timeout, fmt.Sprintf("the ssh session to %s did not finish within %s and was stopped. "+
			"Check that `ssh %s true` works from this terminal%s", d.raw, timeout, d.raw, quoteStderr(stderr.String(), "ssh said")))
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 255 {
			kind, msg := classify(d.raw, stderr.String())
			return nil, fail(kind, msg)
		}
		if !errors.As(err, &ee) {
			return nil, fail(SSHOther, fmt.Sprintf("cannot run ssh to %s: %v", d.raw, err))
		}
	}
	res, perr := parseAnswer(stdout.String())
	if perr != nil {
		why := "the server's answer was not what opsync expected"
		if err != nil {
			why = err.Error()
		}
		return nil, fail(Unexpected, fmt.Sprintf("the set-up script on %s failed (%s). Check that `ssh %s sh -c true` works "+
			"and that the login shell prints nothing of its own%s%s", d.raw, why, d.raw, quoteStderr(stderr.String(), "the server said"), quoteStdout(stdout.String())))
	}
	said := quoteStderr(stderr.String(), "the server said")
	switch res.kind {
	case "nogit":
		return nil, fail(NoGit, fmt.Sprintf("git is not installed on %s (the ssh login found no `git` on its PATH), so the "+
			"operator log cannot be kept there. Install it on the server (Debian/Ubuntu: `sudo apt install git`) and run "+
			"opsync init again, or keep the log on a forge with `opsync init --remote URL`", d.raw))
	case "notwritable":
		who := res.user
		if who == "" {
			who = "USER"
		}
		return nil, fail(NotWritable, fmt.Sprintf("cannot create the repository %s on %s: the directory %s is not writable "+
			"by %s, the ssh login. Make a place for it that %s can write to (as root on the server: `install -d -o %s %s`), "+
			"or choose another place with %s=/path/on/the/server%s",
			res.path, d.raw, res.parent, who, who, who, filepath.Dir(res.path), RepoPathVar, said))
	case "notrepo":
		return nil, fail(NotRepo, fmt.Sprintf("%s on %s exists but is not a bare git repository, so opsync leaves it alone. "+
			"Move it aside on the server, or choose another place with %s=/path/on/the/server", res.path, d.raw, RepoPathVar))
	case "initfailed":
		return nil, fail(SSHOther, fmt.Sprintf("`git init --bare %s` failed on %s%s", res.path, d.raw, said))
	}
	return &res.Result, nil
}

// classify reads ssh's stderr after it exited with 255 (ssh's own failure,
// as opposed to the remote command's).
func classify(server, stderr string) (FailureKind, string) {
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(stderr, s) {
				return true
			}
		}
		return false
	}
	said := quoteStderr(stderr, "ssh said")
	switch {
	case has("REMOTE HOST IDENTIFICATION HAS CHANGED"):
		return HostKey, fmt.Sprintf("ssh refused to connect to %s: the server's host key is not the one recorded in your known_hosts. "+
			"This happens when a server is reinstalled, and also when someone intercepts the connection: check with the "+
			"server's admin, then remove the old key as ssh says below and connect once with `ssh %s`%s", server, server, said)
	case has("Host key verification failed", "host key is known", "No matching host key", "authenticity of host"):
		return HostKey, fmt.Sprintf("ssh refused to connect to %s: its host key is not in your known_hosts, or does not match it. "+
			"Connect once by hand with `ssh %s` to check the key's fingerprint and accept it, then run opsync init again%s", server, server, said)
	case has("Permission denied", "Too many authentication failures", "no mutual signature"):
		return Auth, fmt.Sprintf("ssh could not log in to %s: the server did not accept your key. Check that `ssh %s` works from "+
			"this terminal: that your key is loaded (`ssh-add -l`), that ~/.ssh/config gives the right User and IdentityFile "+
			"for %s, and that your public key is in ~/.ssh/authorized_keys on the server%s", server, server, server, said)
	case has("Could not resolve hostname", "Name or service not known", "nodename nor servname"):
		return Unreachable, fmt.Sprintf("cannot reach %s over ssh: the host name is not known. Check the name, or add a Host "+
			"entry with its HostName to ~/.ssh/config%s", server, said)
	case has("Connection refused", "timed out", "No route to host", "Network is unreachable", "Connection closed",
		"Connection reset", "kex_exchange_identification", "Broken pipe"):
		return Unreachable, fmt.Sprintf("cannot reach %s over ssh. Check the host name and port (~/.ssh/config), your network, "+
			"and that sshd is running on the server%s", server, said)
	}
	return SSHOther, fmt.Sprintf("ssh to %s failed. Check that `ssh %s` works from this terminal%s", server, server, said)
}

// quoteStderr quotes what ssh (or the server) said, for the end of a
// message; ssh's lines of "@" framing its host key warning are left out.
func quoteStderr(s, who string) string {
	var kept []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if t := strings.TrimSpace(l); t != "" && strings.Trim(t, "@") != "" {
			kept = append(kept, l)
		}
	}
	if len(kept) == 0 {
		return ""
	}
	return "\n" + who + ":\n" + indent(strings.Join(kept, "\n"))
}

func quoteStdout(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	return "\nthe server printed:\n" + indent(s)
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "    " + strings.TrimRight(l, "\r")
	}
	return strings.Join(lines, "\n")
}

type answer struct {
	Result
	kind   string
	path   string
	parent string
	user   string
}

// parseAnswer reads the script's "opsync-…" lines; anything else the login
// shell printed is ignored.
func parseAnswer(out string) (answer, error) {
	var a answer
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "opsync-git "):
			a.GitVersion = strings.TrimPrefix(line, "opsync-git ")
		case strings.HasPrefix(line, "opsync-user "):
			a.user = strings.TrimPrefix(line, "opsync-user ")
		case strings.HasPrefix(line, "opsync-parent "):
			a.parent = strings.TrimPrefix(line, "opsync-parent ")
		case strings.HasPrefix(line, "opsync-result "):
			kind, path, _ := strings.Cut(strings.TrimPrefix(line, "opsync-result "), " ")
			a.kind, a.path = kind, path
		}
	}
	switch a.kind {
	case string(Created), string(Exists), string(ExistsEmpty):
		a.State, a.Path = State(a.kind), a.path
		return a, nil
	case "nogit", "notwritable", "notrepo", "initfailed":
		return a, nil
	}
	return a, errors.New("no result line")
}

// ServerScript is the POSIX sh script run on the server. It prints
// machine-readable lines ("opsync-result created /home/u/.abra/…") and
// exits 0 whatever it found, so that ssh's own exit status 255 is never
// confused with the script's.
func ServerScript(repoPath, branch string) string {
	return fmt.Sprintf(`repo=%s
branch=%s
case "$repo" in /*) ;; *) repo="$HOME/$repo" ;; esac
if ! command -v git >/dev/null 2>&1; then
	echo "opsync-result nogit $repo"
	exit 0
fi
echo "opsync-git $(git --version 2>&1)"
if [ -e "$repo" ] || [ -L "$repo" ]; then
	if [ -d "$repo" ] && [ "$(git --git-dir="$repo" rev-parse --is-bare-repository 2>/dev/null)" = true ]; then
		if [ -n "$(git --git-dir="$repo" for-each-ref --count=1 --format=x refs/heads 2>/dev/null)" ]; then
			echo "opsync-result exists $repo"
		else
			# No branch yet: point HEAD at the branch the first push creates,
			# so that clones check it out.
			git --git-dir="$repo" symbolic-ref HEAD "refs/heads/$branch" 2>/dev/null
			echo "opsync-result exists-empty $repo"
		fi
	else
		echo "opsync-result notrepo $repo"
	fi
	exit 0
fi
parent=$(dirname "$repo")
if ! mkdir -p "$parent" || ! [ -w "$parent" ]; then
	# Name the directory that is in the way: the deepest one that exists.
	while [ ! -d "$parent" ] && [ "$parent" != / ]; do parent=$(dirname "$parent"); done
	echo "opsync-parent $parent"
	echo "opsync-user $(id -un 2>/dev/null)"
	echo "opsync-result notwritable $repo"
	exit 0
fi
if ! git init --bare -q "$repo" >/dev/null; then
	if [ -w "$parent" ]; then
		echo "opsync-result initfailed $repo"
	else
		echo "opsync-parent $parent"
		echo "opsync-user $(id -un 2>/dev/null)"
		echo "opsync-result notwritable $repo"
	fi
	exit 0
fi
git --git-dir="$repo" symbolic-ref HEAD "refs/heads/$branch"
echo "opsync-result created $repo"
exit 0
`, shellQuote(repoPath), shellQuote(branch))
}

// shellQuote quotes s for sh: inside single quotes nothing is special.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

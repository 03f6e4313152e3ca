package git

import (
	"errors"
	"fmt"
	"strings"
)

// RemoteProblem is what went wrong between git and a remote, as git's own
// messages (and those of ssh and of the HTTP library git uses, which it
// passes on) name it.
type RemoteProblem int

const (
	RemoteFine        RemoteProblem = iota // git's message names no trouble with the remote
	RemoteAuth                             // credentials refused, or none given
	RemoteNotFound                         // no such repository, or not visible to these credentials
	RemoteHostKey                          // ssh does not trust the server's host key
	RemoteUnreachable                      // no connection: name, network, server down
)

// remoteSigns are, per problem, the phrases git, ssh and curl print for it.
// Order matters: a refused ssh key also prints "Could not read from remote
// repository", so the specific problems are tried first.
var remoteSigns = []struct {
	p     RemoteProblem
	signs []string
}{
	{RemoteHostKey, []string{
		"Host key verification failed",
		"REMOTE HOST IDENTIFICATION HAS CHANGED",
		"No matching host key",
	}},
	{RemoteAuth, []string{
		"Authentication failed",
		"could not read Username",
		"could not read Password",
		"terminal prompts disabled",
		"Invalid username or password",
		"HTTP Basic: Access denied",
		"The requested URL returned error: 401",
		"The requested URL returned error: 403",
		"Permission denied (", // ssh: "Permission denied (publickey)." — not a local file's mode
		"Permission denied, please try again",
		"Too many authentication failures",
	}},
	{RemoteNotFound, []string{
		"does not appear to be a git repository",
		"repository not found",
		"Repository not found",
		"The requested URL returned error: 404",
		"fatal: repository '", // git over http: "repository 'URL' not found"
	}},
	{RemoteUnreachable, []string{
		"Could not resolve host",
		"Could not resolve hostname",
		"Connection refused",
		"Connection timed out",
		"No route to host",
		"Network is unreachable",
		"Failed to connect",
		"Connection closed by",
		"Connection reset",
		"Could not read from remote repository",
		"unable to access",
	}},
}

// ClassifyRemote reads a failed git command's stderr.
func ClassifyRemote(stderr string) RemoteProblem {
	for _, s := range remoteSigns {
		for _, sign := range s.signs {
			if strings.Contains(stderr, sign) {
				return s.p
			}
		}
	}
	return RemoteFine
}

// Advice says, in a sentence or two, what the problem is and what to do
// about it; where names the remote (e.g. "origin (https://forge/ops.git)").
// It is "" for RemoteFine.
func (p RemoteProblem) Advice(where string) string {
	switch p {
	case RemoteAuth:
		return fmt.Sprintf("%s refused your credentials, or none were given. For https: keep a token that may write to the "+
			"repository in your git credential helper (or in the remote's URL); for ssh: `ssh -v HOST` shows which key is offered, "+
			"and its public half must be in the server's authorized_keys or on your forge account.", where)
	case RemoteNotFound:
		return fmt.Sprintf("%s has no such repository, or does not show it to you (forges answer \"not found\" to those "+
			"without access). Check the URL (`git remote -v`), and on a forge that the repository exists and you are a member.", where)
	case RemoteHostKey:
		return fmt.Sprintf("ssh does not trust the host key of %s: it is not in your known_hosts, or it changed. Connect once "+
			"with `ssh HOST` and compare the fingerprint with the one the server's admin gives you; opsync never accepts a host key for you.", where)
	case RemoteUnreachable:
		return fmt.Sprintf("%s could not be reached: check the host name in the URL, your network, and that the server is up.", where)
	}
	return ""
}

// ConnectAdvice is Advice for a command whose only job was to talk to the
// remote (ls-remote, a reachability check): when git's message names no
// known trouble, it still says what to check.
func ConnectAdvice(stderr, where string) string {
	if advice := ClassifyRemote(stderr).Advice(where); advice != "" {
		return advice
	}
	return fmt.Sprintf("Check %s's URL (`git remote -v` shows it), your network and your access to it "+
		"(for ssh: that `ssh HOST` works; for https: your credential helper or token).", strings.ToLower(where[:1])+where[1:])
}

// CheckRemoteURL refuses a remote URL that git could read as something
// else: one starting with "-" would be an option to git (or to the ssh it
// runs: `--upload-pack=CMD` runs CMD), and a control character has no
// place in any URL. Every git command line opsync builds also puts "--"
// before a URL, so this is the clear message, not the only guard.
func CheckRemoteURL(u string) error {
	switch {
	case u == "":
		return errors.New("it is empty")
	case strings.HasPrefix(u, "-"):
		return errors.New(`it starts with "-", so git would read it as an option`)
	case strings.ContainsFunc(u, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return errors.New("it contains a control character")
	}
	return nil
}

package git

import (
	"os"
	"path/filepath"
	"strings"
)

// IdentityFix is what to type, once, so that git knows who authors
// commits: every log entry is authored by the operator. The engine, init
// and doctor all advise it in these words.
const IdentityFix = `git config --global user.name "Your Name" && git config --global user.email you@example.org`

// identFromFiles works out, without starting git, the identity git will
// author and commit with, when it is set explicitly: in GIT_AUTHOR_* /
// GIT_COMMITTER_* variables or as author.*, committer.* and user.* in the
// global and repository config files. Every modifying command checks the
// identity before abra runs, and reading two small files instead of
// running `git var` saves a process on each of them.
//
// ok is false whenever the files may not tell the whole story, and the
// caller then asks git: a config file with include or includeIf sections,
// configuration given through the environment (GIT_CONFIG_PARAMETERS,
// GIT_CONFIG_COUNT), per-worktree config, or a name or email that is not
// set explicitly (git would guess it from the system, or refuse).
func (c *Client) identFromFiles() (ident string, ok bool) {
	if c.getenv("GIT_CONFIG_PARAMETERS") != "" || c.getenv("GIT_CONFIG_COUNT") != "" {
		return "", false
	}
	r, err := FindRepo(c.Dir)
	if err != nil {
		return "", false
	}
	files, ok := c.userConfigFiles()
	if !ok {
		return "", false
	}
	files = append(files, filepath.Join(r.CommonDir, "config"))
	values := map[string]string{}
	for _, f := range files {
		cfg, err := ParseConfigFile(f)
		if err != nil || cfg.Includes || cfg.Get("extensions.worktreeconfig") != "" {
			return "", false
		}
		for _, k := range []string{"user.name", "user.email", "author.name", "author.email", "committer.name", "committer.email"} {
			if v := cfg.values[k]; len(v) > 0 {
				values[k] = v[len(v)-1] // a later file wins, as in git
			}
		}
	}
	// GIT_AUTHOR_NAME beats author.name, which beats user.name.
	// A variable set to "" counts as set (git then refuses the empty
	// name), which is why it is looked up, not just read.
	pick := func(role, field string) string {
		if v, set := c.lookupEnv("GIT_" + strings.ToUpper(role+"_"+field)); set {
			return withoutCrud(v)
		}
		if v := values[role+"."+field]; v != "" {
			return withoutCrud(v)
		}
		return withoutCrud(values["user."+field])
	}
	name, email := pick("author", "name"), pick("author", "email")
	// git commit needs a committer too: only when both are explicit does
	// the answer not depend on git's guesses.
	cname, cemail := pick("committer", "name"), pick("committer", "email")
	if name == "" || email == "" || cname == "" || cemail == "" {
		return "", false
	}
	return name + " <" + email + ">", true
}

// userConfigFiles lists the global config files git reads, in order, ok
// false when they cannot be known (no home directory). The system file is
// left out: its location depends on how git was built, and a value set
// there is overridden by any global or repository value; when it is the
// only one, the identity is not found here and git is asked.
func (c *Client) userConfigFiles() ([]string, bool) {
	if g := c.getenv("GIT_CONFIG_GLOBAL"); g != "" {
		return []string{g}, true
	}
	home := c.getenv("HOME")
	if home == "" {
		return nil, false
	}
	xdg := c.getenv("XDG_CONFIG_HOME")
	if xdg == "" {
		xdg = filepath.Join(home, ".config")
	}
	return []string{filepath.Join(xdg, "git", "config"), filepath.Join(home, ".gitconfig")}, true
}

// getenv reads a variable as git will see it: the client's own Env first,
// then opsync's environment.
func (c *Client) getenv(name string) string {
	v, _ := c.lookupEnv(name)
	return v
}

func (c *Client) lookupEnv(name string) (string, bool) {
	for i := len(c.Env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(c.Env[i], "="); ok && k == name {
			return v, true
		}
	}
	return os.LookupEnv(name)
}

// withoutCrud trims a name or email the way git does before it uses it
// (ident.c: strbuf_addstr_without_crud): leading and trailing spaces,
// dots, commas, colons, semicolons, quotes, backslashes and angle
// brackets go, and so do angle brackets and newlines inside.
func withoutCrud(s string) string {
	crud := func(c byte) bool {
		return c <= 32 || strings.IndexByte(".,:;<>\"\\'", c) >= 0
	}
	i, j := 0, len(s)
	for i < j && crud(s[i]) {
		i++
	}
	for j > i && crud(s[j-1]) {
		j--
	}
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '<' || r == '>' {
			return -1
		}
		return r
	}, s[i:j])
}

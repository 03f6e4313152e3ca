package git

import (
	"context"
	"os"
	"path/filepath"
	"strings"
)

// AttributesFile returns the attributes file git reads for this repository
// besides the work tree's .gitattributes and $GIT_DIR/info/attributes:
// core.attributesFile, or git's default ($XDG_CONFIG_HOME/git/attributes,
// else ~/.config/git/attributes) when it is not set. opsync needs it
// because it passes core.attributesFile itself for its own pulls, which
// would otherwise hide the operator's file from git.
//
// The setting is read from the config files directly (system, global,
// local), costing no process; only when one of them uses include
// directives, or the environment carries config, is git asked.
func (r *Repo) AttributesFile(ctx context.Context, c *Client, getenv func(string) string) (string, error) {
	home := getenv("HOME")
	var files []string
	if getenv("GIT_CONFIG_NOSYSTEM") == "" {
		if p := getenv("GIT_CONFIG_SYSTEM"); p != "" {
			files = append(files, p)
		} else {
			files = append(files, "/etc/gitconfig")
		}
	}
	xdg := getenv("XDG_CONFIG_HOME")
	if xdg == "" && home != "" {
		xdg = filepath.Join(home, ".config")
	}
	if p := getenv("GIT_CONFIG_GLOBAL"); p != "" {
		files = append(files, p)
	} else {
		if xdg != "" {
			files = append(files, filepath.Join(xdg, "git", "config"))
		}
		if home != "" {
			files = append(files, filepath.Join(home, ".gitconfig"))
		}
	}
	files = append(files, filepath.Join(r.CommonDir, "config"), filepath.Join(r.GitDir, "config.worktree"))

	askGit := getenv("GIT_CONFIG_COUNT") != "" || getenv("GIT_CONFIG_PARAMETERS") != ""
	value := ""
	for _, f := range files {
		cfg, err := ParseConfigFile(f)
		if err != nil {
			if os.IsPermission(err) {
				continue // git skips unreadable system files too
			}
			return "", err
		}
		if cfg.Includes {
			askGit = true
			break
		}
		if v := cfg.Get("core.attributesfile"); v != "" {
			value = v
		}
	}
	if askGit && c != nil {
		out, err := c.run(ctx, "config", "--path", "--get", "core.attributesFile")
		if err != nil && ExitCode(err) != 1 { // 1: not set
			return "", err
		}
		value = strings.TrimSpace(out)
	} else if value == "~" || strings.HasPrefix(value, "~/") {
		value = filepath.Join(home, value[1:])
	}
	if value == "" && xdg != "" {
		value = filepath.Join(xdg, "git", "attributes")
	}
	if value != "" && !filepath.IsAbs(value) {
		// git resolves a relative path against the directory it runs in: the
		// top of the work tree, for opsync's pulls.
		value = filepath.Join(r.WorkTree, value)
	}
	return value, nil
}

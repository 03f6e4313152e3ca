package fakeabra

import (
	"coopcloud.tech/opsync/internal/abra"

	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// resolveAbraDir finds abra's data directory: $ABRA_DIR if non-empty, else
// the abraDir key of the first abra.yaml/abra.yml found walking up from dir,
// else $HOME/.abra.
func resolveAbraDir(getenv func(string) string, dir string) (string, error) {
	if d := getenv("ABRA_DIR"); d != "" {
		return absFrom(dir, d), nil
	}
	for d := dir; ; {
		if p, ok := findAbraConfig(d); ok {
			if ad := readAbraDirKey(p); ad != "" {
				return absFrom(d, ad), nil
			}
			break // the first config file found wins, even without abraDir
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("cannot determine the abra directory: neither ABRA_DIR nor HOME is set")
		}
	}
	return filepath.Join(home, ".abra"), nil
}

func findAbraConfig(dir string) (string, bool) {
	for _, name := range []string{"abra.yaml", "abra.yml"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, true
		}
	}
	return "", false
}

// readAbraDirKey returns the abraDir key of an abra config file; parse
// errors are ignored, as abra does.
func readAbraDirKey(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var cfg struct {
		AbraDir string `yaml:"abraDir"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return ""
	}
	return strings.TrimSpace(cfg.AbraDir)
}

func absFrom(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}

// appFile is an app's env file.
type appFile struct {
	Name   string // app name = file name without .env
	Server string // name of the directory that holds the file
	Path   string
}

// validName rejects names that would leave their directory.
func validName(name string) bool {
	return name != "" && name != "." && !strings.Contains(name, "/") &&
		!strings.Contains(name, `\`) && !strings.Contains(name, "..")
}

// servers lists the entries of servers/ that are directories or symlinks
// to directories, skipping dot entries such as .git.
func (c *ctx) servers() ([]string, error) {
	entries, err := os.ReadDir(c.serversDir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if fi, err := os.Stat(filepath.Join(c.serversDir, e.Name())); err == nil && fi.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

func (c *ctx) serverExists(name string) bool {
	if !validName(name) || strings.HasPrefix(name, ".") {
		return false
	}
	fi, err := os.Stat(filepath.Join(c.serversDir, name))
	return err == nil && fi.IsDir()
}

var errAppNotFound = errors.New("cannot find app")

// findApp resolves an app name to its env file. As in abra, when two
// servers hold the same file name the last server in directory order wins.
func (c *ctx) findApp(name string) (*appFile, error) {
	if !validName(name) {
		return nil, fmt.Errorf("%w with name %s", errAppNotFound, name)
	}
	srvs, err := c.servers()
	if err != nil {
		return nil, err
	}
	var found *appFile
	for _, srv := range srvs {
		p := filepath.Join(c.serversDir, srv, name+".env")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			found = &appFile{Name: name, Server: srv, Path: p}
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%w with name %s", errAppNotFound, name)
	}
	return found, nil
}

// listApps returns every app env file, ordered by server then name.
func (c *ctx) listApps() ([]appFile, error) {
	srvs, err := c.servers()
	if err != nil {
		return nil, err
	}
	var apps []appFile
	for _, srv := range srvs {
		dir := filepath.Join(c.serversDir, srv)
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			name, ok := strings.CutSuffix(e.Name(), ".env")
			if !ok || name == "" || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			p := filepath.Join(dir, e.Name())
			fi, err := os.Stat(p)
			if err != nil {
				if e.Type()&fs.ModeSymlink != 0 {
					c.warnf("broken symlink in your abra config folders: %s", p)
				}
				continue
			}
			if fi.Mode().IsRegular() {
				apps = append(apps, appFile{Name: name, Server: srv, Path: p})
			}
		}
	}
	return apps, nil
}

// envInfo is what the fake needs from an env file.
type envInfo struct {
	Recipe  string // recipe name, from RECIPE= (preferred) or TYPE=
	Version string // part after ':' of that line, if any
	Secrets []secretDef
	Keys    []string // variable names defined (uncommented)
}

type secretDef struct {
	Name    string
	Version string
}

var secretVersionRE = regexp.MustCompile(`^SECRET_([A-Za-z0-9_]+)_VERSION$`)

// envValue strips an unquoted value's inline comment and quotes.
func envValue(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return v
}

func parseEnv(content string) envInfo {
	var info envInfo
	var recipeLine, typeLine string
	var haveRecipe, haveType bool
	for _, line := range strings.Split(content, "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key = strings.TrimSpace(key)
		info.Keys = append(info.Keys, key)
		switch {
		case key == "RECIPE" && !haveRecipe:
			recipeLine, haveRecipe = envValue(val), true
		case key == "TYPE" && !haveType:
			typeLine, haveType = envValue(val), true
		}
		if m := secretVersionRE.FindStringSubmatch(key); m != nil {
			info.Secrets = append(info.Secrets, secretDef{Name: strings.ToLower(m[1]), Version: envValue(val)})
		}
	}
	v := typeLine
	if haveRecipe {
		v = recipeLine
	}
	info.Recipe, info.Version, _ = strings.Cut(v, ":")
	return info
}

func readEnv(path string) (envInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return envInfo{}, err
	}
	return parseEnv(string(data)), nil
}

// setRecipeVersion rewrites the version of every line that starts with
// RECIPE= or TYPE=: the part after the first ':' is replaced, or
// ":version" appended. Other lines are kept verbatim. The lines are rejoined
// with "\n"; a trailing newline is kept only if keepTrailingNewline.
func setRecipeVersion(content, version string, keepTrailingNewline bool) string {
	trailing := strings.HasSuffix(content, "\n")
	lines := strings.Split(content, "\n")
	if trailing {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, "RECIPE=") && !strings.HasPrefix(l, "TYPE=") {
			continue
		}
		if k := strings.IndexByte(l, ':'); k >= 0 {
			lines[i] = l[:k+1] + version
		} else {
			lines[i] = l + ":" + version
		}
	}
	out := strings.Join(lines, "\n")
	if trailing && keepTrailingNewline {
		out += "\n"
	}
	return out
}

// writesVersion says whether the command rewrites the version line, from
// opsync's command table (abra.Command.WritesVersion), so that the
// stand-in and opsync's resolver agree on it.
func writesVersion(path ...string) bool {
	c := abra.Root
	for _, w := range path {
		if c = c.Lookup(w); c == nil {
			return false
		}
	}
	return c.WritesVersion
}

// writeRecipeVersion is abra's App.WriteRecipeVersion: it rewrites the env
// file's recipe version without a trailing newline, and leaves the file
// untouched when the version already matches.
func writeRecipeVersion(path, version string) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	if parseEnv(string(data)).Version == version {
		return false, nil
	}
	// os.WriteFile follows a symlinked env file and keeps its mode.
	return true, os.WriteFile(path, []byte(setRecipeVersion(string(data), version, false)), 0o644)
}

const builtinSample = `TYPE={{ .Recipe }}
DOMAIN={{ .Domain }}
## Domain aliases
#EXTRA_DOMAINS=
LETS_ENCRYPT_ENV=production
SECRET_DB_PASSWORD_VERSION=v1
`

var domainTmplRE = regexp.MustCompile(`\{\{\s*\.Domain\s*\}\}`)

// recipeSample returns the recipe's .env.sample with the domain filled in.
func (c *ctx) recipeSample(recipe, domain string) (string, error) {
	sample := strings.ReplaceAll(builtinSample, "{{ .Recipe }}", recipe)
	if validName(recipe) {
		data, err := os.ReadFile(filepath.Join(c.abraDir, "recipes", recipe, ".env.sample"))
		switch {
		case err == nil:
			sample = string(data)
		case !errors.Is(err, fs.ErrNotExist):
			return "", err
		}
	}
	sample = domainTmplRE.ReplaceAllLiteralString(sample, domain)
	// abra sets the app's domain in the new file: the sample's DOMAIN=
	// line (DOMAIN=<recipe>.example.com in real samples) gets it.
	return domainLineRE.ReplaceAllLiteralString(sample, "DOMAIN="+domain), nil
}

var domainLineRE = regexp.MustCompile(`(?m)^DOMAIN=[^\r\n]*`)

var builtinVersions = []string{"1.0.0+1.0", "1.1.0+1.0", "1.2.0+1.1", "1.3.0+1.1"}

// recipeVersions lists a recipe's published versions, oldest first.
func (c *ctx) recipeVersions(recipe string) ([]string, error) {
	if !validName(recipe) {
		return slices.Clone(builtinVersions), nil
	}
	data, err := os.ReadFile(filepath.Join(c.abraDir, "recipes", recipe, "versions"))
	if errors.Is(err, fs.ErrNotExist) {
		return slices.Clone(builtinVersions), nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, nil
}

var gitHashRE = regexp.MustCompile(`^[0-9a-f]{7,40}(\+U)?$`)

// chaosVersion is what a --chaos deploy writes: a short commit hash, with
// abra's "+U" marker when FAKEABRA_DIRTY=1 (uncommitted recipe changes).
func (c *ctx) chaosVersion() string {
	if c.getenv("FAKEABRA_DIRTY") == "1" {
		return "1a2b3c4d+U"
	}
	return "1a2b3c4d"
}

// stackName is abra's App.StackName: dots become underscores.
func stackName(app string) string {
	s := strings.ReplaceAll(app, ".", "_")
	if len(s) > 45 {
		s = s[:45]
	}
	return s
}

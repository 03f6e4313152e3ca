// Package servers reads the layout of $ABRA_DIR/servers the way abra does:
// each entry that is a directory, or a symlink to one, is a server; each
// <app>.env file in it is an app. It runs no git.
package servers

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Layout is one abra directory.
type Layout struct {
	AbraDir string
}

// Dir is $ABRA_DIR/servers.
func (l Layout) Dir() string { return filepath.Join(l.AbraDir, "servers") }

// Server is one server directory.
type Server struct {
	Name string // directory name under servers/, the server's name
	Path string // $ABRA_DIR/servers/<name>, as abra names it
	Real string // the same with every symlink resolved: where git sees it
}

// App is one app's env file.
type App struct {
	Name   string
	Server Server
}

// Path is the env file as abra names it.
func (a App) Path() string { return filepath.Join(a.Server.Path, a.Name+".env") }

// Real is the env file inside the resolved server directory (the env file
// itself is not resolved: if it is a symlink, git tracks the link).
func (a App) Real() string { return filepath.Join(a.Server.Real, a.Name+".env") }

// Servers lists the server directories, sorted by name. Entries whose name
// starts with "." (such as .git) are not servers. A missing servers/
// directory is an empty list.
func (l Layout) Servers() ([]Server, error) {
	entries, err := os.ReadDir(l.Dir())
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []Server
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if e.IsDir() || e.Type()&os.ModeSymlink != 0 {
			s, err := l.Server(e.Name())
			if err != nil {
				continue // a broken link or a link to a file: abra skips it too
			}
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Server returns the named server directory; an error when it does not
// exist or is not a directory.
func (l Layout) Server(name string) (Server, error) {
	p := filepath.Join(l.Dir(), name)
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return Server{}, err
	}
	fi, err := os.Stat(real)
	if err != nil {
		return Server{}, err
	}
	if !fi.IsDir() {
		return Server{}, fmt.Errorf("%s is not a directory", p)
	}
	return Server{Name: name, Path: p, Real: real}, nil
}

// FindApp returns every server directory that holds <app>.env. More than
// one is ambiguous (abra silently takes one of them).
func (l Layout) FindApp(app string) ([]App, error) {
	srvs, err := l.Servers()
	if err != nil {
		return nil, err
	}
	var out []App
	for _, s := range srvs {
		if fi, err := os.Stat(filepath.Join(s.Real, app+".env")); err == nil && fi.Mode().IsRegular() {
			out = append(out, App{Name: app, Server: s})
		}
	}
	return out, nil
}

// EnvFiles lists every <app>.env in every server directory, for spotting the
// file a command created (app new without --domain asks for it at a prompt).
func (l Layout) EnvFiles() (map[string]App, error) {
	srvs, err := l.Servers()
	if err != nil {
		return nil, err
	}
	out := map[string]App{}
	for _, s := range srvs {
		entries, err := os.ReadDir(s.Real)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name, ok := strings.CutSuffix(e.Name(), ".env")
			if !ok || name == "" || strings.HasPrefix(name, ".") {
				continue
			}
			// As FindApp and abra: regular files, symlinks followed.
			if fi, err := os.Stat(filepath.Join(s.Real, e.Name())); err != nil || !fi.Mode().IsRegular() {
				continue
			}
			a := App{Name: name, Server: s}
			out[a.Path()] = a
		}
	}
	return out, nil
}

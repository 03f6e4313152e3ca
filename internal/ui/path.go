package ui

import (
	"path/filepath"
	"strings"
)

// HomePath shortens a path under home to ~/…, as operators write it.
func HomePath(path, home string) string {
	if home == "" {
		return path
	}
	rel, err := filepath.Rel(home, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return path
	}
	if rel == "." {
		return "~"
	}
	return "~/" + rel
}

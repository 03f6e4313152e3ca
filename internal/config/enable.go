package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"coopcloud.tech/opsync/internal/fileutil"
)

// SyncFile is the abra.yml that `sync: true` belongs in for this
// configuration: the project file abra reads (found walking up from the
// working directory) when there is one, else the user-wide
// $ABRA_DIR/abra.yml (or abra.yaml), which may not exist yet.
func (c *Config) SyncFile() string {
	if c.Project != nil {
		return c.Project.Path
	}
	if p := findIn(c.AbraDir); p != "" {
		return p
	}
	return filepath.Join(c.AbraDir, "abra.yml")
}

// EnableSync makes the abra.yml at path say `sync: true`, creating the file
// when it does not exist. The rest of the file — other keys, comments,
// blank lines, quoting — is kept byte for byte: an existing `sync: false`
// has just its value changed, otherwise `sync: true` is appended. The file
// is parsed before and after, and written only when the edit changed
// nothing but that one key. changed is false when the file already said
// `sync: true`.
func EnableSync(path string) (changed bool, err error) {
	real, err := filepath.EvalSymlinks(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
			return false, fmt.Errorf("%s is a symbolic link to a file that does not exist; create the file it points to, or remove the link", path)
		}
		if err := fileutil.WriteAtomic(path, []byte("sync: true\n"), 0o644); err != nil {
			return false, fmt.Errorf("cannot create %s: %w", path, err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("cannot read %s: %w", path, err)
	}
	// Edit the file a symlink points to (a dotfiles manager's link stays a link).
	path = real
	f, err := ReadFile(path)
	if err != nil {
		return false, err
	}
	if f.Sync != nil && *f.Sync {
		return false, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return false, fmt.Errorf("cannot read %s: %w", path, err)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("cannot read %s: %w", path, err)
	}
	edited, err := withSyncTrue(old)
	if err != nil {
		return false, fmt.Errorf("cannot add \"sync: true\" to %s: %v; add the line by hand", path, err)
	}
	if err := checkOnlySyncChanged(old, edited); err != nil {
		return false, fmt.Errorf("cannot add \"sync: true\" to %s without changing something else (%v); add the line by hand", path, err)
	}
	if err := fileutil.WriteAtomic(path, edited, fi.Mode().Perm()); err != nil {
		return false, fmt.Errorf("cannot write %s: %w", path, err)
	}
	return true, nil
}

// withSyncTrue returns the text of an abra.yml with `sync: true` in it.
func withSyncTrue(text []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return appendLine(text, "sync: true"), nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errors.New("it is not a mapping of keys")
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "sync" {
			return replaceScalar(text, root.Content[i+1], "true")
		}
	}
	if root.Style&yaml.FlowStyle != 0 {
		return nil, errors.New("its keys are written on one line in braces ({...})")
	}
	indent := ""
	if len(root.Content) > 0 {
		indent = string(bytes.Repeat([]byte{' '}, root.Content[0].Column-1))
	}
	return appendLine(text, indent+"sync: true"), nil
}

func appendLine(text []byte, line string) []byte {
	out := append([]byte{}, text...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, line+"\n"...)
}

// replaceScalar replaces the text of the scalar node n (plain or quoted) by
// with, leaving everything around it as it was.
func replaceScalar(text []byte, n *yaml.Node, with string) ([]byte, error) {
	if n.Kind != yaml.ScalarNode {
		return nil, errors.New("its sync: key does not hold a single value")
	}
	start := lineStart(text, n.Line)
	if start < 0 {
		return nil, errors.New("the sync: value was not found where the parser put it")
	}
	// yaml columns count characters, not bytes.
	off := start
	for col := 1; col < n.Column && off < len(text) && text[off] != '\n'; col++ {
		_, size := utf8.DecodeRune(text[off:])
		off += size
	}
	rest := text[off:]
	var length int
	switch {
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 && len(rest) > 0:
		q := rest[0]
		end := bytes.IndexByte(rest[1:], q)
		if end < 0 {
			return nil, errors.New("the quoted sync: value spans lines")
		}
		length = end + 2
	case bytes.HasPrefix(rest, []byte(n.Value)):
		length = len(n.Value)
	default:
		return nil, errors.New("the sync: value is written in a form opsync does not edit")
	}
	out := append([]byte{}, text[:off]...)
	out = append(out, with...)
	return append(out, rest[length:]...), nil
}

// lineStart is the offset of the first byte of line n (1-based), -1 when the
// text has fewer lines.
func lineStart(text []byte, n int) int {
	off := 0
	for line := 1; line < n; line++ {
		i := bytes.IndexByte(text[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	return off
}

// checkOnlySyncChanged parses both texts and compares them: the edited one
// must be the old one with sync set to true, and nothing else different.
func checkOnlySyncChanged(old, edited []byte) error {
	var before, after map[string]any
	if err := yaml.Unmarshal(old, &before); err != nil {
		return err
	}
	if err := yaml.Unmarshal(edited, &after); err != nil {
		return fmt.Errorf("the result would not be valid YAML: %v", err)
	}
	if before == nil {
		before = map[string]any{}
	}
	before["sync"] = true
	if !reflect.DeepEqual(before, after) {
		return errors.New("the parsed result differs in other keys")
	}
	// A second document would be ignored by abra: count them.
	dec := yaml.NewDecoder(bytes.NewReader(edited))
	docs := 0
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			break
		}
		docs++
	}
	if docs > 1 {
		return errors.New("the file holds more than one YAML document")
	}
	return nil
}

package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/envmerge"
)

// Edits of an env file on this machine: `abra app config` (the operator's
// $EDITOR) and `opsync commit` (an edit made by hand). Each is logged as an
// entry of its own, naming the keys it changed, never their values.

// recordEditBefore keeps the env file as it is before the editor runs.
func (run *Run) recordEditBefore() {
	for _, t := range run.Targets {
		if len(t.Paths) != 1 {
			continue
		}
		b, err := os.ReadFile(t.Paths[0])
		if err != nil && !os.IsNotExist(err) {
			continue // unreadable: editNotes logs whatever is there after
		}
		t.editBefore, t.editKnown = b, true
	}
}

// editNotes compares the env file with what it was before the edit: the
// body lines naming the keys added, removed and changed, and whether the
// file changed at all.
func (t *Target) editNotes() (notes []string, changed bool) {
	if !t.editKnown || len(t.Paths) != 1 {
		return nil, true
	}
	after, err := os.ReadFile(t.Paths[0])
	if err != nil && !os.IsNotExist(err) {
		return nil, true
	}
	if bytes.Equal(after, t.editBefore) {
		return nil, false
	}
	return KeyChanges(t.editBefore, after), true
}

// KeyChanges names, for people, what changed between two versions of an env
// file: "keys added: A, B", "keys removed: C", "keys changed: D" — names
// only, since values may be secrets — or that only comments or layout did.
func KeyChanges(before, after []byte) []string {
	b, a := envmerge.Values(before), envmerge.Values(after)
	var added, removed, changed []string
	for k, v := range a {
		old, ok := b[k]
		switch {
		case !ok:
			added = append(added, k)
		case old != v:
			changed = append(changed, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			removed = append(removed, k)
		}
	}
	var out []string
	for _, g := range []struct {
		what string
		keys []string
	}{{"keys added", added}, {"keys removed", removed}, {"keys changed", changed}} {
		if len(g.keys) > 0 {
			sort.Strings(g.keys)
			out = append(out, g.what+": "+strings.Join(g.keys, ", "))
		}
	}
	if len(out) == 0 {
		out = append(out, "no key changed: comments or layout only")
	}
	return out
}

// CommitEdit logs an edit of one app's env file made by hand (`opsync
// commit APP -m WHY`): an entry with the operator's identity, the reason and
// the keys changed against the log's version, then pushed as after any
// command. It refuses a file that is the same as in the log.
func (e *Engine) CommitEdit(ctx context.Context, app, reason string) (*Outcome, error) {
	if err := abra.ValidateName("app", app); err != nil {
		return nil, &Error{Code: ExitUsage, Err: err}
	}
	if strings.TrimSpace(reason) == "" {
		return nil, refuse(ExitUsage, "say why the file was edited: opsync commit %s -m \"why\"", app)
	}
	p, err := e.Plan([]string{"app", "config", app})
	if err != nil {
		return nil, err
	}
	switch {
	case !p.Active:
		return nil, refuse(ExitConfig, "nothing to commit for %s: %s", app, p.Reason)
	case p.needFind || len(p.Targets) != 1:
		return nil, refuse(ExitUsage, "app %s has no env file in any server directory of %s; "+
			"check the spelling (`abra app ls` lists the apps)", app, e.display(p.layout.Dir()))
	}
	p.Line, p.command, p.Flags.Reason = "opsync commit "+app, "opsync commit", reason
	run := p.Run()
	if err := run.checkIdentity(ctx); err != nil {
		return nil, err
	}
	if err := run.joinSession(); err != nil {
		return nil, err
	}
	t := run.Targets[0]
	head, err := t.repo.c.HeadFile(ctx, t.rel[0])
	if err != nil {
		head = "" // not in the log yet: every key is new
	}
	t.editBefore, t.editKnown = []byte(head), true
	if _, changed := t.editNotes(); !changed {
		return nil, refuse(ExitUsage, "%s is the same as in the log: nothing to commit", e.display(filepath.Clean(t.Paths[0])))
	}
	t.absentKnown = true
	if err == nil {
		t.absentBefore = nil
	} else {
		t.absentBefore = t.rel // new to git: After adds it
	}
	return run.After(ctx, 0, 0), nil
}

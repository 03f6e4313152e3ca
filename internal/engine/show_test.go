package engine

import (
	"reflect"
	"testing"
)

func TestEnvDiffByKey(t *testing.T) {
	before := []byte("TYPE=app:1.0.0+1\n# the domain\nDOMAIN=a.org\nOLD=x\nSAME=1\nDUP=first\nDUP=second\n")
	after := []byte("TYPE=app:1.1.0+1\nDOMAIN=a.org\nSAME=1\nNEW=\"quoted value\"\nDUP=first\nEMPTY=\n")
	got := EnvDiff(before, after)
	want := FileDiff{
		Added:   []KeyChange{{Key: "EMPTY"}, {Key: "NEW", New: `"quoted value"`}},
		Removed: []KeyChange{{Key: "OLD", Old: "x"}},
		Changed: []KeyChange{{Key: "TYPE", Old: "app:1.0.0+1", New: "app:1.1.0+1"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	// Comments, blank lines and order only.
	got = EnvDiff([]byte("A=1\nB=2\n"), []byte("# why\nB=2\n\nA=1\n"))
	if !got.CommentsOnly || len(got.Added)+len(got.Removed)+len(got.Changed) != 0 {
		t.Errorf("comments only: %+v", got)
	}
	// The same bytes: nothing at all.
	if got = EnvDiff([]byte("A=1\n"), []byte("A=1\n")); got.CommentsOnly {
		t.Errorf("unchanged: %+v", got)
	}
	// A new file: every key added; a removed one: every key removed.
	if got = EnvDiff(nil, []byte("A=1\n")); len(got.Added) != 1 || got.CommentsOnly {
		t.Errorf("created: %+v", got)
	}
	if got = EnvDiff([]byte("A=1\n"), nil); len(got.Removed) != 1 || got.CommentsOnly {
		t.Errorf("deleted: %+v", got)
	}
}

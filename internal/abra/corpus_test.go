package abra

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestCorpus runs testdata/corpus.txt: real-world abra command lines with
// the command path, app, server, modifies and canonical line expected.
func TestCorpus(t *testing.T) {
	f, err := os.Open("testdata/corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, cases := 0, 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cases++
		fields := cutFields(line)
		if len(fields) != 6 {
			t.Errorf("corpus.txt:%d: %d columns, want 6: %s", n, len(fields), line)
			continue
		}
		words, err := shellSplit(fields[0])
		if err != nil || len(words) == 0 || words[0] != "abra" {
			t.Errorf("corpus.txt:%d: command line %q does not start with abra (%v)", n, fields[0], err)
			continue
		}
		wantApp, err1 := corpusValue(fields[2])
		wantServer, err2 := corpusValue(fields[3])
		wantModifies, err3 := strconv.ParseBool(fields[4])
		if err1 != nil || err2 != nil || err3 != nil {
			t.Errorf("corpus.txt:%d: bad column: %v %v %v", n, err1, err2, err3)
			continue
		}
		wantPath := fields[1]
		if wantPath == "-" {
			wantPath = ""
		}

		args := words[1:]
		inv := Parse(args)
		if got := inv.CommandName(); got != wantPath {
			t.Errorf("corpus.txt:%d: %s\n  path %q, want %q", n, fields[0], got, wantPath)
		}
		if inv.App != wantApp || inv.Server != wantServer {
			t.Errorf("corpus.txt:%d: %s\n  app %q server %q, want %q %q", n, fields[0], inv.App, inv.Server, wantApp, wantServer)
		}
		if got := inv.Modifies(); got != wantModifies {
			t.Errorf("corpus.txt:%d: %s\n  modifies %v, want %v", n, fields[0], got, wantModifies)
		}
		if got := inv.Canonical(); got != fields[5] {
			t.Errorf("corpus.txt:%d: %s\n  canonical %s\n       want %s", n, fields[0], got, fields[5])
		}
		roundTrip(t, args)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cases < 80 {
		t.Errorf("corpus.txt has %d cases; keep at least 80", cases)
	}
}

// corpusValue reads an app or server column: "-" is empty, anything else
// one shell word.
func corpusValue(field string) (string, error) {
	if field == "-" {
		return "", nil
	}
	w, err := shellSplit(field)
	if err != nil {
		return "", err
	}
	if len(w) != 1 {
		return "", strconv.ErrSyntax
	}
	return w[0], nil
}

package git

import (
	"reflect"
	"strings"
	"sync"
	"testing"
)

func newTestReader() *LogReader {
	lr := &LogReader{}
	lr.cond = sync.NewCond(&lr.mu)
	return lr
}

// feed writes out to a reader in pieces of size n (0: at once).
func feed(out []byte, n int) ([]Commit, error) {
	lr := newTestReader()
	w := (*logWriter)(lr)
	for len(out) > 0 {
		k := len(out)
		if n > 0 && n < k {
			k = n
		}
		if _, err := w.Write(out[:k]); err != nil {
			break
		}
		out = out[k:]
	}
	return lr.queue, lr.err
}

const fuzzID = "0123456789abcdef0123456789abcdef01234567"

// FuzzLogReader feeds the log reader a record of logFormat whose free
// fields (name, email, message) and date are anything, followed by a
// second, ordinary record, cut into writes of any size. The reader must
// read both commits, whatever the fields hold, give the free text back
// exactly when it holds no NUL, and read the same however git's output
// is cut. Run long with
//
//	go test -run '^$' -fuzz FuzzLogReader -parallel 1 ./internal/git
func FuzzLogReader(f *testing.F) {
	f.Add("Alice", "alice@example.org", "abra app deploy foo\n\nexit 0\n", "1764684000 +0100", 0)
	f.Add("Mal\x1flory", "m@x", "\x1b[2K\rexit 0\n", "1764684000 +2500", 1)
	f.Add("", "", "", "", 3)
	f.Add("a\x00b", "c", "d\x00e", "253402300800 +0000", 7)
	f.Add("a", "c", "d\x00"+fuzzID+"\x00e", "0 +0000", 5)
	f.Add("x", "y", fuzzID, "-99999999999 -9999", 2)
	f.Fuzz(func(t *testing.T, name, email, msg, date string, chunk int) {
		if chunk < 0 {
			chunk = -chunk
		}
		chunk %= 64
		date = strings.ReplaceAll(date, "\x00", "") // git writes the date: no NUL
		if strings.Contains("\x00"+name+"\x00"+email+"\x00"+msg+"\x00", "\x00"+fuzzID+"\x00") {
			// Text holding a NUL and then the commit's own id: git cannot
			// print it (no NUL) and no commit can hold its own hash.
			t.Skip()
		}
		parent := strings.Repeat("f", 40)
		out := strings.Join([]string{fuzzID, parent, date, "1764684000", name, email, msg, fuzzID}, "\x00") + "\x00" +
			strings.Join([]string{parent, "", "1764684000 +0000", "1764684000", "B", "b@x", "root\n", parent}, "\x00") + "\x00"
		whole, errWhole := feed([]byte(out), 0)
		cut, errCut := feed([]byte(out), chunk)
		if !reflect.DeepEqual(whole, cut) || errWhole != errCut {
			t.Fatalf("read differently in pieces of %d:\n%+v %v\n%+v %v", chunk, whole, errWhole, cut, errCut)
		}
		if errWhole != nil {
			t.Fatalf("the log failed: %v", errWhole)
		}
		if len(whole) != 2 || whole[0].ID != fuzzID || whole[1].ID != parent || whole[1].Message != "root\n" {
			t.Fatalf("read %+v", whole)
		}
		c := whole[0]
		if len(c.Parents) != 1 || c.Parents[0] != parent {
			t.Fatalf("parents %q", c.Parents)
		}
		nul := strings.Contains(name+email+msg, "\x00")
		if !nul && (c.AuthorName != name || c.AuthorEmail != email || c.Message != msg) {
			t.Fatalf("free text changed: %q %q %q", c.AuthorName, c.AuthorEmail, c.Message)
		}
		if nul && (c.AuthorName != "" || c.AuthorEmail != "" || c.Message != "") {
			t.Fatalf("kept ambiguous text: %q %q %q", c.AuthorName, c.AuthorEmail, c.Message)
		}
		if y := c.AuthorTime.Year(); !c.AuthorTime.IsZero() && (y < -1<<40 || y > 1<<40) {
			t.Fatalf("year %d", y)
		}
	})
}

func TestParseRawDate(t *testing.T) {
	for _, tc := range []struct {
		in           string
		zoneOK, ok   bool
		unix, offset int64
	}{
		{"1764684000 +0100", true, true, 1764684000, 3600},
		{"1764684000 -0930", true, true, 1764684000, -34200},
		{"1764684000 +2500", false, true, 1764684000, 0},
		{"1764684000 +0160", false, true, 1764684000, 0},
		{"1764684000 +01", false, true, 1764684000, 0},
		{"1764684000 +-100", false, true, 1764684000, 0},
		{"253402300800 +0000", true, true, 253402300800, 0},
		{"x +0000", false, false, 0, 0},
		{"", false, false, 0, 0},
		{"99999999999999999999 +0000", false, false, 0, 0},
	} {
		at, zoneOK, ok := parseRawDate(tc.in)
		_, off := at.Zone()
		if zoneOK != tc.zoneOK || ok != tc.ok || (ok && (at.Unix() != tc.unix || int64(off) != tc.offset)) {
			t.Errorf("%q: %s zone %v ok %v", tc.in, at, zoneOK, ok)
		}
	}
}

package envmerge

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// randomEdit changes a few lines of an env file the way operators and abra
// do: change a value, add a variable or comment, remove a line, move one.
func randomEdit(r *rand.Rand, lines []string, tag string) []string {
	out := append([]string(nil), lines...)
	for n := r.Intn(3) + 1; n > 0; n-- {
		switch op := r.Intn(5); {
		case op == 0 && len(out) > 0:
			i := r.Intn(len(out))
			if k, _, ok := strings.Cut(out[i], "="); ok && !strings.HasPrefix(k, "#") {
				out[i] = k + "=" + tag + fmt.Sprint(r.Intn(3))
			}
		case op == 1:
			i := r.Intn(len(out) + 1)
			out = append(out[:i], append([]string{fmt.Sprintf("NEW_%s_%d=%d", tag, r.Intn(3), r.Intn(2))}, out[i:]...)...)
		case op == 2:
			i := r.Intn(len(out) + 1)
			out = append(out[:i], append([]string{"# note " + tag}, out[i:]...)...)
		case op == 3 && len(out) > 0:
			i := r.Intn(len(out))
			out = append(out[:i], out[i+1:]...)
		case op == 4 && len(out) > 1:
			i, j := r.Intn(len(out)), r.Intn(len(out))
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

func join(lines []string, r *rand.Rand) string {
	s := strings.Join(lines, "\n")
	if r.Intn(2) == 0 && s != "" {
		s += "\n"
	}
	return s
}

// Over many random edits: a clean merge contains every change of both
// sides (containsChanges: lines, or for a variable defined once, its value
// by the three-way rule), and loses no comment either side added.
func TestMergeRandomEdits(t *testing.T) {
	r := rand.New(rand.NewSource(809))
	base := []string{"TYPE=app:1.0.0", "DOMAIN=a.org", "## aliases", "#EXTRA_DOMAINS=", "", "SECRET_DB_PASSWORD_VERSION=v1", "LETS_ENCRYPT_ENV=production"}
	for round := 0; round < 3000; round++ {
		o, th := randomEdit(r, base, "o"), randomEdit(r, base, "t")
		bs, os, ts := join(base, r), join(o, r), join(th, r)
		got, conflicts := Merge([]byte(bs), []byte(os), []byte(ts))
		if len(conflicts) > 0 {
			if !strings.Contains(string(got), "<<<<<<< ours") {
				t.Fatalf("conflicts without markers:\nbase %q\nours %q\ntheirs %q\ngot %q", bs, os, ts, got)
			}
			continue
		}
		b, o, th, g := splitTexts(bs), splitTexts(os), splitTexts(ts), splitTexts(string(got))
		for _, w := range []string{containsChanges(g, b, o, th), containsChanges(g, b, th, o)} {
			if w != "" {
				t.Fatalf("%s\nbase %q\nours %q\ntheirs %q\ngot %q", w, bs, os, ts, got)
			}
		}
		for _, side := range []string{os, ts} {
			for _, l := range strings.Split(side, "\n") {
				if strings.HasPrefix(l, "# note") && !strings.Contains(bs, l) && !strings.Contains(string(got), l) {
					t.Fatalf("added comment %q lost\nbase %q\nours %q\ntheirs %q\ngot %q", l, bs, os, ts, got)
				}
			}
		}
	}
}

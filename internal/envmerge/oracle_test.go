package envmerge

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The differential test: env files shaped like real recipe samples, two
// sides' edits of the kinds abra and operators make, git merge-file and the
// driver on each, and the two properties of issue 14 as the oracle:
//
//  1. Never worse than git: where `git merge-file` merges cleanly, Merge
//     does too, and its result contains every change of both sides.
//  2. Nothing changed outside a conflict block: with conflicts, the result
//     resolved by ours in every block contains every change of ours, the
//     result resolved by theirs every change of theirs, and every line a
//     side added is in the result (outside the markers or in that side's
//     block).
//
// "R contains every change of side S" (base B, other side X), on lines
// compared without their line endings: the lines S added (those of S not
// matched to B by a longest common subsequence) are a subsequence of R, in
// S's order; and every line S removed is gone: a text S has fewer copies of
// than B appears in R at most as often as in S, plus the copies X added.
// A line that fails this and assigns a variable defined at most once in
// each of B, S and X passes if the variable is in R as the key merge's
// three-way rule says (what both sides agree on; else what the side that
// changed it says; on a conflict, in R resolved by S, what S says): that is
// the key merge, which may move a variable's line with its new value.

func splitTexts(s string) []string {
	if s == "" {
		return nil
	}
	ls, _ := splitLines([]byte(s))
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.text
	}
	return out
}

func counts(ls []string) map[string]int {
	c := map[string]int{}
	for _, l := range ls {
		c[l]++
	}
	return c
}

// containsChanges checks "r contains every change of side"; "" when it
// does, else what is missing.
func containsChanges(r, base, side, other []string) string {
	m := matched(base, side)
	excused := func(l string) bool {
		if keyRuleHolds(l, r, base, side, other) {
			return true
		}
		// A line of a multi-line quoted value is the key rule's too when
		// its assignment in the result is what the rule says (fuzz
		// finding: a removed value line `"` the other side's renamed
		// variable still has).
		for _, it := range parse([]byte(strings.Join(r, "\n"))).items {
			if it.kind != assignment || len(it.lines) < 2 {
				continue
			}
			for _, ln := range it.lines[1:] {
				if ln.text == l && keyRuleHolds(it.lines[0].text, r, base, side, other) {
					return true
				}
			}
		}
		return false
	}
	j := 0
	for i, l := range side {
		if m[i] {
			continue
		}
		k := j
		for k < len(r) && r[k] != l {
			k++
		}
		if k == len(r) {
			if excused(l) {
				continue
			}
			return fmt.Sprintf("added line %q (line %d of the side) is not in the result in order", l, i+1)
		}
		j = k + 1
	}
	mx := matched(base, other)
	xAdded := map[string]int{}
	for i, l := range other {
		if !mx[i] {
			xAdded[l]++
		}
	}
	cb, cs, cr := counts(base), counts(side), counts(r)
	for l, n := range cb {
		if cs[l] < n && cr[l] > cs[l]+xAdded[l] && !excused(l) {
			return fmt.Sprintf("line %q the side removed is still in the result (%d times; side %d, base %d, other added %d)", l, cr[l], cs[l], n, xAdded[l])
		}
	}
	return ""
}

// matched reports which lines of side a longest common subsequence with
// base matches (the others are the lines side added).
func matched(base, side []string) []bool {
	out := make([]bool, len(side))
	for _, j := range matchIDs(base, side) {
		if j >= 0 {
			out[j] = true
		}
	}
	return out
}

// keyRuleHolds: l assigns a variable defined at most once in each
// version, and r has it as the three-way rule says, from side's view.
func keyRuleHolds(l string, r, base, side, other []string) bool {
	key, _, ok := splitAssignment(strings.TrimLeft(l, " \t"))
	if !ok {
		return false
	}
	defs := func(ls []string) (string, bool, bool) {
		var text string
		n := 0
		for _, it := range parse([]byte(strings.Join(ls, "\n"))).items {
			if it.kind == assignment && it.key == key {
				text = it.text()
				n++
			}
		}
		return text, n == 1, n <= 1
	}
	b, inB, okB := defs(base)
	s, inS, okS := defs(side)
	x, inX, okX := defs(other)
	g, inG, okG := defs(r)
	if !okB || !okS || !okX || !okG {
		return false
	}
	want, in := s, inS // both agree, or only side changed it, or a conflict
	if inS == inB && s == b {
		want, in = x, inX
	}
	return in == inG && (!in || g == want)
}

// resolveAll replaces every conflict block by one side's part (ours: 0,
// theirs: 1), and lists the lines outside the blocks and in each part.
func resolveAll(merged string, side int) (out []string, err error) {
	state := -1 // -1 outside, 0 in ours, 1 in theirs
	for _, l := range splitTexts(merged) {
		switch {
		case strings.HasPrefix(l, "<<<<<<< ") && state == -1:
			state = 0
		case l == "=======" && state == 0:
			state = 1
		case strings.HasPrefix(l, ">>>>>>> ") && state == 1:
			state = -1
		case state == -1 || state == side:
			out = append(out, l)
		}
	}
	if state != -1 {
		return nil, fmt.Errorf("unterminated conflict block")
	}
	return out, nil
}

// gitMerge runs git merge-file -p; clean reports exit status 0.
func gitMerge(t testing.TB, base, ours, theirs string) (out string, clean bool) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	o, b, th := write("ours", ours), write("base", base), write("theirs", theirs)
	cmd := exec.Command("git", "merge-file", "-p", o, b, th)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	res, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() > 0 && ee.ExitCode() < 128 {
			return string(res), false
		}
		t.Fatalf("git merge-file: %v", err)
	}
	return string(res), true
}

// checkProperties asserts the two properties for one case; it returns
// whether git and Merge merged cleanly.
func checkProperties(t testing.TB, base, ours, theirs string) (gitClean, clean bool) {
	t.Helper()
	_, gitClean = gitMerge(t, base, ours, theirs)
	merged, conflicts := Merge([]byte(base), []byte(ours), []byte(theirs))
	clean = len(conflicts) == 0
	show := func() string {
		return fmt.Sprintf("\nbase   %q\nours   %q\ntheirs %q\nmerged %q", base, ours, theirs, merged)
	}
	if gitClean && !clean {
		t.Fatalf("git merges cleanly, Merge leaves %d conflicts%s", len(conflicts), show())
	}
	b, o, th := splitTexts(base), splitTexts(ours), splitTexts(theirs)
	if clean {
		if strings.Contains(string(merged), "<<<<<<< ") && !strings.Contains(base+ours+theirs, "<<<<<<< ") {
			t.Fatalf("clean merge with conflict markers%s", show())
		}
		r := splitTexts(string(merged))
		if why := containsChanges(r, b, o, th); why != "" {
			t.Fatalf("clean merge loses a change of ours: %s%s", why, show())
		}
		if why := containsChanges(r, b, th, o); why != "" {
			t.Fatalf("clean merge loses a change of theirs: %s%s", why, show())
		}
		return gitClean, clean
	}
	ro, err := resolveAll(string(merged), 0)
	if err != nil {
		t.Fatalf("%v%s", err, show())
	}
	rt, _ := resolveAll(string(merged), 1)
	if why := containsChanges(ro, b, o, th); why != "" {
		t.Fatalf("taking ours in every block loses a change of ours: %s%s", why, show())
	}
	if why := containsChanges(rt, b, th, o); why != "" {
		t.Fatalf("taking theirs in every block loses a change of theirs: %s%s", why, show())
	}
	all := splitTexts(string(merged))
	for _, side := range [][]string{o, th} {
		m := matched(b, side)
		have := counts(all)
		for i, l := range side {
			if !m[i] && have[l] == 0 {
				t.Fatalf("added line %q is nowhere in the result%s", l, show())
			}
		}
	}
	return gitClean, clean
}

// sample generates an env file shaped like a recipe's .env.sample.
func sample(r *rand.Rand) []string {
	recipe := []string{"nextcloud", "wordpress", "gitea", "keycloak", "authentik"}[r.Intn(5)]
	var ls []string
	if r.Intn(2) == 0 {
		ls = append(ls, "TYPE="+recipe)
	} else {
		ls = append(ls, "TYPE="+recipe+":1.2.0+1.0")
	}
	ls = append(ls, "", "DOMAIN="+recipe+".example.com", "")
	if r.Intn(2) == 0 {
		ls = append(ls, "## Domain aliases", "#EXTRA_DOMAINS=', `www.example.com`'", "")
	}
	ls = append(ls, "LETS_ENCRYPT_ENV=production", "")
	// the overlay list, some lines commented
	ls = append(ls, `COMPOSE_FILE="compose.yml"`)
	for _, o := range []string{"postgres", "smtp", "s3", "mariadb", "sso", "redis"}[:2+r.Intn(4)] {
		pfx := "#"
		if r.Intn(3) == 0 {
			pfx = ""
		}
		ls = append(ls, pfx+`COMPOSE_FILE="$COMPOSE_FILE:compose.`+o+`.yml"`)
	}
	ls = append(ls, "")
	for n := r.Intn(4); n > 0; n-- {
		ls = append(ls, "# "+[]string{"Storage backend", "see the recipe's README", "", "uncomment to enable"}[r.Intn(4)])
	}
	// commented alternatives
	alts := []string{"#STORAGE=local", "#STORAGE=s3"}
	if r.Intn(2) == 0 {
		alts[r.Intn(2)] = strings.TrimPrefix(alts[r.Intn(2)], "#")
	}
	ls = append(ls, alts...)
	ls = append(ls, "")
	for _, s := range []string{"db_password", "admin_password", "smtp_password"}[:1+r.Intn(3)] {
		ls = append(ls, "SECRET_"+strings.ToUpper(s)+"_VERSION=v1")
	}
	if r.Intn(2) == 0 {
		ls = append(ls, "", `export PHP_MEMORY_LIMIT="512M"`)
	}
	if r.Intn(2) == 0 {
		ls = append(ls, "", "# a multi-line value", `CUSTOM_HTML="<p>`, `hello`, `</p>"`)
	}
	if r.Intn(2) == 0 {
		ls = append(ls, "", "SMTP_HOST='mail.example.com'", "#SMTP_PORT=587")
	}
	return ls
}

// edit applies one or two edits of the kinds abra and operators make.
// It returns the lines and whether abra's version write (no final
// newline) was among them.
func edit(r *rand.Rand, ls []string, tag string) ([]string, bool) {
	out := append([]string(nil), ls...)
	abra := false
	find := func(pred func(string) bool) []int {
		var is []int
		for i, l := range out {
			if pred(l) {
				is = append(is, i)
			}
		}
		return is
	}
	pick := func(is []int) int {
		if len(is) == 0 {
			return -1
		}
		return is[r.Intn(len(is))]
	}
	for n := 1 + r.Intn(2); n > 0; n-- {
		switch r.Intn(9) {
		case 0: // abra's version write
			for i, l := range out {
				if strings.HasPrefix(l, "TYPE=") || strings.HasPrefix(l, "RECIPE=") {
					k := strings.IndexByte(l, ':')
					v := []string{"1.3.0+1.0", "1.2.5+1.0", "2.0.0+2.1"}[r.Intn(3)]
					if k < 0 {
						out[i] = l + ":" + v
					} else {
						out[i] = l[:k+1] + v
					}
				}
			}
			abra = true
		case 1: // DOMAIN
			if i := pick(find(func(l string) bool { return strings.HasPrefix(l, "DOMAIN=") })); i >= 0 {
				out[i] = "DOMAIN=" + tag + ".coop.example"
			}
		case 2: // uncomment
			if i := pick(find(func(l string) bool { return strings.HasPrefix(l, "#") && strings.Contains(l, "=") })); i >= 0 {
				out[i] = out[i][1:]
			}
		case 3: // comment
			if i := pick(find(func(l string) bool {
				return l != "" && !strings.HasPrefix(l, "#") && strings.Contains(l, "=") && !strings.HasPrefix(l, "TYPE=")
			})); i >= 0 {
				out[i] = "#" + out[i]
			}
		case 4: // bump a secret version
			if i := pick(find(func(l string) bool { return strings.HasPrefix(l, "SECRET_") })); i >= 0 {
				k, v, _ := strings.Cut(out[i], "=")
				out[i] = k + "=v" + fmt.Sprint(len(v)+r.Intn(3))
			}
		case 5: // add a key
			i := r.Intn(len(out) + 1)
			add := []string{"NEW_" + strings.ToUpper(tag) + "=1", "SMTP_HOST=smtp." + tag + ".example", "ADMIN_EMAIL=ops@example.com"}[r.Intn(3)]
			out = append(out[:i], append([]string{add}, out[i:]...)...)
		case 6: // change a value
			if i := pick(find(func(l string) bool {
				return !strings.HasPrefix(l, "#") && strings.Contains(l, "=") && !strings.HasPrefix(l, "COMPOSE_FILE")
			})); i >= 0 {
				k, _, _ := strings.Cut(out[i], "=")
				out[i] = k + "=" + tag + fmt.Sprint(r.Intn(3))
			}
		case 7: // remove a line
			if len(out) > 0 {
				i := r.Intn(len(out))
				out = append(out[:i], out[i+1:]...)
			}
		case 8: // a comment line
			i := r.Intn(len(out) + 1)
			out = append(out[:i], append([]string{"# changed by " + tag}, out[i:]...)...)
		}
	}
	return out, abra
}

// render joins lines the way a file may be written: LF or CRLF, with or
// without a final newline (always without after abra's version write).
func renderLines(r *rand.Rand, ls []string, crlf, abra bool) string {
	eol := "\n"
	if crlf {
		eol = "\r\n"
	}
	s := strings.Join(ls, eol)
	if s != "" && !abra && r.Intn(4) != 0 {
		s += eol
	}
	return s
}

// genCase makes one case from a seed: base, ours and theirs.
func genCase(seed int64) (base, ours, theirs string) {
	r := rand.New(rand.NewSource(seed))
	b := sample(r)
	crlf := r.Intn(8) == 0
	o, oa := edit(r, b, "o")
	var th []string
	var ta bool
	if r.Intn(6) == 0 {
		th, ta = o, oa // both sides the same edit
	} else {
		th, ta = edit(r, b, "t")
	}
	return renderLines(r, b, crlf, false), renderLines(r, o, crlf, oa), renderLines(r, th, crlf, ta)
}

func TestDifferentialAgainstGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	n := 400
	if testing.Short() {
		n = 100
	}
	var gitClean, clean int
	for seed := int64(0); seed < int64(n); seed++ {
		base, ours, theirs := genCase(seed)
		g, c := checkProperties(t, base, ours, theirs)
		if g {
			gitClean++
		}
		if c {
			clean++
		}
	}
	t.Logf("%d cases: git merges %d cleanly, Merge %d", n, gitClean, clean)
}

// FuzzMergeAgainstGit runs the differential test on generated cases (from
// the seed) and on arbitrary three versions.
func FuzzMergeAgainstGit(f *testing.F) {
	if _, err := exec.LookPath("git"); err != nil {
		f.Skip("git not installed")
	}
	for seed := int64(0); seed < 16; seed++ {
		f.Add(seed, "", "", "")
	}
	for _, c := range cases {
		f.Add(int64(-1), c.base, c.ours, c.theirs)
	}
	f.Add(int64(-1),
		"COMPOSE_FILE=\"compose.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.smtp.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.s3.yml\"\n",
		"COMPOSE_FILE=\"compose.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.smtp.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.s3.yml\"\n",
		"COMPOSE_FILE=\"compose.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.smtp.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.s3.yml\"\n")
	f.Fuzz(func(t *testing.T, seed int64, base, ours, theirs string) {
		if seed >= 0 {
			base, ours, theirs = genCase(seed)
		}
		if len(base)+len(ours)+len(theirs) > 4096 || strings.ContainsRune(base+ours+theirs, 0) {
			return
		}
		// A last line ending in a bare "\r" cannot be given a line ending
		// without becoming another line ("x\r" + "\n" reads as "x"):
		// not an env file any editor writes.
		for _, s := range []string{base, ours, theirs} {
			if strings.HasSuffix(s, "\r") {
				return
			}
		}
		checkProperties(t, base, ours, theirs)
	})
}

// BenchmarkMerge and BenchmarkGitMergeFile compare the driver's merge of
// sample-shaped files with one `git merge-file` process on the same.
func BenchmarkMerge(b *testing.B) {
	var cs [][3]string
	for seed := int64(0); seed < 64; seed++ {
		x, y, z := genCase(seed)
		cs = append(cs, [3]string{x, y, z})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := cs[i%len(cs)]
		Merge([]byte(c[0]), []byte(c[1]), []byte(c[2]))
	}
}

func BenchmarkGitMergeFile(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not installed")
	}
	for i := 0; i < b.N; i++ {
		x, y, z := genCase(int64(i % 64))
		gitMerge(b, x, y, z)
	}
}

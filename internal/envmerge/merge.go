// Package envmerge merges three versions of an env file (KEY=VALUE lines
// with comments): line by line as git does, and by key where that is
// unambiguous.
//
// git's line merge reports a conflict whenever both sides change lines that
// touch: one operator's deploy rewrites the TYPE= line while another bumps
// SECRET_DB_PASSWORD_VERSION on the next line, or the version line, which
// abra writes without a final newline, gains a line after it. Such a
// conflict hunk is merged by key when every variable in it is defined once
// in each version: each side's added, changed and removed variables apply,
// and a conflict is left only where both sides changed the same variable
// differently, marked like git marks one, around that variable alone.
// Repeated variables (the COMPOSE_FILE overlay list) and commented
// alternatives are lines in order, merged as git merges them. Comments,
// blank lines, the order of lines, the line endings and the presence or
// absence of a final newline are kept. The exact rule is in lines.go.
package envmerge

import (
	"strings"
)

// Conflict is a variable both sides changed differently, or (Key "") a
// group of lines both sides rewrote that is not merged by key (see
// mergeLines): Names lists the variables those lines define.
type Conflict struct {
	Key   string   `json:"key,omitempty"`
	Names []string `json:"names,omitempty"`
	// The lines as each side has them, without line endings; "" and
	// In* false when the side does not have the variable.
	Base, Ours, Theirs       string
	InBase, InOurs, InTheirs bool
}

// OursValue is the value our side gives the variable (after "=").
func (c Conflict) OursValue() string { return valueOf(c.Ours) }

// TheirsValue is the value their side gives the variable.
func (c Conflict) TheirsValue() string { return valueOf(c.Theirs) }

// BaseValue is the value the common ancestor gave the variable.
func (c Conflict) BaseValue() string { return valueOf(c.Base) }

func valueOf(s string) string {
	_, v, _ := strings.Cut(s, "=")
	return strings.TrimSpace(v)
}

// Options change how Merge resolves and marks conflicts.
type Options struct {
	// KeepOurs lists variables whose conflicts are resolved for our side
	// instead of being marked. They are reported in Result.Resolved.
	KeepOurs []string
	// OursLabel and TheirsLabel follow the conflict markers; "ours" and
	// "theirs" when empty.
	OursLabel, TheirsLabel string
	// MarkerSize is the length of the conflict markers; 7 when 0.
	MarkerSize int
}

// Result is a merge.
type Result struct {
	Merged    []byte
	Conflicts []Conflict // marked in Merged
	Resolved  []Conflict // resolved for our side (Options.KeepOurs)
}

// Merge merges ours and theirs, two versions of an env file descending
// from base. merged holds conflict markers where conflicts are non-empty.
func Merge(base, ours, theirs []byte) (merged []byte, conflicts []Conflict) {
	r := MergeWith(base, ours, theirs, Options{})
	return r.Merged, r.Conflicts
}

// MergeWith is Merge with options.
func MergeWith(base, ours, theirs []byte, opt Options) Result {
	return mergeLines(parse(base), parse(ours), parse(theirs), opt)
}

// keyMerge merges three versions of a region by key: the whole-region
// merge that mergeLines applies where every variable involved is defined
// once in each version (see resolvable).
func keyMerge(b, o, t file, opt Options) ([]piece, Result) {
	m := &merger{b: b, o: o, t: t, opt: opt, emitted: map[string]bool{}}
	m.decide()
	m.walk()
	// Safety net: a variable that must be in the result but found no place
	// in the merged layout goes at the end rather than being lost.
	for _, f := range []*file{&m.o, &m.t, &m.b} {
		for i := range f.items {
			it := &f.items[i]
			if it.kind == assignment && !m.emitted[it.id] && m.dec[it.id].state != absent {
				m.emitKey(it.id)
			}
		}
	}
	return m.out, m.res
}

type state int

const (
	absent state = iota
	present
	conflicted
)

// decision is the merged fate of one variable.
type decision struct {
	state   state
	take    *item // present: the version that wins
	b, o, t *item
}

type merger struct {
	b, o, t file
	opt     Options
	dec     map[string]*decision // by item id
	emitted map[string]bool
	out     []piece
	res     Result
}

// piece is a run of output lines; marker lines are pieces too.
type piece struct {
	lines  []line
	marker bool
}

// decide settles every variable by the three-way rule: what both sides
// agree on; else what the side that changed it says; else a conflict.
func (m *merger) decide() {
	m.dec = map[string]*decision{}
	get := func(id string) *decision {
		d := m.dec[id]
		if d == nil {
			d = &decision{}
			m.dec[id] = d
		}
		return d
	}
	for i := range m.b.items {
		if it := &m.b.items[i]; it.kind == assignment {
			get(it.id).b = it
		}
	}
	for i := range m.o.items {
		if it := &m.o.items[i]; it.kind == assignment {
			get(it.id).o = it
		}
	}
	for i := range m.t.items {
		if it := &m.t.items[i]; it.kind == assignment {
			get(it.id).t = it
		}
	}
	for _, d := range m.dec {
		switch {
		case same(d.o, d.t):
			d.take = d.o
		case same(d.o, d.b):
			d.take = d.t
		case same(d.t, d.b):
			d.take = d.o
		default:
			d.state = conflicted
			continue
		}
		if d.take != nil {
			d.state = present
		}
	}
}

func same(a, b *item) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.text() == b.text()
}

// walk lays out the merged file: a three-way merge (diff3) of the three
// sequences of item identities, in which a changed value is no change at
// all, so only lines added, removed or moved shape the layout.
func (m *merger) walk() {
	b, o, t := m.b.items, m.o.items, m.t.items
	mo := match(b, o)
	mt := match(b, t)
	ib, io, it := 0, 0, 0
	for {
		// A stable run: the same items in all three, in step.
		n := 0
		for ib+n < len(b) && mo[ib+n] == io+n && mt[ib+n] == it+n {
			n++
		}
		if n > 0 {
			for k := 0; k < n; k++ {
				m.emitStable(&o[io+k])
			}
			ib, io, it = ib+n, io+n, it+n
			continue
		}
		// An unstable chunk runs to the next base item found in both sides.
		j := ib
		for j < len(b) && (mo[j] < 0 || mt[j] < 0) {
			j++
		}
		if j == len(b) {
			m.chunk(b[ib:], o[io:], t[it:])
			return
		}
		m.chunk(b[ib:j], o[io:mo[j]], t[it:mt[j]])
		ib, io, it = j, mo[j], mt[j]
	}
}

func (m *merger) emitStable(it *item) {
	if it.kind == assignment {
		m.emitKey(it.id)
		return
	}
	m.out = append(m.out, piece{lines: it.lines})
}

// chunk merges a region where the sides' layouts differ.
func (m *merger) chunk(b, o, t []item) {
	bo, bt, ot := sameIDs(b, o), sameIDs(b, t), sameIDs(o, t)
	var order []*item
	// The region takes the order of the side that reshaped it. Items only
	// the other versions have here follow: lines the three-way count keeps,
	// and variables a side removed that must stay (a conflict) — unless
	// the leading side has them elsewhere, where they moved to.
	switch {
	case bo: // only theirs reshaped this region: their order
		order = concat(ptrs(t), notIn(missing(ptrs(b), t), &m.t))
	case bt, ot: // only ours did, or both the same way: our order
		order = concat(ptrs(o), notIn(missing(ptrs(b), o), &m.o))
	default:
		// Both reshaped it. Assignments are settled by their decisions and
		// comments and blank lines are harmless to keep from both sides;
		// other lines cannot be merged safely, so they conflict.
		if hasChangedOther(b, o, t) {
			m.regionConflict(b, o, t)
			return
		}
		order = concat(ptrs(o), notIn(missing(ptrs(t), o), &m.o))
		order = concat(order, notIn(notIn(missing(missing(ptrs(b), o), t), &m.o), &m.t))
	}
	want := map[string]int{}
	count := func(items []item) map[string]int {
		c := map[string]int{}
		for i := range items {
			if items[i].kind != assignment {
				c[items[i].id]++
			}
		}
		return c
	}
	cb, co, ct := count(b), count(o), count(t)
	for id := range union(cb, co, ct) {
		want[id] = threeWayCount(cb[id], co[id], ct[id])
	}
	for _, it := range order {
		if it.kind == assignment {
			if !m.emitted[it.id] && m.dec[it.id].state != absent {
				m.emitKey(it.id)
			}
			continue
		}
		if want[it.id] > 0 {
			want[it.id]--
			m.out = append(m.out, piece{lines: it.lines})
		}
	}
}

// threeWayCount is how many copies of a line to keep when base has b, ours
// o and theirs t of them.
func threeWayCount(b, o, t int) int {
	switch {
	case o == t:
		return o
	case o == b:
		return t
	case t == b:
		return o
	}
	return max(o, t)
}

func hasChangedOther(b, o, t []item) bool {
	in := func(items []item, id string) bool {
		for i := range items {
			if items[i].id == id {
				return true
			}
		}
		return false
	}
	for _, set := range [][]item{b, o, t} {
		for i := range set {
			it := &set[i]
			if it.kind == other && !(in(b, it.id) && in(o, it.id) && in(t, it.id)) {
				return true
			}
		}
	}
	return false
}

// regionConflict marks a whole region both sides rewrote.
func (m *merger) regionConflict(b, o, t []item) {
	var c Conflict
	var ol, tl []line
	for i := range o {
		ol = append(ol, o[i].lines...)
		m.emitted[o[i].id] = m.emitted[o[i].id] || o[i].kind == assignment
	}
	for i := range t {
		tl = append(tl, t[i].lines...)
		m.emitted[t[i].id] = m.emitted[t[i].id] || t[i].kind == assignment
	}
	c.Base, c.InBase = joinItems(b), len(b) > 0
	c.Ours, c.InOurs = joinItems(o), len(o) > 0
	c.Theirs, c.InTheirs = joinItems(t), len(t) > 0
	m.res.Conflicts = append(m.res.Conflicts, c)
	m.markers(ol, tl)
}

func joinItems(items []item) string {
	var parts []string
	for i := range items {
		parts = append(parts, items[i].text())
	}
	return strings.Join(parts, "\n")
}

// emitKey writes a variable as decided.
func (m *merger) emitKey(id string) {
	m.emitted[id] = true
	d := m.dec[id]
	switch d.state {
	case present:
		m.out = append(m.out, piece{lines: d.take.lines})
	case conflicted:
		c := Conflict{Key: keyOf(d)}
		for _, side := range []struct {
			it   *item
			text *string
			in   *bool
		}{{d.b, &c.Base, &c.InBase}, {d.o, &c.Ours, &c.InOurs}, {d.t, &c.Theirs, &c.InTheirs}} {
			if side.it != nil {
				*side.text, *side.in = side.it.text(), true
			}
		}
		if m.keepOurs(c.Key) {
			m.res.Resolved = append(m.res.Resolved, c)
			if d.o != nil {
				m.out = append(m.out, piece{lines: d.o.lines})
			}
			return
		}
		m.res.Conflicts = append(m.res.Conflicts, c)
		var ol, tl []line
		if d.o != nil {
			ol = d.o.lines
		}
		if d.t != nil {
			tl = d.t.lines
		}
		m.markers(ol, tl)
	}
}

func keyOf(d *decision) string {
	for _, it := range []*item{d.o, d.t, d.b} {
		if it != nil {
			return it.key
		}
	}
	return ""
}

func (m *merger) keepOurs(key string) bool {
	for _, k := range m.opt.KeepOurs {
		if k == key {
			return true
		}
	}
	return false
}

// markers writes git's conflict markers around the two sides' lines.
func (m *merger) markers(ours, theirs []line) {
	m.out = append(m.out, markers(m.opt, ours, theirs)...)
}

func markers(opt Options, ours, theirs []line) []piece {
	size := opt.MarkerSize
	if size <= 0 {
		size = 7
	}
	ol, tl := opt.OursLabel, opt.TheirsLabel
	if ol == "" {
		ol = "ours"
	}
	if tl == "" {
		tl = "theirs"
	}
	mark := func(c byte, label string) piece {
		s := strings.Repeat(string(c), size)
		if label != "" {
			s += " " + label
		}
		return piece{lines: []line{{text: s, eol: "\n"}}, marker: true}
	}
	return []piece{mark('<', ol), {lines: ours}, mark('=', ""), {lines: theirs}, mark('>', tl)}
}

// render joins the pieces with the merged line-ending style and final
// newline.
func render(b, o, t *file, out []piece) []byte {
	style := pick3(b.style, o.style, t.style)
	if style == "" {
		style = "lf"
	}
	finalNL := pick3b(b.finalNL, o.finalNL, t.finalNL)
	var all []line
	for _, p := range out {
		all = append(all, p.lines...)
	}
	if n := len(out); n > 0 && out[n-1].marker {
		finalNL = true // a conflict marker ends its line, as git writes it
	}
	if n := len(all); n > 0 && all[n-1].text == "" {
		finalNL = true // else the last line, a blank one, would be lost
	}
	var sb strings.Builder
	for i, l := range all {
		sb.WriteString(l.text)
		if i == len(all)-1 && !finalNL {
			break
		}
		switch {
		case strings.HasSuffix(l.text, "\r") && l.eol != "":
			// "x\r" + "\n" would read back as "x": the line keeps its own
			// ending
			sb.WriteString(l.eol)
		case style == "crlf":
			sb.WriteString("\r\n")
		case style == "lf":
			sb.WriteString("\n")
		default:
			if l.eol != "" {
				sb.WriteString(l.eol)
			} else {
				sb.WriteString("\n")
			}
		}
	}
	return []byte(sb.String())
}

// pick3 is the three-way rule for a property of the whole file; "" (not
// known: a file without line endings) sides with base.
func pick3(b, o, t string) string {
	if o == "" {
		o = b
	}
	if t == "" {
		t = b
	}
	switch {
	case o == t, t == b:
		return o
	case o == b:
		return t
	}
	return o
}

func pick3b(b, o, t bool) bool {
	if o == b {
		return t
	}
	return o
}

// match returns, for each item of a, the index of the item of b it is
// matched with by a longest common subsequence of identities, or -1.
func match(a, b []item) []int {
	ai, bi := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ai[i] = a[i].id
	}
	for i := range b {
		bi[i] = b[i].id
	}
	return matchIDs(ai, bi)
}

// matchIDs is match on plain identities.
func matchIDs(a, b []string) []int {
	n, k := len(a), len(b)
	res := make([]int, n)
	for i := range res {
		res[i] = -1
	}
	// Trim the common head and tail: most versions differ in a few lines.
	lo := 0
	for lo < n && lo < k && a[lo] == b[lo] {
		res[lo] = lo
		lo++
	}
	hiA, hiB := n, k
	for hiA > lo && hiB > lo && a[hiA-1] == b[hiB-1] {
		hiA--
		hiB--
		res[hiA] = hiB
	}
	ra, rb := hiA-lo, hiB-lo
	if ra == 0 || rb == 0 {
		return res
	}
	// lcs[i][j] = LCS length of a[lo+i:hiA] and b[lo+j:hiB].
	lcs := make([][]int32, ra+1)
	for i := range lcs {
		lcs[i] = make([]int32, rb+1)
	}
	for i := ra - 1; i >= 0; i-- {
		for j := rb - 1; j >= 0; j-- {
			if a[lo+i] == b[lo+j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	for i, j := 0, 0; i < ra && j < rb; {
		switch {
		case a[lo+i] == b[lo+j]:
			res[lo+i] = lo + j
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			i++
		default:
			j++
		}
	}
	return res
}

func sameIDs(a, b []item) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].id != b[i].id {
			return false
		}
	}
	return true
}

func ptrs(items []item) []*item {
	out := make([]*item, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

func concat(a, b []*item) []*item { return append(append([]*item(nil), a...), b...) }

// missing returns the items of list whose identity is not among from's.
func missing(list []*item, from []item) []*item {
	ids := map[string]bool{}
	for i := range from {
		ids[from[i].id] = true
	}
	var out []*item
	for _, it := range list {
		if !ids[it.id] {
			out = append(out, it)
		}
	}
	return out
}

// notIn drops the variables f has anywhere: their place is where f has
// them. Other lines pass.
func notIn(list []*item, f *file) []*item {
	var out []*item
	for _, it := range list {
		if it.kind != assignment || !f.has(it.id) {
			out = append(out, it)
		}
	}
	return out
}

func (f *file) has(id string) bool {
	if f.ids == nil {
		f.ids = map[string]bool{}
		for i := range f.items {
			f.ids[f.items[i].id] = true
		}
	}
	return f.ids[id]
}

func union(ms ...map[string]int) map[string]bool {
	out := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			out[k] = true
		}
	}
	return out
}

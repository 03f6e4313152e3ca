package envmerge

import (
	"slices"
	"strings"
)

// The merge is a line merge first, as git's is, and a key merge only where
// it cannot go wrong:
//
//  1. The three versions are compared line by line (a line's text, without
//     its line ending) and split, like diff3, into stable runs — lines all
//     three have, in step — and chunks between them. A chunk only one side
//     changed, or both the same way, takes that side's lines. A chunk both
//     sides changed differently is a conflict hunk. Two sides' changes that
//     touch (no unchanged line between them) fall in one hunk, as in git.
//  2. A conflict hunk whose three versions have the same number of lines
//     (none inside a multi-line value), each changed in place (the new
//     line is not elsewhere in base's region, nor the old one elsewhere in
//     that side's) by one side at most or by both the same way, is merged
//     line by line: two operators
//     uncommenting adjacent overlay lines both land.
//  3. Else a conflict hunk is merged by key when it is resolvable: in each
//     version it is made of whole entries (a multi-line value is not cut;
//     the hunk takes in the unchanged lines of a value it would cut), every
//     variable it defines is defined at most once in each whole version,
//     inside the hunk if at all, it has no line that is neither an
//     assignment nor a comment or blank, and its other lines (comments, blank
//     lines) are as in base on both sides, or changed the same way by both,
//     or changed by one side while the other only changed values (its
//     lines are base's variables, in base's order). The key merge applies
//     each side's added, changed and removed variables and marks a
//     variable both sides changed differently alone.
//  4. Else a hunk of the same number of lines in all three (none inside a
//     multi-line value) is merged line by line as in 2, each run of lines
//     both sides changed differently marked alone — but for a variable
//     defined once in each version and named in Options.KeepOurs, whose
//     line is resolved for our side. Else, where both sides
//     only inserted lines at one place, whole entries and none defining a
//     variable defined anywhere else in any version, the result is our
//     lines, then theirs.
//  5. Any other conflict hunk is marked whole, with the lines both sides
//     share at its start and end left outside the markers (as git's
//     zealous merge does).
//
// So repeated variables (the COMPOSE_FILE overlay list) and commented
// alternatives are merged as lines in order, like git merges them; and
// where a version differs from base only by line endings or the final
// newline it is no change, as before: the file's line-ending style and
// final newline follow the three-way rule in render.

// version is one of the three files seen as lines.
type version struct {
	f     *file
	lines []line
	texts []string
	item  []int          // the item each line belongs to
	start []bool         // the line begins its item
	defs  map[string]int // how many times each variable is defined
	def   map[string]int // the item defining a variable defined once
}

func newVersion(f *file) *version {
	v := &version{f: f, defs: map[string]int{}, def: map[string]int{}}
	for i := range f.items {
		it := &f.items[i]
		for j, l := range it.lines {
			v.lines = append(v.lines, l)
			v.texts = append(v.texts, l.text)
			v.item = append(v.item, i)
			v.start = append(v.start, j == 0)
		}
		if it.kind == assignment {
			v.defs[it.key]++
			v.def[it.key] = i
		}
	}
	return v
}

// boundary reports whether line index i begins an item (or is the end).
func (v *version) boundary(i int) bool { return i == len(v.lines) || v.start[i] }

// single reports whether line i is an item of its own.
func (v *version) single(i int) bool { return len(v.f.items[v.item[i]].lines) == 1 }

// toStart is how many lines before line i its item begins.
func (v *version) toStart(i int) int {
	n := 0
	for i-n < len(v.lines) && i-n > 0 && !v.start[i-n] {
		n++
	}
	return n
}

// toEnd is how many lines from line i on its item still runs.
func (v *version) toEnd(i int) int {
	n := 0
	for i+n < len(v.lines) && !v.start[i+n] {
		n++
	}
	return n
}

// itemIndex is the item at line index i, or len(items) at the end.
func (v *version) itemIndex(i int) int {
	if i == len(v.lines) {
		return len(v.f.items)
	}
	return v.item[i]
}

type lineMerger struct {
	b, o, t *version
	opt     Options
	out     []piece
	res     Result
}

func mergeLines(fb, fo, ft file, opt Options) Result {
	m := &lineMerger{b: newVersion(&fb), o: newVersion(&fo), t: newVersion(&ft), opt: opt}
	b, o, t := m.b.texts, m.o.texts, m.t.texts
	mo, mt := matchIDs(b, o), matchIDs(b, t)
	stable := func(ib, io, it int) int {
		n := 0
		for ib+n < len(b) && mo[ib+n] == io+n && mt[ib+n] == it+n {
			n++
		}
		return n
	}
	ib, io, it := 0, 0, 0
	last := 0 // lines in the stable run just written
	for {
		if n := stable(ib, io, it); n > 0 {
			m.out = append(m.out, piece{lines: m.o.lines[io : io+n]})
			ib, io, it = ib+n, io+n, it+n
			last = n
			continue
		}
		j := ib
		for j < len(b) && (mo[j] < 0 || mt[j] < 0) {
			j++
		}
		jo, jt := len(o), len(t)
		if j < len(b) {
			jo, jt = mo[j], mt[j]
		}
		// A chunk that cuts a multi-line value takes in the unchanged
		// lines of the value around it (they are in step in all three).
		if k := max(m.b.toStart(ib), m.o.toStart(io), m.t.toStart(it)); k > 0 && k <= last {
			p := &m.out[len(m.out)-1]
			p.lines = p.lines[:len(p.lines)-k]
			ib, io, it = ib-k, io-k, it-k
		}
		if k := max(m.b.toEnd(j), m.o.toEnd(jo), m.t.toEnd(jt)); k > 0 && j < len(b) && k <= stable(j, jo, jt) {
			j, jo, jt = j+k, jo+k, jt+k
		}
		m.chunk(ib, j, io, jo, it, jt)
		last = 0
		if j == len(b) && jo == len(o) && jt == len(t) {
			break
		}
		ib, io, it = j, jo, jt
	}
	m.res.Merged = render(&fb, &fo, &ft, m.out)
	return m.res
}

// chunk merges the region base[b0:b1], ours[o0:o1], theirs[t0:t1].
func (m *lineMerger) chunk(b0, b1, o0, o1, t0, t1 int) {
	bs, os, ts := m.b.texts[b0:b1], m.o.texts[o0:o1], m.t.texts[t0:t1]
	switch {
	case slices.Equal(bs, os):
		m.out = append(m.out, piece{lines: m.t.lines[t0:t1]})
		return
	case slices.Equal(bs, ts), slices.Equal(os, ts):
		m.out = append(m.out, piece{lines: m.o.lines[o0:o1]})
		return
	}
	sameLen := b1-b0 == o1-o0 && b1-b0 == t1-t0
	if sameLen && m.inPlace(b0, b1, o0, t0, false) {
		return
	}
	if m.resolvable(b0, b1, o0, o1, t0, t1) {
		sub := func(v *version, lo, hi int) file {
			return file{items: v.f.items[v.itemIndex(lo):v.itemIndex(hi)]}
		}
		pieces, r := keyMerge(sub(m.b, b0, b1), sub(m.o, o0, o1), sub(m.t, t0, t1), m.opt)
		m.out = append(m.out, pieces...)
		m.res.Conflicts = append(m.res.Conflicts, r.Conflicts...)
		m.res.Resolved = append(m.res.Resolved, r.Resolved...)
		return
	}
	if sameLen && m.inPlace(b0, b1, o0, t0, true) {
		return
	}
	if b0 == b1 && m.bothInsert(o0, o1, t0, t1) {
		// Both sides added lines at one place and nothing else: ours, then
		// theirs.
		m.out = append(m.out, piece{lines: m.o.lines[o0:o1]}, piece{lines: m.t.lines[t0:t1]})
		return
	}
	// Marked whole, but for the lines both sides have at its edges.
	for o0 < o1 && t0 < t1 && m.o.texts[o0] == m.t.texts[t0] {
		m.out = append(m.out, piece{lines: m.o.lines[o0 : o0+1]})
		o0, t0 = o0+1, t0+1
	}
	var tail []line
	for o1 > o0 && t1 > t0 && m.o.texts[o1-1] == m.t.texts[t1-1] {
		tail = append([]line{m.o.lines[o1-1]}, tail...)
		o1, t1 = o1-1, t1-1
	}
	m.lineConflict(b0, b1, o0, o1, t0, t1)
	if len(tail) > 0 {
		m.out = append(m.out, piece{lines: tail})
	}
}

// inPlace merges a hunk of lines changed in place (the same number in
// all three, none inside a multi-line value) line by line; each run of
// lines both sides changed differently is marked alone, as its own
// conflict (only with conflicts true: else there must be none). It reports
// false, having written nothing, when the rule does not apply.
func (m *lineMerger) inPlace(b0, b1, o0, t0 int, conflicts bool) bool {
	n := b1 - b0
	set := func(ts []string) map[string]bool {
		out := map[string]bool{}
		for _, t := range ts {
			out[t] = true
		}
		return out
	}
	bs, os, ts := set(m.b.texts[b0:b1]), set(m.o.texts[o0:o0+n]), set(m.t.texts[t0:t0+n])
	both := make([]bool, n)
	nb := 0
	for i := 0; i < n; i++ {
		if !m.b.single(b0+i) || !m.o.single(o0+i) || !m.t.single(t0+i) {
			return false
		}
		// A line changed in place is new to the region, and the line it
		// replaces is gone from that side's region: else the side moved
		// lines (one removed, another kept), and pairing by position would
		// take a kept line for a changed one.
		for _, side := range []struct {
			text string
			has  map[string]bool
		}{{m.o.texts[o0+i], os}, {m.t.texts[t0+i], ts}} {
			if bl := m.b.texts[b0+i]; side.text != bl && (bs[side.text] || side.has[bl]) {
				return false
			}
		}
		bl, ol, tl := m.b.texts[b0+i], m.o.texts[o0+i], m.t.texts[t0+i]
		if ol != bl && tl != bl && ol != tl && !m.keptOurs(b0+i, o0+i, t0+i) {
			both[i] = true
			nb++
		}
	}
	if nb > 0 && !conflicts {
		return false
	}
	for i := 0; i < n; i++ {
		switch {
		case both[i]:
			k := i
			for k < n && both[k] {
				k++
			}
			m.lineConflict(b0+i, b0+k, o0+i, o0+k, t0+i, t0+k)
			i = k - 1
		case m.o.texts[o0+i] != m.b.texts[b0+i] && m.t.texts[t0+i] != m.b.texts[b0+i] &&
			m.o.texts[o0+i] != m.t.texts[t0+i]:
			// a variable of Options.KeepOurs (keptOurs)
			it := &m.o.f.items[m.o.item[o0+i]]
			m.res.Resolved = append(m.res.Resolved, Conflict{Key: it.key,
				Base: m.b.texts[b0+i], Ours: m.o.texts[o0+i], Theirs: m.t.texts[t0+i],
				InBase: true, InOurs: true, InTheirs: true})
			m.out = append(m.out, piece{lines: m.o.lines[o0+i : o0+i+1]})
		case m.o.texts[o0+i] == m.b.texts[b0+i]:
			m.out = append(m.out, piece{lines: m.t.lines[t0+i : t0+i+1]})
		default:
			m.out = append(m.out, piece{lines: m.o.lines[o0+i : o0+i+1]})
		}
	}
	return true
}

// keptOurs: the three lines define the same variable, defined once in each
// version and named in Options.KeepOurs: resolved for our side.
func (m *lineMerger) keptOurs(ib, io, it int) bool {
	key := ""
	for _, x := range []struct {
		v *version
		i int
	}{{m.b, ib}, {m.o, io}, {m.t, it}} {
		item := &x.v.f.items[x.v.item[x.i]]
		if item.kind != assignment || x.v.defs[item.key] != 1 || (key != "" && item.key != key) {
			return false
		}
		key = item.key
	}
	for _, k := range m.opt.KeepOurs {
		if k == key {
			return true
		}
	}
	return false
}

// lineConflict marks the region as a conflict of lines.
func (m *lineMerger) lineConflict(b0, b1, o0, o1, t0, t1 int) {
	c := Conflict{
		Base: strings.Join(m.b.texts[b0:b1], "\n"), InBase: b1 > b0,
		Ours: strings.Join(m.o.texts[o0:o1], "\n"), InOurs: o1 > o0,
		Theirs: strings.Join(m.t.texts[t0:t1], "\n"), InTheirs: t1 > t0,
	}
	c.Names = m.names(b0, b1, o0, o1, t0, t1)
	m.res.Conflicts = append(m.res.Conflicts, c)
	m.out = append(m.out, markers(m.opt, m.o.lines[o0:o1], m.t.lines[t0:t1])...)
}

// resolvable is rule 2: the hunk is whole entries in each version, and each
// variable it defines is defined at most once in each version, in the hunk.
func (m *lineMerger) resolvable(b0, b1, o0, o1, t0, t1 int) bool {
	type section struct {
		v      *version
		lo, hi int
	}
	secs := []section{{m.b, b0, b1}, {m.o, o0, o1}, {m.t, t0, t1}}
	for _, s := range secs {
		if !s.v.boundary(s.lo) || !s.v.boundary(s.hi) {
			return false
		}
	}
	// The lines that are not assignments (comments, blank lines) are
	// changed by one side at most: the key merge keeps them in that side's
	// order, and could not interleave two sides' rearrangements.
	others := func(s section) []string {
		var out []string
		for i := s.v.itemIndex(s.lo); i < s.v.itemIndex(s.hi); i++ {
			if it := &s.v.f.items[i]; it.kind != assignment {
				out = append(out, it.text())
			}
		}
		return out
	}
	ids := func(s section) []string {
		var out []string
		for i := s.v.itemIndex(s.lo); i < s.v.itemIndex(s.hi); i++ {
			out = append(out, s.v.f.items[i].id)
		}
		return out
	}
	cb, co, ct := others(secs[0]), others(secs[1]), others(secs[2])
	switch ob, tb := slices.Equal(cb, co), slices.Equal(cb, ct); {
	case ob && tb, slices.Equal(co, ct):
	case ob: // theirs changed them: ours only changed values
		if !slices.Equal(ids(secs[0]), ids(secs[1])) {
			return false
		}
	case tb:
		if !slices.Equal(ids(secs[0]), ids(secs[2])) {
			return false
		}
	default:
		return false
	}
	for _, s := range secs {
		for i := s.v.itemIndex(s.lo); i < s.v.itemIndex(s.hi); i++ {
			it := &s.v.f.items[i]
			if it.kind == other {
				return false // not KEY=VALUE, nor a comment: text, merged as lines
			}
			if it.kind != assignment {
				continue
			}
			for _, w := range secs {
				switch w.v.defs[it.key] {
				case 0:
				case 1:
					if d := w.v.def[it.key]; d < w.v.itemIndex(w.lo) || d >= w.v.itemIndex(w.hi) {
						return false
					}
				default:
					return false
				}
			}
		}
	}
	return true
}

// bothInsert: the lines each side inserted at one place are whole entries,
// and no variable they define is defined anywhere else in any version.
func (m *lineMerger) bothInsert(o0, o1, t0, t1 int) bool {
	if !m.o.boundary(o0) || !m.o.boundary(o1) || !m.t.boundary(t0) || !m.t.boundary(t1) {
		return false
	}
	for _, s := range []struct {
		v      *version
		lo, hi int
	}{{m.o, o0, o1}, {m.t, t0, t1}} {
		for i := s.v.itemIndex(s.lo); i < s.v.itemIndex(s.hi); i++ {
			it := &s.v.f.items[i]
			if it.kind == assignment && (s.v.defs[it.key] != 1 || m.b.defs[it.key] != 0 ||
				m.o.defs[it.key]+m.t.defs[it.key] != 1) {
				return false
			}
		}
	}
	return true
}

// names lists the variables defined in a hunk's lines, for messages.
func (m *lineMerger) names(b0, b1, o0, o1, t0, t1 int) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range []struct {
		v      *version
		lo, hi int
	}{{m.o, o0, o1}, {m.t, t0, t1}, {m.b, b0, b1}} {
		for i := s.lo; i < s.hi; i++ {
			it := &s.v.f.items[s.v.item[i]]
			if it.kind == assignment && !seen[it.key] {
				seen[it.key] = true
				out = append(out, it.key)
			}
		}
	}
	return out
}

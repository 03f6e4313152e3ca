package abra

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// shellSplit splits a command line into words the way a POSIX shell (bash,
// for $'…') does, for the quoting Canonical and Quote produce and the
// quoting operators type: blanks separate words; '…' is literal; "…" is
// literal except for \" \\ \$ \` and a backslash-newline; $'…' takes the
// ANSI-C escapes; a backslash outside quotes quotes the next character.
// Expansions ($x, globs, ~) are not performed: the corpus holds literal
// command lines.
func shellSplit(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\\':
			inWord = true
			if i+1 >= len(line) {
				return nil, fmt.Errorf("trailing backslash in %q", line)
			}
			i++
			if line[i] != '\n' {
				cur.WriteByte(line[i])
			}
		case c == '\'':
			inWord = true
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", line)
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += 1 + end
		case c == '"':
			inWord = true
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' && j+1 < len(line) && strings.IndexByte("\"\\$`\n", line[j+1]) >= 0 {
					j++
					if line[j] != '\n' {
						cur.WriteByte(line[j])
					}
					continue
				}
				cur.WriteByte(line[j])
			}
			if j >= len(line) {
				return nil, fmt.Errorf("unterminated \" in %q", line)
			}
			i = j
		case c == '$' && i+1 < len(line) && line[i+1] == '\'':
			inWord = true
			j, err := ansiC(line, i+2, &cur)
			if err != nil {
				return nil, err
			}
			i = j
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// ansiC reads the body of a $'…' word starting at line[i] up to the closing
// quote, writing the decoded bytes to b; it returns the closing quote's index.
func ansiC(line string, i int, b *strings.Builder) (int, error) {
	simple := map[byte]byte{'a': 7, 'b': 8, 'e': 27, 'E': 27, 'f': 12, 'n': 10, 'r': 13, 't': 9, 'v': 11,
		'\\': '\\', '\'': '\'', '"': '"', '?': '?'}
	for ; i < len(line); i++ {
		c := line[i]
		if c == '\'' {
			return i, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(line) {
			break
		}
		e := line[i]
		if v, ok := simple[e]; ok {
			b.WriteByte(v)
			continue
		}
		switch e {
		case 'x':
			n := 0
			for n < 2 && i+1+n < len(line) && isHex(line[i+1+n]) {
				n++
			}
			if n == 0 {
				return 0, fmt.Errorf(`\x without hex digits in %q`, line)
			}
			v, _ := strconv.ParseUint(line[i+1:i+1+n], 16, 8)
			b.WriteByte(byte(v))
			i += n
		case 'u', 'U':
			max := 4
			if e == 'U' {
				max = 8
			}
			n := 0
			for n < max && i+1+n < len(line) && isHex(line[i+1+n]) {
				n++
			}
			if n == 0 {
				return 0, fmt.Errorf(`\%c without hex digits in %q`, e, line)
			}
			v, _ := strconv.ParseUint(line[i+1:i+1+n], 16, 32)
			b.WriteRune(rune(v))
			i += n
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n := 1
			for n < 3 && i+n < len(line) && line[i+n] >= '0' && line[i+n] <= '7' {
				n++
			}
			v, _ := strconv.ParseUint(line[i:i+n], 8, 8)
			b.WriteByte(byte(v))
			i += n - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return 0, fmt.Errorf("unterminated $' in %q", line)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// cutFields splits a line at every "|" that is outside quotes, trimming
// blanks around each field (the corpus's column separator).
func cutFields(line string) []string {
	var fields []string
	start := 0
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '\'' && c == '\'':
			quote = 0
		case quote == '"' && c == '\\':
			i++
		case quote == '"' && c == '"':
			quote = 0
		case quote != 0:
		case c == '\\':
			i++
		case c == '$' && i+1 < len(line) && line[i+1] == '\'':
			// $'…' may hold \' : skip to the real end.
			j := i + 2
			for ; j < len(line) && line[j] != '\''; j++ {
				if line[j] == '\\' {
					j++
				}
			}
			i = j
		case c == '\'' || c == '"':
			quote = c
		case c == '|':
			fields = append(fields, strings.TrimSpace(line[start:i]))
			start = i + 1
		}
	}
	return append(fields, strings.TrimSpace(line[start:]))
}

// The splitter is test code that the corpus and round-trip tests rely on,
// so it is tested too, against what bash does with the same input.
func TestShellSplit(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"abra app deploy foo", []string{"abra", "app", "deploy", "foo"}},
		{"  a\t b  ", []string{"a", "b"}},
		{`a 'b c' "d e"`, []string{"a", "b c", "d e"}},
		{`'it'\''s'`, []string{"it's"}},
		{`"a \"b\" \\ \$x"`, []string{`a "b" \ $x`}},
		{`"keep \n as is"`, []string{`keep \n as is`}},
		{`a\ b`, []string{"a b"}},
		{`x'y'"z"`, []string{"xyz"}},
		{`''`, []string{""}},
		{`a '' b`, []string{"a", "", "b"}},
		{`$'a\nb'`, []string{"a\nb"}},
		{`$'\x00\x1f\x7f'`, []string{"\x00\x1f\x7f"}},
		{`$'it\'s \\ ok'`, []string{`it's \ ok`}},
		{`$'\t\r\e\101'`, []string{"\t\r\x1bA"}},
		{`--flag=$'x\ny'`, []string{"--flag=x\ny"}},
		{`- --`, []string{"-", "--"}},
	}
	for _, tt := range tests {
		got, err := shellSplit(tt.line)
		if err != nil {
			t.Errorf("shellSplit(%q): %v", tt.line, err)
			continue
		}
		if !equalStrings(got, tt.want) {
			t.Errorf("shellSplit(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
	for _, bad := range []string{`'open`, `"open`, `$'open`, `trailing\`} {
		if _, err := shellSplit(bad); err == nil {
			t.Errorf("shellSplit(%q) succeeded, want an error", bad)
		}
	}
}

func TestCutFields(t *testing.T) {
	got := cutFields(`abra app run x app -- sh -c 'a | b' | app run | x | - | false | abra app run x app -- <redacted>`)
	want := []string{`abra app run x app -- sh -c 'a | b'`, "app run", "x", "-", "false", "abra app run x app -- <redacted>"}
	if !equalStrings(got, want) {
		t.Errorf("cutFields = %q, want %q", got, want)
	}
	got = cutFields(`a $'x\'|y' "p|q" r\|s | t`)
	want = []string{`a $'x\'|y' "p|q" r\|s`, "t"}
	if !equalStrings(got, want) {
		t.Errorf("cutFields = %q, want %q", got, want)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

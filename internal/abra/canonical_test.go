package abra

import (
	"maps"
	"strings"
	"testing"
)

// canonicalCases are command lines (shell-quoted, as typed after "abra")
// and the line Canonical renders for the operator log.
var canonicalCases = []struct {
	args string
	want string
}{
	// Aliases resolved, short flags spelled out, values as --name=value.
	{"-n app deploy -C -f traefik.example.org", "abra app deploy --no-input --chaos --force traefik.example.org"},
	{"a d foo.example.org 1.2.0+1.1 -nf", "abra app deploy foo.example.org 1.2.0+1.1 --no-input --force"},
	{"app new traefik --domain=traefik.workshop.local --server=default", "abra app new traefik --domain=traefik.workshop.local --server=default"},
	{"app new traefik --domain traefik.workshop.local --server default", "abra app new traefik --domain=traefik.workshop.local --server=default"},
	{"app n wp -Ss srv -Dwp.example.org", "abra app new wp --secrets --server=srv --domain=wp.example.org"},
	{"app n wp -s=srv", "abra app new wp --server=srv"},
	{"app new wp --server", "abra app new wp --server"},
	{"app ls -s hypha.social.coop", "abra app list --server=hypha.social.coop"},
	{"app logs foo.example.org app -S 1h", "abra app logs foo.example.org app --since=1h"},
	{"app restore foo.example.org -s 'a b'", "abra app restore foo.example.org --snapshot='a b'"},
	{"app deploy foo.example.org --force=false", "abra app deploy foo.example.org --force=false"},
	{"-o app s ls foo.example.org", "abra app secret list --offline foo.example.org"},
	{"app secret rm foo.example.org ssl_cert -n", "abra app secret remove foo.example.org ssl_cert --no-input"},
	{"app m foo.example.org new.example.org -r", "abra app move foo.example.org new.example.org --dry-run"},
	{"-v", "abra --version"},
	// On a line abra refuses, or one naming no command opsync knows, every
	// word stays where it was typed: cobra takes the word after a flag it
	// does not know as that flag's value, so moving a command word could
	// change what the line means read back (-e is app logs' --stderr).
	// (Found by FuzzParse.)
	{"a -e logs foo.example.org", "abra app -e logs foo.example.org"},
	{"app --frob deploy foo.example.org -f", "abra app --frob deploy foo.example.org <redacted>"},
	{"--help app deploy foo.example.org", "abra --help app deploy foo.example.org"},
	{"help app deploy", "abra help app deploy"},
	{"s a host.example.org -n", "abra server add host.example.org --no-input"},
	{"app", "abra app"},
	{"", "abra"},
	{"app cp foo.example.org - app:/tmp/x", "abra app cp foo.example.org - app:/tmp/x"},
	{"app deploy -- -weird", "abra app deploy -- -weird"},
	{"app deploy foo.example.org --", "abra app deploy foo.example.org --"},

	// Unknown flags stay as typed.
	{"app deploy foo.example.org -x --yy -z=2 --w=3", "abra app deploy foo.example.org <redacted>"},
	{"app deploy foo.example.org -xn", "abra app deploy foo.example.org <redacted>"},

	// Quoting.
	{`app deploy "it's"`, `abra app deploy 'it'\''s'`},
	{"app deploy ''", "abra app deploy ''"},
	{"app deploy 'a b' 'c;d' 'e$f' 'g*' '~h' 'i#'", `abra app deploy 'a b' 'c;d' 'e$f' 'g*' '~h' 'i#'`},
	{"app deploy @%+=:,./_-^", "abra app deploy @%+=:,./_-^"},
	{"app deploy bücher.example", "abra app deploy bücher.example"},
	{`app deploy $'foo\nbar'`, `abra app deploy $'foo\x0abar'`},
	{`app deploy $'it\'s\t\\'`, `abra app deploy $'it\'s\x09\\'`},
	{`app deploy $'\x7f\r'`, `abra app deploy $'\x7f\x0d'`},
	{`app new wp --server=$'a\tb'`, `abra app new wp --server=$'a\x09b'`},

	// Secrets (abra-reference.md §8): one <redacted> per run of hidden
	// arguments, so not even their number shows.
	{"app s i foo.example.org db_password v1 hunter2", "abra app secret insert foo.example.org db_password v1 <redacted>"},
	{"app secret insert foo.example.org db v1 'two words' more", "abra app secret insert foo.example.org db v1 <redacted>"},
	{"app secret insert foo.example.org db v1 hunter2 -C", "abra app secret insert foo.example.org db v1 <redacted> --chaos"},
	{"app secret insert foo.example.org db v1 hunter2 -C x", "abra app secret insert foo.example.org db v1 <redacted> --chaos <redacted>"},
	{"app secret insert foo.example.org db v1 --file=false hunter2", "abra app secret insert foo.example.org db v1 --file=false <redacted>"},
	{"app secret insert foo.example.org db v1 -- -hunter2", "abra app secret insert foo.example.org db v1 -- <redacted>"},
	{"app secret insert foo.example.org ssl_cert v1 file.crt -f", "abra app secret insert foo.example.org ssl_cert v1 file.crt --file"},
	{"app secret insert -f foo.example.org ssl_cert v1 /path/cert.pem", "abra app secret insert --file foo.example.org ssl_cert v1 /path/cert.pem"},
	{"app secret insert foo.example.org db v1", "abra app secret insert foo.example.org db v1"},
	{"app run foo.example.org app -- bun run x", "abra app run foo.example.org app -- <redacted>"},
	{"app run foo.example.org app bin/bonfire remote", "abra app run foo.example.org app bin/bonfire <redacted>"},
	{"app run foo.example.org app ls", "abra app run foo.example.org app ls"},
	{"app run -t -u root foo.example.org app sh", "abra app run --no-tty --user=root foo.example.org app sh"},
	{"app run foo.example.org -- app sh", "abra app run foo.example.org -- <redacted>"},
	{"app cmd foo.example.org app migrate", "abra app command foo.example.org app migrate"},
	{"app cmd foo.example.org app set_pass hunter2", "abra app command foo.example.org app set_pass <redacted>"},
	{"app cmd -l foo.example.org set_pass hunter2", "abra app command --local foo.example.org set_pass <redacted>"},
	{"app cmd foo.example.org app -- fn --x", "abra app command foo.example.org app -- <redacted>"},
	{"app frobnicate foo.example.org x y", "abra app frobnicate foo.example.org <redacted>"},
	{"app frobnicate foo.example.org", "abra app frobnicate foo.example.org"},

	// Bugs found by these tests (fixed in canonical.go):
	// an unknown long flag of one letter kept its two dashes: "--o" must
	// not read as "-o", which is --offline;
	{"app deploy foo.example.org --o", "abra app deploy foo.example.org <redacted>"},
	{"app deploy foo.example.org --o=1", "abra app deploy foo.example.org <redacted>"},
	// an unknown flag's name and an unknown command word are quoted, so
	// the line never spans lines and reads back as typed;
	{`app deploy foo.example.org $'--x\ny'`, `abra app deploy foo.example.org <redacted>`},
	{`app deploy foo.example.org "--it's=1"`, `abra app deploy foo.example.org <redacted>`},
	{"app 'foo bar'", "abra app 'foo bar'"},
	{`app $'x\ny' z`, `abra app $'x\x0ay' z`},
	// a secret that looks like flags is still a secret: after the point
	// where arguments are hidden, a word holding flags abra does not know
	// is hidden too, instead of being spelled out letter by letter.
	{"app secret insert foo.example.org db v1 -Xk3jp", "abra app secret insert foo.example.org <redacted>"},
	{"app secret insert foo.example.org db v1 --pw=hunter2", "abra app secret insert foo.example.org <redacted>"},
	{"app secret insert foo.example.org db v1 -nXk3", "abra app secret insert foo.example.org <redacted>"},
	{"app secret insert foo.example.org db v1 -n -Xk3", "abra app secret insert foo.example.org <redacted> -n <redacted>"},
	{"app run foo.example.org app mysql -u root -psecret", "abra app run foo.example.org <redacted> -u root <redacted>"},
	{"app run foo.example.org app ls -la", "abra app run foo.example.org <redacted>"},
	{"app cmd foo.example.org app fn --token=abc", "abra app command foo.example.org <redacted>"},
	{"app frobnicate foo.example.org --token=abc", "abra app frobnicate foo.example.org <redacted>"},
	// abra refuses a flag it does not know, so on such a line every word
	// after the app is hidden: opsync cannot be sure what it holds.
	{"app secret insert foo.example.org -x db v1 hunter2", "abra app secret insert foo.example.org <redacted>"},
	{"app run -x foo.example.org app ls", "abra app run -x foo.example.org <redacted>"},
}

func TestCanonical(t *testing.T) {
	for _, tt := range canonicalCases {
		args, err := shellSplit(tt.args)
		if err != nil {
			t.Fatal(err)
		}
		if got := Parse(args).Canonical(); got != tt.want {
			t.Errorf("Canonical(%s)\n got %s\nwant %s", tt.args, got, tt.want)
		}
	}
}

// TestCanonicalHidesSecrets checks the property behind the redaction: the
// secret string never appears in the line, whatever the spelling.
func TestCanonicalHidesSecrets(t *testing.T) {
	const secret = "Hunter2Secret"
	lines := []string{
		"app secret insert foo.example.org db v1 " + secret,
		"app s i foo.example.org db v1 " + secret + " -n",
		"a s i -C foo.example.org db v1 " + secret,
		"app secret insert foo.example.org db v1 -- " + secret,
		"app secret insert foo.example.org db v1 -" + secret,
		"app secret insert foo.example.org db v1 --" + secret,
		"app secret insert foo.example.org db v1 --x=" + secret,
		"app secret insert foo.example.org db v1 --file=false " + secret,
		"app secret insert foo.example.org db v1 'a " + secret + " b'",
		"app run foo.example.org app -- sh -c 'echo " + secret + "'",
		"app run foo.example.org app sh -c " + secret,
		"app r foo.example.org app psql -p" + secret,
		"app run foo.example.org app psql --password=" + secret,
		"app run foo.example.org -- app psql " + secret,
		"app cmd foo.example.org app set_admin_pass " + secret,
		"app command --local foo.example.org set_admin_pass " + secret,
		"app cmd -l foo.example.org set_admin_pass -- " + secret,
		"app cmd foo.example.org app fn -" + secret,
		"app newsubcommand foo.example.org " + secret,
		"app newsubcommand foo.example.org --key=" + secret,
	}
	for _, l := range lines {
		args, err := shellSplit(l)
		if err != nil {
			t.Fatal(err)
		}
		got := Parse(args).Canonical()
		for _, leak := range []string{secret, "-H -u -n -t", "--H"} {
			if strings.Contains(got, leak) {
				t.Errorf("Canonical(%s) = %s: contains %q", l, got, leak)
			}
		}
		if !strings.Contains(got, Redacted) {
			t.Errorf("Canonical(%s) = %s: nothing redacted", l, got)
		}
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "''"},
		{"foo.example.org", "foo.example.org"},
		{"1.2.0+1.21", "1.2.0+1.21"},
		{"a@b%c+d=e:f,g.h/i_j-k^l", "a@b%c+d=e:f,g.h/i_j-k^l"},
		{"bücher", "bücher"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"'", `''\'''`},
		{`back\slash`, `'back\slash'`},
		{"$HOME", "'$HOME'"},
		{"*", "'*'"},
		{"~", "'~'"},
		{"a;b", "'a;b'"},
		{"a|b", "'a|b'"},
		{"a\"b", `'a"b'`},
		{"a\nb", `$'a\x0ab'`},
		{"\r", `$'\x0d'`},
		{"\x00", `$'\x00'`},
		{"\x1b[31mred", `$'\x1b[31mred'`},
		{"\x7f", `$'\x7f'`},
		{"tab\there's \\", `$'tab\x09here\'s \\'`},
		{"next\u0085line", `$'next\u0085line'`},
		{"para\u2028graph", `$'para\u2028graph'`},
		{"bad\xffbyte", `$'bad\xffbyte'`},
		// bidi and zero-width characters are shown, not obeyed (ui.Invisible)
		{"\u202egro.elpmaxe.oof", `$'\u202egro.elpmaxe.oof'`},
		{"foo\u200b.example.org", `$'foo\u200b.example.org'`},
		{"\u2066x\u2069\u061c\ufeff", `$'\u2066x\u2069\u061c\ufeff'`},
		{"tag\U000e0041", `$'tag\U000e0041'`},
		{"-é", `-é`},
	}
	for _, tt := range tests {
		got := Quote(tt.in)
		if got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if strings.ContainsAny(got, "\n\r") {
			t.Errorf("Quote(%q) = %q spans lines", tt.in, got)
		}
		back, err := shellSplit(got)
		if err != nil || len(back) != 1 || back[0] != tt.in {
			t.Errorf("Quote(%q) = %s reads back as %q (%v)", tt.in, got, back, err)
		}
	}
}

// roundTrip checks that a canonical line, read back as a command line,
// means the same to opsync as the line it was made from.
func roundTrip(t *testing.T, args []string) {
	t.Helper()
	inv := Parse(args)
	canon := inv.Canonical()
	if strings.Contains(canon, Redacted) {
		return // the hidden words are gone by design
	}
	words, err := shellSplit(canon)
	if err != nil {
		t.Errorf("Canonical(%q) = %s does not split: %v", args, canon, err)
		return
	}
	if len(words) == 0 || words[0] != "abra" {
		t.Errorf("Canonical(%q) = %s does not start with abra", args, canon)
		return
	}
	back := Parse(words[1:])
	if back.CommandName() != inv.CommandName() || back.App != inv.App || back.Server != inv.Server ||
		back.MoveTo != inv.MoveTo || back.Modifies() != inv.Modifies() || back.Offline() != inv.Offline() ||
		back.Help() != inv.Help() || !maps.Equal(back.Flags, inv.Flags) {
		t.Errorf("round trip of %q through %s:\n got path %q app %q server %q moveTo %q modifies %v flags %v\nwant path %q app %q server %q moveTo %q modifies %v flags %v",
			args, canon,
			back.CommandName(), back.App, back.Server, back.MoveTo, back.Modifies(), back.Flags,
			inv.CommandName(), inv.App, inv.Server, inv.MoveTo, inv.Modifies(), inv.Flags)
	}
	if again := back.Canonical(); again != canon {
		t.Errorf("Canonical is not stable for %q: %s, then %s", args, canon, again)
	}
}

func TestCanonicalRoundTrip(t *testing.T) {
	for _, tt := range canonicalCases {
		args, err := shellSplit(tt.args)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, args)
	}
	for _, tt := range commandWords {
		roundTrip(t, append(strings.Fields(tt.words), "foo.example.org", "-n"))
	}
}

// FuzzCanonical checks, for any command line, that the canonical line is
// one line and that a secret insert's value never shows. Arguments are
// separated by NUL in the fuzzer's input.
func FuzzCanonical(f *testing.F) {
	for _, tt := range canonicalCases {
		args, _ := shellSplit(tt.args)
		f.Add(strings.Join(args, "\x00"))
	}
	f.Add("app\x00secret\x00insert\x00foo\x00db\x00v1\x00-\nSECRET")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		inv := Parse(args)
		canon := inv.Canonical()
		if strings.ContainsAny(canon, "\n\r") {
			t.Fatalf("Canonical(%q) = %q spans lines", args, canon)
		}
		// A secret insert without --file: the 4th positional must not show.
		if inv.CommandName() == "app secret insert" && !inv.Has("file") && len(inv.Positionals) > 3 {
			data := inv.Positionals[3]
			if len(data) >= 6 && strings.Contains(canon, data) && !strings.Contains(strings.Join(inv.Positionals[:3], " ")+inv.CommandName(), data) {
				t.Fatalf("Canonical(%q) = %q shows the secret %q", args, canon, data)
			}
		}
	})
}

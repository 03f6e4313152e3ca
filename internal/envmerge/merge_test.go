package envmerge

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

type mergeCase struct {
	name               string
	base, ours, theirs string
	want               string
	conflicts          []string // keys in conflict ("" for a region of other lines)
}

// cases are written as an operator's env files; every one is also checked
// against git's own line merge (see TestMergeAgreesWithGitWhereGitMerges).
var cases = []mergeCase{
	{
		// issue 14, 1: repeated keys are lines in order, as in git
		name:   "two operators enable different overlays",
		base:   "COMPOSE_FILE=\"compose.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.postgres.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.mariadb.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.smtp.yml\"\n",
		ours:   "COMPOSE_FILE=\"compose.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.postgres.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.mariadb.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.smtp.yml\"\n",
		theirs: "COMPOSE_FILE=\"compose.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.postgres.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.mariadb.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.smtp.yml\"\n",
		want:   "COMPOSE_FILE=\"compose.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.postgres.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.mariadb.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.smtp.yml\"\n",
	},
	{
		// git conflicts on adjacent lines; each changed by one side only
		name:   "two operators enable adjacent overlays",
		base:   "COMPOSE_FILE=\"compose.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.smtp.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.s3.yml\"\n",
		ours:   "COMPOSE_FILE=\"compose.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.smtp.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.s3.yml\"\n",
		theirs: "COMPOSE_FILE=\"compose.yml\"\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.smtp.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.s3.yml\"\n",
		want:   "COMPOSE_FILE=\"compose.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.smtp.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.s3.yml\"\n",
	},
	{
		// issue 14, 2: the live line's change is not left outside markers
		name:   "an alternative uncommented above the live line the other side changes",
		base:   "#STORAGE=local\n# or\nSTORAGE=s3\nX=1\n",
		ours:   "STORAGE=local\n# or\nSTORAGE=s3\nX=1\n",
		theirs: "#STORAGE=local\n# or\nSTORAGE=minio\nX=1\n",
		want:   "STORAGE=local\n# or\nSTORAGE=minio\nX=1\n",
	},
	{
		name:   "both change a repeated key's line differently: the lines conflict",
		base:   "COMPOSE_FILE=\"compose.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.a.yml\"\nX=1\n",
		ours:   "COMPOSE_FILE=\"compose.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.b.yml\"\nX=1\n",
		theirs: "COMPOSE_FILE=\"compose.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.c.yml\"\nX=2\n",
		// git marks both lines; their X change is kept outside the block
		want:      "COMPOSE_FILE=\"compose.yml\"\n<<<<<<< ours\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.b.yml\"\n=======\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.c.yml\"\n>>>>>>> theirs\nX=2\n",
		conflicts: []string{""},
	},
	{
		name: "nothing changed",
		base: "TYPE=app:1.0.0\nDOMAIN=a.org\n",
		ours: "TYPE=app:1.0.0\nDOMAIN=a.org\n", theirs: "TYPE=app:1.0.0\nDOMAIN=a.org\n",
		want: "TYPE=app:1.0.0\nDOMAIN=a.org\n",
	},
	{
		name:   "deploy rewrites TYPE while the next line's secret version is bumped",
		base:   "TYPE=app:1.0.0\nSECRET_DB_PASSWORD_VERSION=v1\nDOMAIN=a.org\n",
		ours:   "TYPE=app:1.3.0\nSECRET_DB_PASSWORD_VERSION=v1\nDOMAIN=a.org",
		theirs: "TYPE=app:1.0.0\nSECRET_DB_PASSWORD_VERSION=v2\nDOMAIN=a.org\n",
		want:   "TYPE=app:1.3.0\nSECRET_DB_PASSWORD_VERSION=v2\nDOMAIN=a.org",
	},
	{
		name:   "the version line without a final newline gains a line after it",
		base:   "DOMAIN=a.org\nTYPE=app:1.0.0",
		ours:   "DOMAIN=a.org\nTYPE=app:1.2.0",
		theirs: "DOMAIN=a.org\nTYPE=app:1.0.0\nSMTP_HOST=mail.a.org\n",
		// theirs added the final newline, ours did not touch it
		want: "DOMAIN=a.org\nTYPE=app:1.2.0\nSMTP_HOST=mail.a.org\n",
	},
	{
		name:   "their deploy, our secret bump: their version, our secret",
		base:   "TYPE=app:1.0.0\nSECRET_DB_PASSWORD_VERSION=v1",
		ours:   "TYPE=app:1.0.0\nSECRET_DB_PASSWORD_VERSION=v2",
		theirs: "TYPE=app:1.1.0\nSECRET_DB_PASSWORD_VERSION=v1",
		want:   "TYPE=app:1.1.0\nSECRET_DB_PASSWORD_VERSION=v2",
	},
	{
		name: "both sides deploy the same version",
		base: "TYPE=app:1.0.0\nDOMAIN=a.org", ours: "TYPE=app:1.2.0\nDOMAIN=a.org", theirs: "TYPE=app:1.2.0\nDOMAIN=a.org",
		want: "TYPE=app:1.2.0\nDOMAIN=a.org",
	},
	{
		name: "both sides deploy different versions: a conflict on TYPE alone",
		base: "TYPE=app:1.0.0\nDOMAIN=a.org\nX=1\n", ours: "TYPE=app:1.3.0\nDOMAIN=a.org\nX=1\n", theirs: "TYPE=app:1.2.5\nDOMAIN=a.org\nX=2\n",
		want:      "<<<<<<< ours\nTYPE=app:1.3.0\n=======\nTYPE=app:1.2.5\n>>>>>>> theirs\nDOMAIN=a.org\nX=2\n",
		conflicts: []string{"TYPE"},
	},
	{
		name: "a conflict on the last line without a final newline ends its markers",
		base: "DOMAIN=a.org\nTYPE=app:1.0.0", ours: "DOMAIN=a.org\nTYPE=app:1.3.0", theirs: "DOMAIN=a.org\nTYPE=app:1.2.5",
		want:      "DOMAIN=a.org\n<<<<<<< ours\nTYPE=app:1.3.0\n=======\nTYPE=app:1.2.5\n>>>>>>> theirs\n",
		conflicts: []string{"TYPE"},
	},
	{
		name: "ours removes a variable, theirs changes its neighbour",
		base: "A=1\nB=2\nC=3\n", ours: "A=1\nC=3\n", theirs: "A=1\nB=2\nC=4\n",
		want: "A=1\nC=4\n",
	},
	{
		name: "ours removes a variable theirs changed: a conflict",
		base: "A=1\nB=2\nC=3\n", ours: "A=1\nC=3\n", theirs: "A=1\nB=5\nC=3\n",
		want:      "A=1\n<<<<<<< ours\n=======\nB=5\n>>>>>>> theirs\nC=3\n",
		conflicts: []string{"B"},
	},
	{
		name: "theirs removes a variable ours changed: a conflict",
		base: "A=1\nB=2\nC=3\n", ours: "A=1\nB=7\nC=3\n", theirs: "A=1\nC=3\n",
		want:      "A=1\n<<<<<<< ours\nB=7\n=======\n>>>>>>> theirs\nC=3\n",
		conflicts: []string{"B"},
	},
	{
		name: "both remove the same variable",
		base: "A=1\nB=2\nC=3\n", ours: "A=1\nC=3\n", theirs: "A=1\nC=3\n",
		want: "A=1\nC=3\n",
	},
	{
		name: "both add different variables at the end",
		base: "A=1\n", ours: "A=1\nB=2\n", theirs: "A=1\nC=3\n",
		want: "A=1\nB=2\nC=3\n",
	},
	{
		name: "both add the same variable with the same value",
		base: "A=1\n", ours: "A=1\nB=2\n", theirs: "A=1\nB=2\nC=3\n",
		want: "A=1\nB=2\nC=3\n",
	},
	{
		name: "both add the same variable with different values",
		base: "A=1\n", ours: "A=1\nB=2\n", theirs: "A=1\nB=3\n",
		want:      "A=1\n<<<<<<< ours\nB=2\n=======\nB=3\n>>>>>>> theirs\n",
		conflicts: []string{"B"},
	},
	{
		name: "both add a commented variable with its comment",
		base: "A=1\n", ours: "A=1\n# mail\nSMTP=x\n", theirs: "A=1\n# cache\nREDIS=y\n",
		want: "A=1\n# mail\nSMTP=x\n# cache\nREDIS=y\n",
	},
	{
		name:   "comments and blank lines around changed variables are kept",
		base:   "# app\nTYPE=app:1.0.0\n\n## Domain aliases\n#EXTRA_DOMAINS=\nLETS_ENCRYPT_ENV=production\n",
		ours:   "# app\nTYPE=app:1.1.0\n\n## Domain aliases\n#EXTRA_DOMAINS=\nLETS_ENCRYPT_ENV=production",
		theirs: "# app\nTYPE=app:1.0.0\n\n## Domain aliases\n#EXTRA_DOMAINS=\nLETS_ENCRYPT_ENV=staging\n",
		want:   "# app\nTYPE=app:1.1.0\n\n## Domain aliases\n#EXTRA_DOMAINS=\nLETS_ENCRYPT_ENV=staging",
	},
	{
		name: "theirs adds a comment above a variable ours changes",
		base: "A=1\nB=2\n", ours: "A=1\nB=3\n", theirs: "A=1\n# why B\nB=2\n",
		want: "A=1\n# why B\nB=3\n",
	},
	{
		name: "theirs removes a comment next to a variable ours changes",
		base: "# old note\nA=1\n", ours: "# old note\nA=2\n", theirs: "A=1\n",
		want: "A=2\n",
	},
	{
		name: "ours uncomments a variable, theirs changes the next one",
		base: "#EXTRA_DOMAINS=\nLETS_ENCRYPT_ENV=production\n", ours: "EXTRA_DOMAINS=b.org\nLETS_ENCRYPT_ENV=production\n",
		theirs: "#EXTRA_DOMAINS=\nLETS_ENCRYPT_ENV=staging\n",
		want:   "EXTRA_DOMAINS=b.org\nLETS_ENCRYPT_ENV=staging\n",
	},
	{
		name: "export prefixes",
		base: "export A=1\nexport B=2\n", ours: "export A=5\nexport B=2\n", theirs: "export A=1\nexport B=6\n",
		want: "export A=5\nexport B=6\n",
	},
	{
		name: "adding export is a change of that variable",
		base: "A=1\nB=2\n", ours: "export A=1\nB=2\n", theirs: "A=1\nB=3\n",
		want: "export A=1\nB=3\n",
	},
	{
		name:   "quoted values with spaces and hashes",
		base:   "NAME=\"My App # 1\"\nPASS='a#b'\n",
		ours:   "NAME=\"My App # 2\"\nPASS='a#b'\n",
		theirs: "NAME=\"My App # 1\"\nPASS='c#d'\n",
		want:   "NAME=\"My App # 2\"\nPASS='c#d'\n",
	},
	{
		name: "a hash inside an unquoted value is part of it",
		base: "PASS=abc#def\nB=1\n", ours: "PASS=abc#xyz\nB=1\n", theirs: "PASS=abc#def\nB=2\n",
		want: "PASS=abc#xyz\nB=2\n",
	},
	{
		name:   "abra's inline modifier comments",
		base:   "SECRET_DB_PASSWORD_VERSION=v1 # length=32\nSECRET_ADMIN_VERSION=v1 # length=64\n",
		ours:   "SECRET_DB_PASSWORD_VERSION=v2 # length=32\nSECRET_ADMIN_VERSION=v1 # length=64\n",
		theirs: "SECRET_DB_PASSWORD_VERSION=v1 # length=32\nSECRET_ADMIN_VERSION=v3 # length=64\n",
		want:   "SECRET_DB_PASSWORD_VERSION=v2 # length=32\nSECRET_ADMIN_VERSION=v3 # length=64\n",
	},
	{
		name: "same value, different inline comment is a change",
		base: "A=1 # x\n", ours: "A=1 # y\n", theirs: "A=1 # z\n",
		want:      "<<<<<<< ours\nA=1 # y\n=======\nA=1 # z\n>>>>>>> theirs\n",
		conflicts: []string{"A"},
	},
	{
		name:   "CRLF files stay CRLF",
		base:   "TYPE=app:1.0.0\r\nSECRET_X_VERSION=v1\r\n",
		ours:   "TYPE=app:1.1.0\r\nSECRET_X_VERSION=v1\r\n",
		theirs: "TYPE=app:1.0.0\r\nSECRET_X_VERSION=v2\r\n",
		want:   "TYPE=app:1.1.0\r\nSECRET_X_VERSION=v2\r\n",
	},
	{
		name: "abra's rewrite of a CRLF file: each line keeps its own ending",
		base: "TYPE=app:1.0.0\r\nA=1\r\nB=2\r\n",
		// abra joins lines with "\n" and drops the last newline
		ours:   "TYPE=app:1.1.0\nA=1\r\nB=2\r",
		theirs: "TYPE=app:1.0.0\r\nA=5\r\nB=2\r\n",
		want:   "TYPE=app:1.1.0\nA=5\r\nB=2\r",
	},
	{
		name: "theirs converts to CRLF, ours changes a value",
		base: "A=1\nB=2\n", ours: "A=1\nB=3\n", theirs: "A=1\r\nB=2\r\n",
		want: "A=1\r\nB=3\r\n",
	},
	{
		name: "ours drops the final newline, theirs adds a variable",
		base: "A=1\nB=2\n", ours: "A=9\nB=2", theirs: "A=1\nB=2\nC=3\n",
		want: "A=9\nB=2\nC=3",
	},
	{
		name: "theirs drops the final newline",
		base: "A=1\nB=2\n", ours: "A=9\nB=2\n", theirs: "A=1\nB=2",
		want: "A=9\nB=2",
	},
	{
		name: "both drop the final newline",
		base: "A=1\nB=2\n", ours: "A=9\nB=2", theirs: "A=1\nB=8",
		want: "A=9\nB=8",
	},
	{
		name:   "a multi-line quoted value changed by theirs",
		base:   "TYPE=app:1.0.0\nCERT=\"-----BEGIN\nabc\n-----END\"\nX=1\n",
		ours:   "TYPE=app:1.1.0\nCERT=\"-----BEGIN\nabc\n-----END\"\nX=1\n",
		theirs: "TYPE=app:1.0.0\nCERT=\"-----BEGIN\nxyz\n-----END\"\nX=1\n",
		want:   "TYPE=app:1.1.0\nCERT=\"-----BEGIN\nxyz\n-----END\"\nX=1\n",
	},
	{
		name:   "a multi-line value whose body looks like assignments",
		base:   "K='line\nA=1\n'\nA=2\n",
		ours:   "K='line\nA=1\n'\nA=3\n",
		theirs: "K='line\nA=9\n'\nA=2\n",
		want:   "K='line\nA=9\n'\nA=3\n",
	},
	{
		name:      "a multi-line value both sides changed",
		base:      "K=\"a\nb\"\n",
		ours:      "K=\"a\nc\"\n",
		theirs:    "K=\"a\nd\"\n",
		want:      "<<<<<<< ours\nK=\"a\nc\"\n=======\nK=\"a\nd\"\n>>>>>>> theirs\n",
		conflicts: []string{"K"},
	},
	{
		name: "an unclosed quote is one line",
		base: "A=\"oops\nB=1\n", ours: "A=\"oops\nB=2\n", theirs: "A=\"oops!\nB=1\n",
		want: "A=\"oops!\nB=2\n",
	},
	{
		name: "escaped quote inside double quotes",
		base: "A=\"say \\\"hi\\\"\"\nB=1\n", ours: "A=\"say \\\"hi\\\"\"\nB=2\n", theirs: "A=\"say \\\"yo\\\"\"\nB=1\n",
		want: "A=\"say \\\"yo\\\"\"\nB=2\n",
	},
	{
		name: "spaces around the equals sign and indentation",
		base: "  A = 1\n\tB=2\n", ours: "  A = 5\n\tB=2\n", theirs: "  A = 1\n\tB=6\n",
		want: "  A = 5\n\tB=6\n",
	},
	{
		name: "a variable defined twice: occurrences merge separately",
		base: "A=1\nB=2\nA=3\n", ours: "A=1\nB=2\nA=4\n", theirs: "A=0\nB=2\nA=3\n",
		want: "A=0\nB=2\nA=4\n",
	},
	{
		// A move is a line removed and a line added, as in git: the removal
		// meets their change (a conflict), the line added stays.
		name: "ours moves a variable, theirs changes it",
		base: "A=1\nB=2\nC=3\n", ours: "B=2\nC=3\nA=1\n", theirs: "A=7\nB=2\nC=3\n",
		want:      "<<<<<<< ours\n=======\nA=7\n>>>>>>> theirs\nB=2\nC=3\nA=1\n",
		conflicts: []string{""},
	},
	{
		name: "both add blank lines and variables in the same place",
		base: "A=1\n", ours: "A=1\n\nB=2\n", theirs: "A=1\n\nC=3\n",
		want: "A=1\n\nB=2\nC=3\n",
	},
	{
		name: "both append different comments",
		base: "A=1\n", ours: "A=1\n# ours\n", theirs: "A=1\n# theirs\n",
		want: "A=1\n# ours\n# theirs\n",
	},
	{
		name: "both rewrite the same line that is not an assignment: a conflict",
		base: "A=1\nnot an assignment\nB=2\n", ours: "A=1\nstill not one\nB=2\n", theirs: "A=1\nnor this\nB=2\n",
		want:      "A=1\n<<<<<<< ours\nstill not one\n=======\nnor this\n>>>>>>> theirs\nB=2\n",
		conflicts: []string{""},
	},
	{
		name: "one side rewrites a line that is not an assignment",
		base: "A=1\nweird line\nB=2\n", ours: "A=1\nweird line\nB=3\n", theirs: "A=1\nweirder line\nB=2\n",
		want: "A=1\nweirder line\nB=3\n",
	},
	{
		name: "the file is new on both sides with the same content",
		base: "", ours: "TYPE=app:1.0.0\nDOMAIN=a.org\n", theirs: "TYPE=app:1.0.0\nDOMAIN=a.org\n",
		want: "TYPE=app:1.0.0\nDOMAIN=a.org\n",
	},
	{
		name: "the file is new on both sides, different variables",
		base: "", ours: "TYPE=app:1.0.0\nA=1\n", theirs: "TYPE=app:1.0.0\nB=2\n",
		want: "TYPE=app:1.0.0\nA=1\nB=2\n",
	},
	{
		name: "ours empties the file, theirs unchanged",
		base: "A=1\n", ours: "", theirs: "A=1\n",
		want: "",
	},
	{
		name: "theirs reorders, ours changes a value",
		base: "A=1\nB=2\n", ours: "A=1\nB=5\n", theirs: "B=2\nA=1\n",
		want: "B=5\nA=1\n",
	},
	{
		name: "RECIPE instead of TYPE",
		base: "RECIPE=app:1.0.0\nX=1", ours: "RECIPE=app:1.1.0\nX=1", theirs: "RECIPE=app:1.0.0\nX=2\nY=3",
		want: "RECIPE=app:1.1.0\nX=2\nY=3",
	},
	{
		name: "non-ASCII values",
		base: "TITLE=Café\nB=1\n", ours: "TITLE=Café ☕\nB=1\n", theirs: "TITLE=Café\nB=2\n",
		want: "TITLE=Café ☕\nB=2\n",
	},
	{
		name: "two conflicts, each marked alone",
		base: "A=1\nB=2\nC=3\n", ours: "A=2\nB=2\nC=4\n", theirs: "A=3\nB=9\nC=5\n",
		want:      "<<<<<<< ours\nA=2\n=======\nA=3\n>>>>>>> theirs\nB=9\n<<<<<<< ours\nC=4\n=======\nC=5\n>>>>>>> theirs\n",
		conflicts: []string{"A", "C"},
	},
	{
		name: "an empty value",
		base: "A=\nB=1\n", ours: "A=x\nB=1\n", theirs: "A=\nB=\n",
		want: "A=x\nB=\n",
	},
}

func TestMerge(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, conflicts := Merge([]byte(c.base), []byte(c.ours), []byte(c.theirs))
			if string(got) != c.want {
				t.Errorf("merged:\n%q\nwant:\n%q", got, c.want)
			}
			var keys []string
			for _, k := range conflicts {
				keys = append(keys, k.Key)
			}
			if strings.Join(keys, ",") != strings.Join(c.conflicts, ",") || len(keys) != len(c.conflicts) {
				t.Errorf("conflicts on %q, want %q", keys, c.conflicts)
			}
		})
	}
}

// With one side unchanged the merge is the other side, byte for byte; with
// both sides equal it is that version.
func TestMergeWithOneSideUnchanged(t *testing.T) {
	for _, c := range cases {
		for _, v := range []string{c.ours, c.theirs} {
			if got, cf := Merge([]byte(c.base), []byte(c.base), []byte(v)); string(got) != v || len(cf) > 0 {
				t.Errorf("%s: Merge(base, base, x) = %q, want x = %q", c.name, got, v)
			}
			if got, cf := Merge([]byte(c.base), []byte(v), []byte(c.base)); string(got) != v || len(cf) > 0 {
				t.Errorf("%s: Merge(base, x, base) = %q, want x = %q", c.name, got, v)
			}
			if got, cf := Merge([]byte(c.base), []byte(v), []byte(v)); string(got) != v || len(cf) > 0 {
				t.Errorf("%s: Merge(base, x, x) = %q, want x = %q", c.name, got, v)
			}
		}
	}
}

// Where git's own line merge succeeds, the key merge gives the same file;
// and the cases git cannot merge that the key merge can are the reason for
// this package, so at least the headline ones must be among them.
func TestMergeAgreesWithGitWhereGitMerges(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	gitConflicts := map[string]bool{}
	for _, c := range cases {
		dir := t.TempDir()
		write := func(name, s string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
		o, b, th := write("ours", c.ours), write("base", c.base), write("theirs", c.theirs)
		out, err := exec.Command("git", "merge-file", "-p", o, b, th).Output()
		if err != nil {
			gitConflicts[c.name] = true
			continue
		}
		got, conflicts := Merge([]byte(c.base), []byte(c.ours), []byte(c.theirs))
		if len(conflicts) > 0 || string(got) != string(out) {
			t.Errorf("%s: git merges it to %q, envmerge to %q (conflicts %v)", c.name, out, got, conflicts)
		}
	}
	for _, name := range []string{
		"deploy rewrites TYPE while the next line's secret version is bumped",
		"the version line without a final newline gains a line after it",
		"both add different variables at the end",
	} {
		if !gitConflicts[name] {
			t.Errorf("git merges %q cleanly; the case no longer shows what the key merge is for", name)
		}
	}
}

func TestKeepOursResolvesOnlyTheNamedKey(t *testing.T) {
	base := "TYPE=app:1.0.0\nA=1\nSECRET_X_VERSION=v1"
	ours := "TYPE=app:1.3.0+1.0\nA=2\nSECRET_X_VERSION=v1"
	theirs := "TYPE=app:1.2.5+1.0\nA=1\nSECRET_X_VERSION=v2"
	r := MergeWith([]byte(base), []byte(ours), []byte(theirs), Options{KeepOurs: []string{"TYPE"}})
	if want := "TYPE=app:1.3.0+1.0\nA=2\nSECRET_X_VERSION=v2"; string(r.Merged) != want || len(r.Conflicts) != 0 {
		t.Fatalf("merged %q (conflicts %v), want %q", r.Merged, r.Conflicts, want)
	}
	if len(r.Resolved) != 1 || r.Resolved[0].Key != "TYPE" || r.Resolved[0].OursValue() != "app:1.3.0+1.0" ||
		r.Resolved[0].TheirsValue() != "app:1.2.5+1.0" || r.Resolved[0].BaseValue() != "app:1.0.0" {
		t.Fatalf("resolved %+v", r.Resolved)
	}

	// Another key in conflict is still marked.
	theirs2 := "TYPE=app:1.2.5+1.0\nA=3\nSECRET_X_VERSION=v1"
	r = MergeWith([]byte(base), []byte(ours), []byte(theirs2), Options{KeepOurs: []string{"TYPE"}})
	if len(r.Conflicts) != 1 || r.Conflicts[0].Key != "A" || len(r.Resolved) != 1 {
		t.Fatalf("conflicts %+v resolved %+v", r.Conflicts, r.Resolved)
	}
	if !strings.Contains(string(r.Merged), "<<<<<<< ours\nA=2\n=======\nA=3\n>>>>>>> theirs\n") {
		t.Fatalf("merged %q", r.Merged)
	}
}

func TestLabelsAndMarkerSize(t *testing.T) {
	r := MergeWith([]byte("A=1\n"), []byte("A=2\n"), []byte("A=3\n"), Options{OursLabel: "HEAD", TheirsLabel: "origin/main", MarkerSize: 9})
	want := "<<<<<<<<< HEAD\nA=2\n=========\nA=3\n>>>>>>>>> origin/main\n"
	if string(r.Merged) != want {
		t.Fatalf("got %q, want %q", r.Merged, want)
	}
}

// KeepOurs also settles the version line when its region is merged line by
// line (a repeated variable changed on the next line): the resolver's case.
func TestKeepOursNextToAnOverlayList(t *testing.T) {
	base := "COMPOSE_FILE=\"compose.yml\"\nTYPE=app:1.0.0\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.a.yml\"\n"
	ours := "COMPOSE_FILE=\"compose.yml\"\nTYPE=app:1.3.0\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.a.yml\""
	theirs := "COMPOSE_FILE=\"compose.yml\"\nTYPE=app:1.2.5\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.b.yml\"\n"
	r := MergeWith([]byte(base), []byte(ours), []byte(theirs), Options{KeepOurs: []string{"TYPE"}})
	want := "COMPOSE_FILE=\"compose.yml\"\nTYPE=app:1.3.0\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.b.yml\""
	if string(r.Merged) != want || len(r.Conflicts) != 0 || len(r.Resolved) != 1 || r.Resolved[0].OursValue() != "app:1.3.0" {
		t.Fatalf("merged %q, conflicts %+v, resolved %+v", r.Merged, r.Conflicts, r.Resolved)
	}
	r = MergeWith([]byte(base), []byte(ours), []byte(theirs), Options{})
	if len(r.Conflicts) != 1 || !strings.Contains(string(r.Merged), "<<<<<<< ours\nTYPE=app:1.3.0\n=======\nTYPE=app:1.2.5\n>>>>>>> theirs\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.b.yml\"") {
		t.Fatalf("without KeepOurs: %q, conflicts %+v", r.Merged, r.Conflicts)
	}
}

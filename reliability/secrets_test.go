package reliability_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"coopcloud.tech/opsync/internal/abra"
)

// The secret scan: every commit message (trailers included) of every
// repository a run made, and every line opsync printed, searched for every
// secret value the run used. The values are found independently of
// opsync's own redaction: from the abra command lines by abra's grammar
// (the data of `secret insert`, the arguments of `app run` and `app
// command`) and from abra's output (the values `secret generate` printed).

// minSecretLen: shorter values ("x", "-c") would be found by chance in any
// text; they are counted, not searched for.
const minSecretLen = 8

type secretTally struct {
	mu       sync.Mutex
	values   map[string]bool // searched for
	short    map[string]bool // too short to search for
	sources  int             // scripts or load runs scanned
	messages int             // commit messages scanned
	lines    int             // opsync lines scanned
	found    []string        // where: value, for every hit
}

func (s *secretTally) add(where string, secrets, messages, lines []string) []string {
	var found []string
	var searched []string
	for _, v := range secrets {
		if len(v) < minSecretLen {
			continue
		}
		searched = append(searched, v)
	}
	for _, v := range searched {
		for i, m := range messages {
			if strings.Contains(m, v) {
				found = append(found, fmt.Sprintf("%s: commit message %d holds %q:\n%s", where, i, v, m))
			}
		}
		for _, l := range lines {
			if strings.Contains(l, v) {
				found = append(found, fmt.Sprintf("%s: opsync printed %q: %s", where, v, l))
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values, s.short = map[string]bool{}, map[string]bool{}
	}
	for _, v := range secrets {
		if len(v) < minSecretLen {
			s.short[v] = true
		} else {
			s.values[v] = true
		}
	}
	s.sources++
	s.messages += len(messages)
	s.lines += len(lines)
	s.found = append(s.found, found...)
	return found
}

// figures are the scan's numbers for docs/reliability.md.
func (s *secretTally) figures(what string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("Secret scan of %s: **%s found** — %d distinct secret values searched for "+
		"(%d shorter than %d characters not searched) in %d commit messages and %d opsync output lines of %d runs.\n",
		what, plural(len(s.found), "secret value", "secret values"), len(s.values), len(s.short), minSecretLen,
		s.messages, s.lines, s.sources)
}

// scanScript scans one fault scenario: its log (every command with its
// output) and the commit messages of its repositories.
func (s *secretTally) scanScript(name, log string, messages []string) []string {
	secrets, lines := readScriptLog(log)
	return s.add(name, secrets, messages, lines)
}

// generatedSecret is how a generated secret looks in abra's output (the
// stand-in prints 32 hex digits).
var generatedSecret = regexp.MustCompile(`\b[0-9a-f]{32}\b`)

// readScriptLog reads a testscript log: the secret values its abra command
// lines used and abra printed, and the lines opsync printed (its messages
// on stderr, and the stdout of the operator commands that show the log).
func readScriptLog(log string) (secrets, opsyncLines []string) {
	section, lastCmd := "", ""
	var stderr []string
	flush := func() {
		opsyncLines = append(opsyncLines, opsyncMessages(stderr)...)
		stderr = nil
	}
	for _, line := range strings.Split(log, "\n") {
		switch {
		case strings.HasPrefix(line, "> "):
			flush()
			section, lastCmd = "", strings.TrimPrefix(line, "> ")
			secrets = append(secrets, secretsInArgs(scriptWords(lastCmd))...)
			continue
		case line == "[stdout]" || line == "[stderr]":
			flush()
			section = line
			continue
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"), strings.HasPrefix(line, "# "):
			flush()
			section = ""
			continue
		}
		switch section {
		case "[stdout]":
			secrets = append(secrets, generatedSecret.FindAllString(line, -1)...)
			if showsLog(lastCmd) {
				opsyncLines = append(opsyncLines, line)
			}
		case "[stderr]":
			stderr = append(stderr, line)
		}
	}
	flush()
	return secrets, opsyncLines
}

// opsyncMessages picks opsync's messages out of a stderr that abra shares:
// lines starting "opsync: " and their indented continuation lines.
func opsyncMessages(stderr []string) []string {
	var out []string
	in := false
	for _, l := range stderr {
		switch {
		case strings.HasPrefix(l, "opsync: "):
			in = true
		case in && strings.HasPrefix(l, "        "):
		default:
			in = false
			continue
		}
		out = append(out, l)
	}
	return out
}

// showsLog: an opsync operator command whose stdout is opsync's own and
// shows what is in the log or the repository (explain included: its
// abra_args are redacted unless --show-secrets is given).
func showsLog(cmd string) bool {
	w := scriptWords(cmd)
	for i, x := range w {
		if x == "opsync" && i+1 < len(w) {
			if w[i+1] == "explain" && slices.Contains(w[i+2:], "--show-secrets") {
				return false // asked to print exactly what abra is given
			}
			// explain redacts like the log; doctor, lease ls and the
			// shell completion print what they read from the repository.
			return slices.Contains([]string{"log", "show", "apps", "status", "sync", "explain", "doctor", "lease", "completion", "__complete", "__completeNoDesc"}, w[i+1])
		}
	}
	return false
}

// scriptWords splits a testscript command line into words: spaces separate
// them, single quotes quote (” inside quotes is one quote).
func scriptWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '\'' && i+1 < len(line) && line[i+1] == '\'':
			cur.WriteByte('\'')
			i++
		case c == '\'':
			quoted, inWord = !quoted, true
		case !quoted && (c == ' ' || c == '\t'):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// secretsInArgs finds an abra command line in a script's command (after
// `abra`, `opsync run … --` or `opsync explain --`) and returns its secret
// values.
func secretsInArgs(words []string) []string {
	for i, w := range words {
		var args []string
		switch {
		case w == "abra":
			args = words[i+1:]
		case w == "opsync" && i+1 < len(words) && (words[i+1] == "run" || words[i+1] == "explain"):
			rest := words[i+2:]
			if j := slices.Index(rest, "--"); j >= 0 {
				args = rest[j+1:]
			}
		default:
			continue
		}
		if n := len(args); n > 0 && strings.HasPrefix(args[n-1], "&") {
			args = args[:n-1] // a background command's name
		}
		return secretValues(args)
	}
	return nil
}

// secretValues are the secret arguments of one abra command line, by
// abra's grammar: the data of `app secret insert` (unless --file, read as
// pflag reads a boolean, names a file: "--file=0" does not), and for `app run` and `app command` every argument after the
// service and the command (all of them after a "--").
func secretValues(args []string) []string {
	rest, _, err := abra.StripSyncFlags(args)
	if err != nil {
		rest = args
	}
	inv := abra.Parse(rest)
	pos := inv.Positionals
	from := -1
	if inv.Refused != nil && inv.IsApp() {
		// abra refuses the line, so it runs nothing, but every word after
		// the app may be what the operator meant as a secret: the
		// positionals and the =values of flags (--file=hunter2).
		out := slices.Clone(pos[min(1, len(pos)):])
		for _, a := range rest {
			if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") && v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	switch inv.CommandName() {
	case "app secret insert":
		if !inv.Has("file") {
			from = 3
		}
	case "app run", "app command":
		from = 3
		if inv.DashAt >= 0 && inv.DashAt < from {
			from = inv.DashAt
		}
	}
	if from < 0 || from >= len(pos) {
		return nil
	}
	return slices.Clone(pos[from:])
}

// commitMessages returns every commit message (with its trailers) of every
// git repository under dir, bare or not, reachable from any ref or reflog
// entry (amended entries included).
func commitMessages(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if !isGitDir(path) {
			return nil
		}
		cmd := exec.Command("git", "--git-dir="+path, "log", "--all", "--reflog", "--format=%B%x00")
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		b, err := cmd.Output()
		if err == nil {
			for _, m := range strings.Split(string(b), "\x00") {
				if m = strings.TrimSpace(m); m != "" {
					out = append(out, m)
				}
			}
		}
		// Every ref's object whole: the lease refs (refs/opsync/…, and
		// copies of them a script fetched while a lease was held) and
		// anything a ref names that is not a commit.
		cmd = exec.Command("git", "--git-dir="+path, "for-each-ref", "--format=%(objectname)")
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		if b, err := cmd.Output(); err == nil {
			for _, oid := range strings.Fields(string(b)) {
				cat := exec.Command("git", "--git-dir="+path, "cat-file", "-p", oid)
				cat.Env = cmd.Env
				if c, err := cat.Output(); err == nil {
					out = append(out, string(c))
				}
			}
		}
		return filepath.SkipDir
	})
	return out
}

func isGitDir(path string) bool {
	for _, f := range []string{"HEAD", "objects", "refs"} {
		if _, err := os.Stat(filepath.Join(path, f)); err != nil {
			return false
		}
	}
	return true
}

// Package config finds abra's configuration the way abra does and reads
// opsync's part of it.
//
// abra looks for abra.yaml or abra.yml in the working directory and each
// parent; the first found wins, and its abraDir: key sets the abra directory
// unless $ABRA_DIR is set. opsync reads the same file for `sync: true` and
// the `operator_sync:` block, and also reads $ABRA_DIR/abra.yml as the
// user-wide default. Keys of the project file override the user file's.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"coopcloud.tech/opsync/internal/abra"
)

// FileNames are the config file names, in the order they are tried in one
// directory.
var FileNames = []string{"abra.yaml", "abra.yml"}

// Defaults.
const (
	DefaultCooldown   = 5 * time.Minute
	DefaultGitTimeout = 60 * time.Second
	// DefaultReadPullTimeout: a fetch from a forge takes a second or two;
	// ten leaves room for a slow link, and a read-only command does not
	// wait on a hanging one for a minute.
	DefaultReadPullTimeout = 10 * time.Second
	DefaultLockTimeout     = 2 * time.Minute
	// DefaultPushRetries leaves the retries of a rejected push bounded
	// by PushRetryFor alone; push_retries, when set, caps them too.
	DefaultPushRetries  = -1
	DefaultPushRetryFor = 5 * time.Minute
	DefaultLeaseTTL     = 30 * time.Minute
)

// Settings are the operator_sync: block, with defaults filled in.
type Settings struct {
	// Remote to pull from and push to; "" means the branch's upstream.
	Remote string
	// Cooldown: a read-only command skips the pull while the last
	// successful pull of the repository is younger than this. 0 = always pull.
	Cooldown time.Duration
	// GitTimeout bounds every git process.
	GitTimeout time.Duration
	// ReadPullTimeout bounds the pull before a read-only command (which
	// goes on without it), shorter than GitTimeout: a hanging network
	// must not cost every `abra app ls` a minute.
	ReadPullTimeout time.Duration
	// LockTimeout bounds the wait for another opsync using the same repository.
	LockTimeout time.Duration
	// PushRetries is how many times at most a rejected push is retried
	// after a pull; -1 (the default) = no count, PushRetryFor alone bounds it.
	PushRetries int
	// PushRetryFor is how long a push that keeps losing the race to
	// someone else's is retried (pull, push again) before giving up.
	PushRetryFor time.Duration
	// AlsoLog names more abra commands to log like modifying ones
	// ("app restart", "app command"), canonical paths.
	AlsoLog []string
	// AbraBin is the real abra program.
	AbraBin string
	// Lease: modifying commands take a lease on the app on the remote
	// first (internal/lease), so two operators never change one app at
	// the same time.
	Lease bool
	// LeaseTTL is how long a lease lasts without renewal (a running
	// command renews it every third of that).
	LeaseTTL time.Duration
	// LeaseWait is how long a command waits for a lease someone else
	// holds; 0 refuses at once.
	LeaseWait time.Duration
	// LogUnchangedFailures: a modifying command that failed is logged
	// even when it left its env file exactly as it was (declined at a
	// prompt — or failed on the server after changing it: opsync cannot
	// tell the two apart, so the default logs both).
	LogUnchangedFailures bool
	// Notify are the hooks run after an entry is pushed (notify.go): in a
	// repository's settings, the team file's (unless NotifyTeam is false)
	// and then the operator's own.
	Notify []Hook
	// NotifyTeam: the team file's notify hooks run too (default true).
	NotifyTeam bool
}

// DefaultSettings returns the settings used when nothing is configured.
func DefaultSettings() Settings {
	return Settings{
		Cooldown:             DefaultCooldown,
		GitTimeout:           DefaultGitTimeout,
		ReadPullTimeout:      DefaultReadPullTimeout,
		LockTimeout:          DefaultLockTimeout,
		PushRetries:          DefaultPushRetries,
		PushRetryFor:         DefaultPushRetryFor,
		LeaseTTL:             DefaultLeaseTTL,
		LogUnchangedFailures: true,
		NotifyTeam:           true,
	}
}

// File is one abra.yml as read.
type File struct {
	Path     string
	Sync     *bool // sync:, nil when absent
	SyncLine int
	AbraDir  string // abraDir:, resolved against the file's directory; "" when absent
	// keys set in operator_sync:, applied over the defaults by apply.
	apply []func(*Settings)
	keys  []string
	team  bool // the team file (.opsync.yml), read as operator_sync: is
}

// Config is the effective configuration for one working directory.
type Config struct {
	AbraDir       string // the abra directory abra will use
	AbraDirSource string // how it was chosen, for status and doctor
	Project       *File  // abra.yml found walking up from the working directory, or nil
	User          *File  // $ABRA_DIR/abra.yml, or nil (nil too when it is the Project file)
	Sync          bool   // sync: true is in effect
	SyncSource    string // which file said so ("" when no file did)
	// Settings are the operator's own (abra.yml over the defaults); a
	// repository's effective settings add its team file (ForRepo).
	Settings Settings

	teams map[string]*TeamFile // by work tree, as read
}

// Error is a configuration problem, with the file and line.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	loc := e.Path
	if e.Line > 0 {
		loc = fmt.Sprintf("%s line %d", e.Path, e.Line)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// Load finds and reads the configuration for a command run in dir.
func Load(dir string, getenv func(string) string) (*Config, error) {
	cfg := &Config{Settings: DefaultSettings()}
	project, err := findProjectFile(dir)
	if err != nil {
		return nil, err
	}
	if project != "" {
		if cfg.Project, err = ReadFile(project); err != nil {
			return nil, err
		}
	}
	switch {
	case getenv("ABRA_DIR") != "":
		cfg.AbraDir = expandHome(getenv("ABRA_DIR"), getenv)
		cfg.AbraDirSource = "$ABRA_DIR"
	case cfg.Project != nil && cfg.Project.AbraDir != "":
		cfg.AbraDir = expandHome(cfg.Project.AbraDir, getenv)
		cfg.AbraDirSource = "abraDir in " + cfg.Project.Path
	default:
		home := getenv("HOME")
		if home == "" {
			if h, err := os.UserHomeDir(); err == nil {
				home = h
			}
		}
		cfg.AbraDir = filepath.Join(home, ".abra")
		cfg.AbraDirSource = "default (~/.abra)"
	}
	if !filepath.IsAbs(cfg.AbraDir) {
		cfg.AbraDir = filepath.Join(dir, cfg.AbraDir)
	}
	cfg.AbraDir = filepath.Clean(cfg.AbraDir)

	if user := findIn(cfg.AbraDir); user != "" && (cfg.Project == nil || !sameFile(user, cfg.Project.Path)) {
		if cfg.User, err = ReadFile(user); err != nil {
			return nil, err
		}
	}
	for _, f := range []*File{cfg.User, cfg.Project} { // project last: it wins
		if f == nil {
			continue
		}
		if f.Sync != nil {
			cfg.Sync = *f.Sync
			cfg.SyncSource = f.Path
		}
		for _, a := range f.apply {
			a(&cfg.Settings)
		}
	}
	return cfg, nil
}

func expandHome(p string, getenv func(string) string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		return filepath.Join(getenv("HOME"), p[1:])
	}
	return p
}

func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// findIn returns the config file in dir, "" when there is none.
func findIn(dir string) string {
	for _, n := range FileNames {
		p := filepath.Join(dir, n)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

// findProjectFile walks up from dir to the root.
func findProjectFile(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if p := findIn(d); p != "" {
			return p, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", nil
		}
		d = parent
	}
}

// settingKeys documents every operator_sync: key; unknown keys are refused.
var settingKeys = map[string]string{
	"remote":                 "remote to pull from and push to (default: the branch's upstream)",
	"cooldown":               "how long a successful pull spares read-only commands another (default 5m; 0 = always pull)",
	"git_timeout":            "time limit for each git process (default 60s)",
	"lock_timeout":           "how long to wait for another opsync on the same repository (default 2m)",
	"push_retries":           "at most this many retries of a rejected push (default: no count; push_retry_for bounds them)",
	"push_retry_for":         "how long a push that keeps losing the race to someone else's is retried (default 5m)",
	"read_pull_timeout":      "time limit for the pull before a read-only command, which goes on without it (default 10s)",
	"log_unchanged_failures": "log a modifying command that failed and left its env file as it was (default true)",
	"also_log":               "more abra commands to log like modifying ones, e.g. [app restart, app command]",
	"abra_bin":               "path of the real abra program (default: the next abra on PATH)",
	"lease":                  "take a lease on the app on the remote before a modifying command (default false)",
	"lease_ttl":              "how long a lease lasts unless its command renews it (default 30m)",
	"lease_wait":             "how long to wait for a lease someone else holds (default 0: refuse at once)",
	"notify":                 "hooks run after an entry is pushed: a list of webhook: URL or command: shell command, with timeout: and when: (default none)",
	"notify_team":            "also run the team file's notify hooks (default true)",
}

// SettingKeys lists the known operator_sync: keys with their meaning.
func SettingKeys() map[string]string { return settingKeys }

// ReadFile reads one abra.yml.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Path: path, Msg: "cannot read the file: " + err.Error()}
	}
	f := &File{Path: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, yamlError(path, err)
	}
	if len(doc.Content) == 0 {
		return f, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return f, nil // "---" alone (or "~"): an empty document
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{Path: path, Line: root.Line, Msg: "the file must be a mapping of keys (like \"sync: true\"), not a " + kindName(root)}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "sync", "abraDir", "operator_sync":
			// yaml.v3 keeps every copy of a key in a node: which one
			// would win is nobody's guess, so a repeated key is refused.
			if err := once(path, seen, k); err != nil {
				return nil, err
			}
		}
		switch k.Value {
		case "sync":
			b, err := boolValue(path, k.Value, v)
			if err != nil {
				return nil, err
			}
			f.Sync, f.SyncLine = &b, k.Line
		case "abraDir":
			if v.Kind != yaml.ScalarNode {
				return nil, &Error{Path: path, Line: v.Line, Msg: "abraDir must be a path"}
			}
			f.AbraDir = v.Value
			if f.AbraDir != "" && !filepath.IsAbs(f.AbraDir) && !strings.HasPrefix(f.AbraDir, "~") {
				f.AbraDir = filepath.Join(filepath.Dir(path), f.AbraDir)
			}
		case "operator_sync":
			if err := f.readSettings(v); err != nil {
				return nil, err
			}
		}
		// Other keys belong to abra.
	}
	return f, nil
}

func (f *File) readSettings(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return &Error{Path: f.Path, Line: n.Line, Msg: "operator_sync must be a mapping of settings, not a " + kindName(n)}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		if _, ok := settingKeys[key]; !ok {
			return &Error{Path: f.Path, Line: k.Line, Msg: unknownKeyMsg(key)}
		}
		if err := once(f.Path, seen, k); err != nil {
			return err
		}
		apply, err := f.parseSetting(key, v)
		if err != nil {
			return err
		}
		f.apply = append(f.apply, apply)
		f.keys = append(f.keys, key)
	}
	return nil
}

func (f *File) parseSetting(key string, v *yaml.Node) (func(*Settings), error) {
	switch key {
	case "remote", "abra_bin":
		if v.Kind != yaml.ScalarNode || v.Value == "" {
			return nil, &Error{Path: f.Path, Line: v.Line, Msg: key + " must be a non-empty string"}
		}
		s := v.Value
		if key == "remote" {
			if strings.HasPrefix(s, "-") || strings.ContainsAny(s, " \t\n") {
				return nil, &Error{Path: f.Path, Line: v.Line, Msg: fmt.Sprintf("remote %q is not a remote name (like origin)", s)}
			}
			return func(st *Settings) { st.Remote = s }, nil
		}
		return func(st *Settings) { st.AbraBin = s }, nil
	case "cooldown", "git_timeout", "lock_timeout", "lease_ttl", "lease_wait", "push_retry_for", "read_pull_timeout":
		d, err := durationValue(f.Path, key, v)
		if err != nil {
			return nil, err
		}
		if key != "cooldown" && key != "lease_wait" && d == 0 {
			return nil, &Error{Path: f.Path, Line: v.Line, Msg: key + " must be more than 0"}
		}
		if r := durationRanges[key]; d < r.min || d > r.max {
			return nil, &Error{Path: f.Path, Line: v.Line, Msg: fmt.Sprintf("%s must be from %s to %s, not %q (%s)",
				key, showDuration(r.min), showDuration(r.max), v.Value, r.why)}
		}
		switch key {
		case "cooldown":
			return func(st *Settings) { st.Cooldown = d }, nil
		case "git_timeout":
			return func(st *Settings) { st.GitTimeout = d }, nil
		case "read_pull_timeout":
			return func(st *Settings) { st.ReadPullTimeout = d }, nil
		case "lease_ttl":
			return func(st *Settings) { st.LeaseTTL = d }, nil
		case "lease_wait":
			return func(st *Settings) { st.LeaseWait = d }, nil
		case "push_retry_for":
			return func(st *Settings) { st.PushRetryFor = d }, nil
		}
		return func(st *Settings) { st.LockTimeout = d }, nil
	case "lease":
		b, err := boolValue(f.Path, key, v)
		if err != nil {
			return nil, err
		}
		return func(st *Settings) { st.Lease = b }, nil
	case "log_unchanged_failures":
		b, err := boolValue(f.Path, key, v)
		if err != nil {
			return nil, err
		}
		return func(st *Settings) { st.LogUnchangedFailures = b }, nil
	case "notify":
		return f.parseNotify(v, f.team)
	case "notify_team":
		b, err := boolValue(f.Path, key, v)
		if err != nil {
			return nil, err
		}
		return func(st *Settings) { st.NotifyTeam = b }, nil
	case "push_retries":
		n, err := strconv.Atoi(v.Value)
		if v.Kind != yaml.ScalarNode || err != nil || n < 0 || n > 100 {
			return nil, &Error{Path: f.Path, Line: v.Line, Msg: fmt.Sprintf("push_retries must be a whole number from 0 to 100, not %q", v.Value)}
		}
		return func(st *Settings) { st.PushRetries = n }, nil
	case "also_log":
		var list []string
		switch v.Kind {
		case yaml.SequenceNode:
			for _, item := range v.Content {
				if item.Kind != yaml.ScalarNode {
					return nil, &Error{Path: f.Path, Line: item.Line, Msg: "also_log entries must be command names like \"app restart\""}
				}
				list = append(list, item.Value)
			}
		case yaml.ScalarNode:
			list = []string{v.Value}
		default:
			return nil, &Error{Path: f.Path, Line: v.Line, Msg: "also_log must be a list of command names like [app restart, app command]"}
		}
		var canon []string
		for i, c := range list {
			p, err := canonicalCommand(c)
			if err != nil {
				line := v.Line
				if v.Kind == yaml.SequenceNode {
					line = v.Content[i].Line
				}
				return nil, &Error{Path: f.Path, Line: line, Msg: err.Error()}
			}
			canon = append(canon, p)
		}
		return func(st *Settings) { st.AlsoLog = canon }, nil
	}
	return nil, &Error{Path: f.Path, Line: v.Line, Msg: unknownKeyMsg(key)}
}

// isLeaf reports whether path names a command rather than a group of them
// ("app secret" is a group; also_log needs "app secret list").
func isLeaf(path []string) bool {
	c := abra.Root
	for _, w := range path {
		c = c.Lookup(w)
	}
	return c != nil && len(c.Sub) == 0
}

func canonicalCommand(s string) (string, error) {
	words := strings.Fields(s)
	if len(words) > 0 && words[0] != "app" && words[0] != "a" {
		words = append([]string{"app"}, words...)
	}
	if path, ok := abra.ResolvePath(words); ok && len(path) >= 2 && isLeaf(path) {
		return strings.Join(path, " "), nil
	}
	return "", fmt.Errorf("also_log: %q is not an abra app command opsync knows (use names like \"app restart\" or \"app command\")", s)
}

func boolValue(path, key string, v *yaml.Node) (bool, error) {
	if v.Kind == yaml.ScalarNode {
		switch strings.ToLower(v.Value) {
		case "true", "yes", "on":
			return true, nil
		case "false", "no", "off":
			return false, nil
		}
	}
	return false, &Error{Path: path, Line: v.Line, Msg: fmt.Sprintf("%s must be true or false, not %q", key, v.Value)}
}

// once refuses a key met before in the same mapping (seen maps keys to
// their first line).
func once(path string, seen map[string]int, k *yaml.Node) error {
	if first, dup := seen[k.Value]; dup {
		return &Error{Path: path, Line: k.Line, Msg: fmt.Sprintf("%s is given twice (first on line %d), and opsync will not guess which one you mean; keep one",
			k.Value, first)}
	}
	seen[k.Value] = k.Line
	return nil
}

// durationRange is what a duration setting may be.
type durationRange struct {
	min, max time.Duration
	why      string
}

// durationRanges bound every duration setting, so that no setting can
// make opsync misbehave (a lease renewed every 0s, a git stopped before
// it starts) and no value overflows. The limits, and why:
//   - lease_ttl 3s..24h: a lease is written in whole seconds and renewed
//     every third of its time to live, so below 3s it cannot be renewed;
//     real teams want minutes (the default is 30m: a renewal is a push).
//     Above a day, the lease of an opsync that was killed blocks the app
//     for longer than anybody will wait.
//   - git_timeout and lock_timeout 1s..24h: a git process (or a wait for
//     another opsync) needs at least a second; a day stands for "never".
//   - cooldown and lease_wait 0..24h: 0 means "always pull" and "refuse at
//     once"; more than a day is a mistake in the unit.
//   - push_retry_for 1s..24h: how long a push that keeps losing the race
//     is retried (every push is retried at least three times anyway).
var durationRanges = map[string]durationRange{
	"lease_ttl":   {3 * time.Second, 24 * time.Hour, "a lease renewed every third of it needs at least 3s; minutes are usual"},
	"git_timeout": {time.Second, 24 * time.Hour, "a git process needs at least a second"},
	// read_pull_timeout 1s..24h: a fetch needs at least a second.
	"read_pull_timeout": {time.Second, 24 * time.Hour, "a pull needs at least a second"},
	"lock_timeout":      {time.Second, 24 * time.Hour, "waiting for another opsync needs at least a second"},
	"cooldown":          {0, 24 * time.Hour, "0 means always pull"},
	"lease_wait":        {0, 24 * time.Hour, "0 means refuse at once"},
	"push_retry_for":    {time.Second, 24 * time.Hour, "a round of pull and push needs at least a second"},
}

// showDuration prints d as a setting would be written (3s, 24h).
func showDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// maxSeconds is the largest bare number of seconds a time.Duration holds.
const maxSeconds = int64(1<<63-1) / int64(time.Second)

func durationValue(path, key string, v *yaml.Node) (time.Duration, error) {
	if v.Kind == yaml.ScalarNode {
		if n, err := strconv.ParseInt(v.Value, 10, 64); err == nil && n >= 0 {
			if n > maxSeconds {
				n = maxSeconds // far beyond every maximum: refused by the range check
			}
			return time.Duration(n) * time.Second, nil
		}
		if _, err := strconv.ParseUint(v.Value, 10, 64); err == nil || isDigits(v.Value) {
			// a bare number too large even for 64 bits
			return time.Duration(maxSeconds) * time.Second, nil
		}
		if d, err := time.ParseDuration(v.Value); err == nil && d >= 0 {
			return d, nil
		}
	}
	return 0, &Error{Path: path, Line: v.Line, Msg: fmt.Sprintf("%s must be a duration like 5m, 90s or 1h (a bare number means seconds), not %q", key, v.Value)}
}

func unknownKeyMsg(key string) string {
	known := make([]string, 0, len(settingKeys))
	for k := range settingKeys {
		known = append(known, k)
	}
	sort.Strings(known)
	msg := fmt.Sprintf("unknown operator_sync setting %q", key)
	if s := closest(key, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg + "; known settings are " + strings.Join(known, ", ")
}

// closest returns the known key within edit distance 2 of key, if any.
func closest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "single value"
	case yaml.MappingNode:
		return "mapping"
	}
	return "value"
}

func yamlError(path string, err error) error {
	// yaml.v3 errors read "yaml: line 3: mapping values are not allowed…".
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ":"); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line = l
				msg = strings.TrimSpace(after)
			}
		}
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msg = strings.Join(te.Errors, "; ")
	}
	return &Error{Path: path, Line: line, Msg: "not valid YAML: " + msg}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/config"
)

// tree is a temporary directory tree with a private HOME.
type tree struct {
	t    *testing.T
	root string
	env  map[string]string
}

func newTree(t *testing.T) *tree {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tr := &tree{t: t, root: root, env: map[string]string{"HOME": filepath.Join(root, "home")}}
	tr.mkdir("home")
	// The walk up does not stop at the temporary directory: make sure no
	// abra.yml above it (in /tmp, say) takes part.
	if cfg, err := config.Load(root, tr.getenv); err == nil && cfg.Project != nil {
		t.Skipf("an abra config file above the test directory would interfere: %s", cfg.Project.Path)
	}
	return tr
}

func (tr *tree) getenv(k string) string { return tr.env[k] }

func (tr *tree) path(rel string) string { return filepath.Join(tr.root, filepath.FromSlash(rel)) }

func (tr *tree) mkdir(rel string) string {
	tr.t.Helper()
	p := tr.path(rel)
	if err := os.MkdirAll(p, 0o755); err != nil {
		tr.t.Fatal(err)
	}
	return p
}

func (tr *tree) write(rel, content string) string {
	tr.t.Helper()
	p := tr.path(rel)
	tr.mkdir(filepath.Dir(rel))
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		tr.t.Fatal(err)
	}
	return p
}

func (tr *tree) load(rel string) *config.Config {
	tr.t.Helper()
	cfg, err := config.Load(tr.mkdir(rel), tr.getenv)
	if err != nil {
		tr.t.Fatalf("Load(%s): %v", rel, err)
	}
	return cfg
}

func TestWalkUpFromNestedDir(t *testing.T) {
	tr := newTree(t)
	file := tr.write("project/abra.yml", "sync: true\n")
	cfg := tr.load("project/a/b/c")
	if cfg.Project == nil || cfg.Project.Path != file {
		t.Fatalf("Project = %+v, want %s", cfg.Project, file)
	}
	if !cfg.Sync || cfg.SyncSource != file {
		t.Errorf("Sync = %v from %q, want true from %s", cfg.Sync, cfg.SyncSource, file)
	}
	if cfg.Project.SyncLine != 1 {
		t.Errorf("SyncLine = %d, want 1", cfg.Project.SyncLine)
	}
	// Outside the project: nothing found, sync off, abra's default directory.
	cfg = tr.load("elsewhere")
	if cfg.Project != nil || cfg.Sync || cfg.SyncSource != "" {
		t.Errorf("outside the project: Project %+v, Sync %v", cfg.Project, cfg.Sync)
	}
	if want := filepath.Join(tr.env["HOME"], ".abra"); cfg.AbraDir != want || !strings.Contains(cfg.AbraDirSource, "default") {
		t.Errorf("AbraDir = %q (%s), want %q (default)", cfg.AbraDir, cfg.AbraDirSource, want)
	}
}

func TestNearestFileWins(t *testing.T) {
	tr := newTree(t)
	tr.write("p/abra.yml", "sync: false\n")
	inner := tr.write("p/q/abra.yml", "sync: true\n")
	cfg := tr.load("p/q/r")
	if cfg.Project.Path != inner || !cfg.Sync {
		t.Errorf("Project %s, Sync %v; want %s, true", cfg.Project.Path, cfg.Sync, inner)
	}
}

func TestYamlPreferredOverYml(t *testing.T) {
	tr := newTree(t)
	yaml := tr.write("p/abra.yaml", "sync: true\n")
	tr.write("p/abra.yml", "sync: false\noperator_sync:\n  cooldown: 1s\n")
	cfg := tr.load("p")
	if cfg.Project.Path != yaml || !cfg.Sync || cfg.Settings.Cooldown != config.DefaultCooldown {
		t.Errorf("Project %s, Sync %v, Cooldown %s: want only %s read", cfg.Project.Path, cfg.Sync, cfg.Settings.Cooldown, yaml)
	}
	// A directory named abra.yaml is not a config file.
	tr2 := newTree(t)
	tr2.mkdir("p/abra.yaml")
	yml := tr2.write("p/abra.yml", "sync: true\n")
	if cfg := tr2.load("p"); cfg.Project == nil || cfg.Project.Path != yml {
		t.Errorf("Project = %+v, want %s", cfg.Project, yml)
	}
}

func TestAbraDir(t *testing.T) {
	tr := newTree(t)
	tr.write("rel/abra.yml", "abraDir: ./data\n")
	tr.write("abs/abra.yml", "abraDir: "+tr.path("somewhere/else")+"\n")
	tr.write("home-rel/abra.yml", "abraDir: ~/my-abra\n")
	tr.write("dotdot/abra.yml", "abraDir: ../shared-abra\n")
	tests := []struct {
		cwd, abraDirEnv, want, source string
	}{
		// Relative to the file's directory, not to the working directory.
		{"rel/x/y", "", tr.path("rel/data"), "abraDir in " + tr.path("rel/abra.yml")},
		{"abs", "", tr.path("somewhere/else"), "abraDir in"},
		{"home-rel/sub", "", filepath.Join(tr.env["HOME"], "my-abra"), "abraDir in"},
		{"dotdot", "", tr.path("shared-abra"), "abraDir in"},
		// $ABRA_DIR wins over abraDir.
		{"rel/x", tr.path("env-abra"), tr.path("env-abra"), "$ABRA_DIR"},
		{"rel/x", "~/env-abra", filepath.Join(tr.env["HOME"], "env-abra"), "$ABRA_DIR"},
		// A relative $ABRA_DIR is relative to the working directory, as for abra.
		{"rel/x", "local-abra", tr.path("rel/x/local-abra"), "$ABRA_DIR"},
		{"none", "", filepath.Join(tr.env["HOME"], ".abra"), "default"},
	}
	for _, tt := range tests {
		tr.env["ABRA_DIR"] = tt.abraDirEnv
		cfg := tr.load(tt.cwd)
		if cfg.AbraDir != tt.want || !strings.Contains(cfg.AbraDirSource, tt.source) {
			t.Errorf("cwd %s, ABRA_DIR=%q: AbraDir %q (%s), want %q (%s)", tt.cwd, tt.abraDirEnv, cfg.AbraDir, cfg.AbraDirSource, tt.want, tt.source)
		}
	}
}

func TestUserFileAndProjectOverrides(t *testing.T) {
	tr := newTree(t)
	tr.env["ABRA_DIR"] = tr.path("abra")
	user := tr.write("abra/abra.yml", `sync: true
operator_sync:
  remote: upstream
  cooldown: 1m
  push_retries: 7
  also_log: [app restart]
`)
	// The user file alone is the default everywhere.
	cfg := tr.load("anywhere")
	if cfg.Project != nil || cfg.User == nil || cfg.User.Path != user {
		t.Fatalf("Project %+v User %+v; want only the user file %s", cfg.Project, cfg.User, user)
	}
	want := config.DefaultSettings()
	want.Remote, want.Cooldown, want.PushRetries, want.AlsoLog = "upstream", time.Minute, 7, []string{"app restart"}
	if !cfg.Sync || cfg.SyncSource != user || !reflect.DeepEqual(cfg.Settings, want) {
		t.Errorf("Sync %v from %q, Settings %+v; want true from %s, %+v", cfg.Sync, cfg.SyncSource, cfg.Settings, user, want)
	}

	// A project file overrides key by key; what it does not set stays.
	project := tr.write("proj/abra.yml", "operator_sync:\n  cooldown: 2m\n  also_log: []\n")
	cfg = tr.load("proj/sub")
	if cfg.Project == nil || cfg.Project.Path != project || cfg.User == nil || cfg.User.Path != user {
		t.Fatalf("Project %+v User %+v", cfg.Project, cfg.User)
	}
	want.Cooldown, want.AlsoLog = 2*time.Minute, nil
	if !cfg.Sync || cfg.SyncSource != user || !reflect.DeepEqual(cfg.Settings, want) {
		t.Errorf("Sync %v from %q, Settings %+v; want true from %s, %+v", cfg.Sync, cfg.SyncSource, cfg.Settings, user, want)
	}

	// The project's sync: false turns the user's default off.
	project = tr.write("off/abra.yml", "sync: false\n")
	cfg = tr.load("off")
	if cfg.Sync || cfg.SyncSource != project {
		t.Errorf("Sync %v from %q, want false from %s", cfg.Sync, cfg.SyncSource, project)
	}

	// Working inside $ABRA_DIR: the user file is the project file; it is
	// read once, not twice.
	cfg = tr.load("abra/servers/s1")
	if cfg.Project == nil || cfg.Project.Path != user || cfg.User != nil {
		t.Errorf("inside ABRA_DIR: Project %+v User %+v; want the user file as Project only", cfg.Project, cfg.User)
	}

	// The user file found through abraDir of the project file.
	tr.env["ABRA_DIR"] = ""
	tr.write("viaabradir/abra.yml", "abraDir: ../abra\noperator_sync:\n  remote: origin\n")
	cfg = tr.load("viaabradir")
	if cfg.User == nil || cfg.User.Path != user || !cfg.Sync || cfg.Settings.Remote != "origin" || cfg.Settings.PushRetries != 7 {
		t.Errorf("via abraDir: User %+v, Sync %v, Settings %+v", cfg.User, cfg.Sync, cfg.Settings)
	}
}

func TestSyncValues(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  bool
		bad   bool
	}{
		{"true", true, false}, {"false", false, false}, {"yes", true, false}, {"no", false, false},
		{"on", true, false}, {"off", false, false}, {"True", true, false}, {`"true"`, true, false},
		{"maybe", false, true}, {"1", false, true}, {"", false, true}, {"[true]", false, true}, {"{a: b}", false, true},
	} {
		tr := newTree(t)
		file := tr.write("p/abra.yml", "# operator sync\nsync: "+tt.value+"\n")
		f, err := config.ReadFile(file)
		if tt.bad {
			assertConfigError(t, err, file, 2, "sync must be true or false")
			continue
		}
		if err != nil || f.Sync == nil || *f.Sync != tt.want || f.SyncLine != 2 {
			t.Errorf("sync: %s: %+v, %v; want %v on line 2", tt.value, f, err, tt.want)
		}
	}
}

func TestOperatorSyncKeys(t *testing.T) {
	d := config.DefaultSettings()
	with := func(change func(*config.Settings)) config.Settings {
		s := d
		change(&s)
		return s
	}
	tests := []struct {
		yaml string
		want config.Settings
	}{
		{"", d},
		{"operator_sync:\n", d},
		{"operator_sync: {}\n", d},
		{"operator_sync:\n  remote: operator-sync\n", with(func(s *config.Settings) { s.Remote = "operator-sync" })},
		{"operator_sync:\n  cooldown: 5m\n", with(func(s *config.Settings) { s.Cooldown = 5 * time.Minute })},
		{"operator_sync:\n  cooldown: 90s\n", with(func(s *config.Settings) { s.Cooldown = 90 * time.Second })},
		{"operator_sync:\n  cooldown: 300\n", with(func(s *config.Settings) { s.Cooldown = 300 * time.Second })},
		{"operator_sync:\n  cooldown: 0\n", with(func(s *config.Settings) { s.Cooldown = 0 })},
		{"operator_sync:\n  cooldown: 1h30m\n", with(func(s *config.Settings) { s.Cooldown = 90 * time.Minute })},
		{"operator_sync:\n  git_timeout: 2m\n", with(func(s *config.Settings) { s.GitTimeout = 2 * time.Minute })},
		{"operator_sync:\n  git_timeout: 15\n", with(func(s *config.Settings) { s.GitTimeout = 15 * time.Second })},
		{"operator_sync:\n  lock_timeout: 10s\n", with(func(s *config.Settings) { s.LockTimeout = 10 * time.Second })},
		{"operator_sync:\n  lock_timeout: 45\n", with(func(s *config.Settings) { s.LockTimeout = 45 * time.Second })},
		{"operator_sync:\n  lease_ttl: 3s\n", with(func(s *config.Settings) { s.LeaseTTL = 3 * time.Second })},
		{"operator_sync:\n  lease_ttl: 24h\n", with(func(s *config.Settings) { s.LeaseTTL = 24 * time.Hour })},
		{"operator_sync:\n  lease_ttl: 86400\n", with(func(s *config.Settings) { s.LeaseTTL = 24 * time.Hour })},
		{"operator_sync:\n  git_timeout: 1s\n", with(func(s *config.Settings) { s.GitTimeout = time.Second })},
		{"operator_sync:\n  cooldown: 24h\n", with(func(s *config.Settings) { s.Cooldown = 24 * time.Hour })},
		{"operator_sync:\n  lease_wait: 0\n", with(func(s *config.Settings) { s.LeaseWait = 0 })},
		{"operator_sync:\n  push_retries: 0\n", with(func(s *config.Settings) { s.PushRetries = 0 })},
		{"operator_sync:\n  push_retries: 100\n", with(func(s *config.Settings) { s.PushRetries = 100 })},
		{"operator_sync:\n  push_retry_for: 5m\n", with(func(s *config.Settings) { s.PushRetryFor = 5 * time.Minute })},
		{"operator_sync:\n  push_retry_for: 90\n", with(func(s *config.Settings) { s.PushRetryFor = 90 * time.Second })},
		{"operator_sync:\n  also_log: [app restart, app command]\n",
			with(func(s *config.Settings) { s.AlsoLog = []string{"app restart", "app command"} })},
		{"operator_sync:\n  also_log:\n    - restart\n    - a cmd\n    - app s rm\n    - app backup c\n",
			with(func(s *config.Settings) {
				s.AlsoLog = []string{"app restart", "app command", "app secret remove", "app backup create"}
			})},
		{"operator_sync:\n  also_log: app re\n", with(func(s *config.Settings) { s.AlsoLog = []string{"app restart"} })},
		{"operator_sync:\n  notify_team: false\n", with(func(s *config.Settings) { s.NotifyTeam = false })},
		{"operator_sync:\n  abra_bin: /opt/abra/bin/abra\n", with(func(s *config.Settings) { s.AbraBin = "/opt/abra/bin/abra" })},
		{"sync: true\nabraDir: x\nsomething_abra_reads: 1\noperator_sync:\n  remote: origin\n  cooldown: 1m\n  git_timeout: 30s\n  lock_timeout: 1m\n  push_retries: 5\n  also_log: [restart]\n  abra_bin: ~/bin/abra\n",
			config.Settings{Remote: "origin", Cooldown: time.Minute, GitTimeout: 30 * time.Second, LockTimeout: time.Minute,
				PushRetries: 5, PushRetryFor: config.DefaultPushRetryFor, AlsoLog: []string{"app restart"}, AbraBin: "~/bin/abra", LeaseTTL: config.DefaultLeaseTTL,
				ReadPullTimeout: config.DefaultReadPullTimeout, LogUnchangedFailures: true, NotifyTeam: true}},
	}
	for _, tt := range tests {
		tr := newTree(t)
		tr.write("p/abra.yml", tt.yaml)
		cfg, err := config.Load(tr.path("p"), tr.getenv)
		if err != nil {
			t.Errorf("%q: %v", tt.yaml, err)
			continue
		}
		if !reflect.DeepEqual(cfg.Settings, tt.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", tt.yaml, cfg.Settings, tt.want)
		}
	}
	keys := config.SettingKeys()
	known := []string{"remote", "cooldown", "git_timeout", "lock_timeout", "push_retries", "also_log", "abra_bin",
		"lease", "lease_ttl", "lease_wait", "push_retry_for", "read_pull_timeout", "log_unchanged_failures", "notify", "notify_team"}
	for _, k := range known {
		if keys[k] == "" {
			t.Errorf("SettingKeys lacks %q", k)
		}
	}
	if len(keys) != len(known) {
		t.Errorf("SettingKeys has %d keys, the test knows %d: %v", len(keys), len(known), keys)
	}
}

// assertConfigError checks that err is a *config.Error naming the file and
// the line, with a message containing want.
func assertConfigError(t *testing.T, err error, path string, line int, want string) {
	t.Helper()
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Errorf("error %v (%T), want a *config.Error", err, err)
		return
	}
	if ce.Path != path || ce.Line != line || !strings.Contains(ce.Msg, want) {
		t.Errorf("error {%s line %d: %s}, want {%s line %d: …%s…}", ce.Path, ce.Line, ce.Msg, path, line, want)
	}
	msg := err.Error()
	loc := path
	if line > 0 {
		loc = path + " line " + itoa(line)
	}
	// The way around a broken file (OPSYNC=nolog) is the wrapper's to tell
	// (see config-errors.txtar); init and doctor say other things.
	if !strings.HasPrefix(msg, loc+": ") {
		t.Errorf("Error() = %q, want it to start %q", msg, loc+": ")
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		line int
		want string
	}{
		{"unknown key with a near miss", "sync: true\noperator_sync:\n  remote: origin\n  coolddown: 5m\n", 4,
			`unknown operator_sync setting "coolddown" (did you mean "cooldown"?); known settings are abra_bin, also_log, cooldown, git_timeout, lease, lease_ttl, lease_wait, lock_timeout, log_unchanged_failures, notify, notify_team, push_retries, push_retry_for, read_pull_timeout, remote`},
		{"unknown key, nothing near", "operator_sync:\n  colour: blue\n", 2, `unknown operator_sync setting "colour"; known settings are`},
		{"unknown key, case", "operator_sync:\n  Remote: origin\n", 2, `(did you mean "remote"?)`},
		{"operator_sync not a mapping", "operator_sync: yes\n", 1, "operator_sync must be a mapping of settings, not a single value"},
		{"operator_sync a list", "sync: true\noperator_sync:\n  - remote\n", 3, "operator_sync must be a mapping of settings, not a list"},
		{"cooldown wrong type", "operator_sync:\n  cooldown: [5m]\n", 2, "cooldown must be a duration like 5m"},
		{"cooldown negative", "operator_sync:\n  cooldown: -5m\n", 2, `not "-5m"`},
		{"cooldown words", "operator_sync:\n  cooldown: 5 minutes\n", 2, `not "5 minutes"`},
		{"git_timeout zero", "operator_sync:\n  git_timeout: 0\n", 2, "git_timeout must be more than 0"},
		{"lock_timeout zero", "operator_sync:\n  lock_timeout: 0s\n", 2, "lock_timeout must be more than 0"},
		{"push_retry_for zero", "operator_sync:\n  push_retry_for: 0\n", 2, "push_retry_for must be more than 0"},
		{"push_retry_for words", "operator_sync:\n  push_retry_for: a minute\n", 2, `not "a minute"`},
		{"push_retries too many", "operator_sync:\n  push_retries: 101\n", 2, "push_retries must be a whole number from 0 to 100"},
		{"push_retries negative", "operator_sync:\n  push_retries: -1\n", 2, `not "-1"`},
		{"push_retries not a number", "operator_sync:\n  push_retries: many\n", 2, `not "many"`},
		{"push_retries a list", "operator_sync:\n  push_retries: [1]\n", 2, "push_retries must be a whole number"},
		{"remote empty", "operator_sync:\n  remote: \"\"\n", 2, "remote must be a non-empty string"},
		{"remote a list", "operator_sync:\n  remote: [origin]\n", 2, "remote must be a non-empty string"},
		{"remote like a flag", "operator_sync:\n  remote: --upload-pack=x\n", 2, "is not a remote name"},
		{"remote with a space", "operator_sync:\n  remote: my remote\n", 2, "is not a remote name"},
		{"abra_bin empty", "operator_sync:\n  abra_bin:\n", 2, "abra_bin must be a non-empty string"},
		{"also_log unknown command, third item", "operator_sync:\n  also_log:\n    - restart\n    - cmd\n    - frobnicate\n", 5,
			`also_log: "frobnicate" is not an abra app command opsync knows`},
		{"also_log scalar unknown", "operator_sync:\n  also_log: server add\n", 2, `"server add" is not an abra app command`},
		{"also_log a mapping", "operator_sync:\n  also_log: {a: b}\n", 2, "also_log must be a list of command names"},
		{"also_log nested list", "operator_sync:\n  also_log:\n    - [restart]\n", 3, "also_log entries must be command names"},
		{"abraDir a list", "abraDir: [a]\n", 1, "abraDir must be a path"},
		{"invalid YAML", "sync: true\noperator_sync:\n  remote: origin\n   cooldown: 5m\n", 4, "not valid YAML"},
		{"invalid YAML, tab", "sync: true\n\tremote: x\n", 2, "not valid YAML"},
		{"top level a list", "- sync: true\n", 1, "the file must be a mapping of keys (like \"sync: true\"), not a list"},
		{"top level a scalar", "\n\nsync\n", 3, "not a single value"},
		{"sync twice", "sync: false\nabraDir: x\nsync: true\n", 3, "sync is given twice (first on line 1), and opsync will not guess"},
		{"operator_sync twice", "operator_sync:\n  lease: true\noperator_sync:\n  lease: false\n", 3, "operator_sync is given twice (first on line 1)"},
		{"abraDir twice", "abraDir: a\nabraDir: b\n", 2, "abraDir is given twice"},
		{"a setting twice", "sync: true\noperator_sync:\n  remote: origin\n  cooldown: 1m\n  remote: upstream\n", 5,
			"remote is given twice (first on line 3)"},
		{"lease_ttl 2ns", "operator_sync:\n  lease_ttl: 2ns\n", 2, `lease_ttl must be from 3s to 24h, not "2ns"`},
		{"lease_ttl 2s", "operator_sync:\n  lease_ttl: 2\n", 2, `lease_ttl must be from 3s to 24h, not "2"`},
		{"lease_ttl a year", "operator_sync:\n  lease_ttl: 8760h\n", 2, `lease_ttl must be from 3s to 24h, not "8760h"`},
		{"lease_ttl seconds overflowing", "operator_sync:\n  lease_ttl: 9223372037\n", 2, `lease_ttl must be from 3s to 24h, not "9223372037"`},
		{"lease_ttl seconds beyond 64 bits", "operator_sync:\n  lease_ttl: 99999999999999999999999\n", 2, `lease_ttl must be from 3s to 24h`},
		{"lease_ttl duration overflowing", "operator_sync:\n  lease_ttl: 9999999999h\n", 2, `lease_ttl must be a duration`},
		{"git_timeout 1ns", "operator_sync:\n  git_timeout: 1ns\n", 2, `git_timeout must be from 1s to 24h`},
		{"lock_timeout 500ms", "operator_sync:\n  lock_timeout: 500ms\n", 2, `lock_timeout must be from 1s to 24h`},
		{"cooldown overflowing", "operator_sync:\n  cooldown: 9223372036854775807\n", 2, `cooldown must be from 0 to 24h`},
		{"lease_wait two days", "operator_sync:\n  lease_wait: 48h\n", 2, `lease_wait must be from 0 to 24h`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTree(t)
			file := tr.write("p/abra.yml", tt.yaml)
			_, err := config.ReadFile(file)
			assertConfigError(t, err, file, tt.line, tt.want)
			// Load reports the same error.
			_, err = config.Load(tr.path("p"), tr.getenv)
			assertConfigError(t, err, file, tt.line, tt.want)
		})
	}
}

func TestErrorInUserFile(t *testing.T) {
	tr := newTree(t)
	tr.env["ABRA_DIR"] = tr.path("abra")
	user := tr.write("abra/abra.yml", "operator_sync:\n  cooldwn: 1m\n")
	tr.write("p/abra.yml", "sync: true\n")
	_, err := config.Load(tr.mkdir("p"), tr.getenv)
	assertConfigError(t, err, user, 2, `did you mean "cooldown"?`)
}

func TestUnreadableFile(t *testing.T) {
	tr := newTree(t)
	file := tr.write("p/abra.yml", "sync: true\n")
	if err := os.Chmod(file, 0); err != nil {
		t.Fatal(err)
	}
	if f, err := os.Open(file); err == nil {
		f.Close()
		t.Skip("running as a user who can read a file with mode 000")
	}
	_, err := config.ReadFile(file)
	assertConfigError(t, err, file, 0, "cannot read the file")
}

func TestEmptyFile(t *testing.T) {
	tr := newTree(t)
	for _, content := range []string{"", "\n", "# nothing yet\n", "---\n", "---\n# abra settings go here\n", "~\n", "null\n"} {
		file := tr.write("p/abra.yml", content)
		f, err := config.ReadFile(file)
		if err != nil || f.Sync != nil || f.AbraDir != "" {
			t.Errorf("ReadFile(%q) = %+v, %v; want an empty file", content, f, err)
		}
	}
}

package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// loadWith loads a configuration whose $ABRA_DIR/abra.yml holds personal.
func loadWith(t *testing.T, personal string) *Config {
	t.Helper()
	dir := t.TempDir()
	abraDir := filepath.Join(dir, ".abra")
	writeFile(t, filepath.Join(abraDir, "abra.yml"), personal)
	cfg, err := Load(dir, func(k string) string {
		if k == "ABRA_DIR" {
			return abraDir
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func teamFile(t *testing.T, content string) (*TeamFile, error) {
	t.Helper()
	tree := t.TempDir()
	writeFile(t, filepath.Join(tree, TeamFileName), content)
	return ReadTeamFile(tree)
}

func TestTeamFileIsEveryonesDefault(t *testing.T) {
	team, err := teamFile(t, "lease: true\nlease_ttl: 10m\nalso_log: [app restart]\npush_retries: 4\n")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, personal string
		check          func(Settings) string
	}{
		{"nothing personal", "sync: true\n", func(s Settings) string {
			if !s.Lease || s.LeaseTTL != 10*time.Minute || s.PushRetries != 4 || !slices.Equal(s.AlsoLog, []string{"app restart"}) {
				return "the team's settings are not the defaults"
			}
			return ""
		}},
		{"lease: false does not turn the team's off", "sync: true\noperator_sync:\n  lease: false\n", func(s Settings) string {
			if !s.Lease {
				return "personal lease: false turned the team's leasing off"
			}
			return ""
		}},
		{"also_log adds", "sync: true\noperator_sync:\n  also_log: [app command]\n", func(s Settings) string {
			if !slices.Contains(s.AlsoLog, "app restart") || !slices.Contains(s.AlsoLog, "app command") {
				return "also_log is not the union: " + strings.Join(s.AlsoLog, ",")
			}
			return ""
		}},
		{"other keys are the operator's to override", "sync: true\noperator_sync:\n  lease_ttl: 20m\n  cooldown: 1m\n", func(s Settings) string {
			if s.LeaseTTL != 20*time.Minute || s.Cooldown != time.Minute {
				return "a personal lease_ttl or cooldown did not apply"
			}
			return ""
		}},
	}
	for _, c := range cases {
		cfg := loadWith(t, c.personal)
		if msg := c.check(cfg.WithTeam(team)); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
		}
	}
	// Without a team file, the personal settings alone.
	cfg := loadWith(t, "sync: true\noperator_sync:\n  lease: false\n")
	if cfg.WithTeam(nil).Lease {
		t.Error("no team file, lease: false: leasing on")
	}
}

func TestTeamFileSources(t *testing.T) {
	team, err := teamFile(t, "lease: true\nalso_log: [app restart]\n")
	if err != nil {
		t.Fatal(err)
	}
	cfg := loadWith(t, "sync: true\noperator_sync:\n  lease: false\n  also_log: [app command]\n  cooldown: 1m\n")
	got := map[string]Source{}
	for _, s := range cfg.Sources(team) {
		got[s.Key] = s
	}
	if s := got["lease"]; s.Value != "true" || s.From != team.Path || !strings.Contains(s.Note, "does not turn off") {
		t.Errorf("lease: %+v", s)
	}
	if s := got["also_log"]; !strings.Contains(s.From, team.Path) || !strings.Contains(s.From, "abra.yml") || s.Value != "[app command, app restart]" {
		t.Errorf("also_log: %+v", s)
	}
	if s := got["cooldown"]; !strings.HasSuffix(s.From, "abra.yml") || s.Value != "1m" {
		t.Errorf("cooldown: %+v", s)
	}
	if s := got["git_timeout"]; s.From != "default" {
		t.Errorf("git_timeout: %+v", s)
	}
}

func TestTeamFileRefuses(t *testing.T) {
	for _, c := range []struct{ content, want string }{
		{"cooldown: 1m\n", "line 1: cooldown is a personal setting"},
		{"lease: true\nleese_ttl: 5m\n", `line 2: unknown team setting "leese_ttl" (did you mean "lease_ttl"?)`},
		{"lease: maybe\n", `lease must be true or false`},
		{"lease: true\nlease: false\n", "lease is given twice"},
		{"- lease\n", "must be a mapping"},
		{"lease_ttl: 1s\n", "lease_ttl must be from"},
	} {
		_, err := teamFile(t, c.content)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), TeamFileName) {
			t.Errorf("%q: error %v, want one naming the file and %q", c.content, err, c.want)
		}
	}
	if tf, err := ReadTeamFile(t.TempDir()); tf != nil || err != nil {
		t.Errorf("no team file: %v, %v", tf, err)
	}
}

// TestSettingsDocumented: every operator_sync key is in the README's
// settings example, and every team key in its team file example.
func TestSettingsDocumented(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	_, settings, _ := strings.Cut(readme, "## Settings (`abra.yml`)")
	personal, team, _ := strings.Cut(settings, "### The team's settings")
	for k := range settingKeys {
		if !strings.Contains(personal, "\n  "+k+":") {
			t.Errorf("operator_sync: %s is not in the README's settings example", k)
		}
	}
	for k := range teamKeys {
		if !strings.Contains(team, "\n"+k+":") {
			t.Errorf("team key %s is not in the README's team file example", k)
		}
	}
}

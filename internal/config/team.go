package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// TeamFileName is the team's settings file, at the top of the repository
// that holds the server directories: committed, pushed and pulled like the
// env files, so every operator's opsync reads the same.
const TeamFileName = ".opsync.yml"

// teamKeys are the settings a team sets for everybody, as top-level keys
// of the team file with the names and values they have under
// operator_sync:. Timing keys (cooldown, git_timeout, lock_timeout) and
// where things are (remote, abra_bin) stay personal: they depend on the
// operator's network and machine.
var teamKeys = map[string]bool{
	"lease": true, "lease_ttl": true, "lease_wait": true, "also_log": true,
	"push_retries": true, "push_retry_for": true, "log_unchanged_failures": true,
	"notify": true,
}

// TeamFile is a repository's team file as read.
type TeamFile struct {
	Path string
	file File // the settings, read as operator_sync: would read them
}

// ReadTeamFile reads the team file at the top of the work tree; nil when
// there is none. A key the team file cannot hold is refused with the file
// and line, like an unknown key in abra.yml.
func ReadTeamFile(workTree string) (*TeamFile, error) {
	path := filepath.Join(workTree, TeamFileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &Error{Path: path, Msg: "cannot read the team's settings: " + err.Error()}
	}
	t := &TeamFile{Path: path, file: File{Path: path, team: true}}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, yamlError(path, err)
	}
	if len(doc.Content) == 0 {
		return t, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return t, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{Path: path, Line: root.Line, Msg: "the team file must be a mapping of settings (like \"lease: true\"), not a " + kindName(root)}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch {
		case teamKeys[k.Value]:
		case settingKeys[k.Value] != "":
			return nil, &Error{Path: path, Line: k.Line, Msg: fmt.Sprintf("%s is a personal setting, not the team's: "+
				"each operator sets it under operator_sync: in their own abra.yml; the team file holds %s", k.Value, teamKeyList())}
		default:
			msg := fmt.Sprintf("unknown team setting %q", k.Value)
			if s := closest(k.Value, teamKeySlice()); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return nil, &Error{Path: path, Line: k.Line, Msg: msg + "; the team file holds " + teamKeyList()}
		}
		if err := once(path, seen, k); err != nil {
			return nil, err
		}
		apply, err := t.file.parseSetting(k.Value, v)
		if err != nil {
			return nil, err
		}
		t.file.apply = append(t.file.apply, apply)
		t.file.keys = append(t.file.keys, k.Value)
	}
	return t, nil
}

// Sets reports whether the team file sets the key.
func (t *TeamFile) Sets(key string) bool {
	return t != nil && slices.Contains(t.file.keys, key)
}

func teamKeySlice() []string {
	out := make([]string, 0, len(teamKeys))
	for k := range teamKeys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func teamKeyList() string { return strings.Join(teamKeySlice(), ", ") }

// Source says where an effective setting comes from.
type Source struct {
	Key   string `json:"key"`
	Value string `json:"value"`          // as opsync reads it
	From  string `json:"from"`           // "default", a file's path, or "<team file> + <abra.yml>" for also_log
	Note  string `json:"note,omitempty"` // what the team file overrides of the operator's own setting
}

// WithTeam is the effective settings for a repository whose team file is
// t (nil: none): the team's settings are every operator's defaults; the
// operator's own abra.yml may set the others, add to also_log, and turn
// leasing on but not off (--no-lease on one command still can, and the
// entry records it).
func (c *Config) WithTeam(t *TeamFile) Settings {
	s, _ := c.withTeam(t)
	return s
}

// Sources lists every team-capable and personal setting's effective value
// and where it comes from, for status and doctor.
func (c *Config) Sources(t *TeamFile) []Source {
	_, src := c.withTeam(t)
	return src
}

func (c *Config) withTeam(t *TeamFile) (Settings, []Source) {
	s := DefaultSettings()
	from := map[string]string{}
	if t != nil {
		for i, a := range t.file.apply {
			a(&s)
			from[t.file.keys[i]] = t.Path
		}
	}
	team := s
	var notes = map[string]string{}
	for _, f := range []*File{c.User, c.Project} { // project last: it wins
		if f == nil {
			continue
		}
		for i, a := range f.apply {
			a(&s)
			key := f.keys[i]
			if t != nil && from[key] == t.Path {
				switch key {
				case "also_log", "notify":
					from[key] = t.Path + " + " + f.Path
					continue
				case "lease":
					if team.Lease && !s.Lease {
						notes[key] = "lease: false in " + f.Path + " does not turn off the team's leasing (--no-lease does, for one command)"
						continue
					}
				}
			}
			from[key] = f.Path
		}
	}
	if t != nil {
		for _, cmd := range team.AlsoLog {
			if !slices.Contains(s.AlsoLog, cmd) {
				s.AlsoLog = append(s.AlsoLog, cmd)
			}
		}
		if team.Lease {
			s.Lease = true
		}
		s.Notify = combineHooks(team.Notify, s)
		if !s.NotifyTeam && len(team.Notify) > 0 {
			notes["notify"] = "notify_team: false turns off the team file's hooks"
		}
	}
	keys := make([]string, 0, len(settingKeys))
	for k := range settingKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Source
	for _, k := range keys {
		src := Source{Key: k, Value: s.show(k), From: from[k], Note: notes[k]}
		if src.From == "" {
			src.From = "default"
		}
		out = append(out, src)
	}
	return s, out
}

// show is a setting's value as a person reads it.
func (s Settings) show(key string) string {
	switch key {
	case "remote":
		if s.Remote == "" {
			return "(the branch's upstream)"
		}
		return s.Remote
	case "cooldown":
		return showDuration(s.Cooldown)
	case "git_timeout":
		return showDuration(s.GitTimeout)
	case "read_pull_timeout":
		return showDuration(s.ReadPullTimeout)
	case "lock_timeout":
		return showDuration(s.LockTimeout)
	case "push_retries":
		if s.PushRetries < 0 {
			return "(no count)"
		}
		return fmt.Sprint(s.PushRetries)
	case "push_retry_for":
		return showDuration(s.PushRetryFor)
	case "also_log":
		if len(s.AlsoLog) == 0 {
			return "[]"
		}
		return "[" + strings.Join(s.AlsoLog, ", ") + "]"
	case "abra_bin":
		if s.AbraBin == "" {
			return "(the next abra on PATH)"
		}
		return s.AbraBin
	case "lease":
		return fmt.Sprint(s.Lease)
	case "notify":
		return showHooks(s.Notify)
	case "notify_team":
		return fmt.Sprint(s.NotifyTeam)
	case "log_unchanged_failures":
		return fmt.Sprint(s.LogUnchangedFailures)
	case "lease_ttl":
		return showDuration(s.LeaseTTL)
	case "lease_wait":
		return showDuration(s.LeaseWait)
	}
	return ""
}

// ForRepo is the effective settings for the repository whose work tree is
// workTree: its team file (read once per Config) under the operator's own.
func (c *Config) ForRepo(workTree string) (Settings, error) {
	t, err := c.TeamFile(workTree)
	if err != nil {
		return Settings{}, err
	}
	return c.WithTeam(t), nil
}

// Forget makes the next ForRepo or TeamFile read the repository's team
// file again (a pull may have changed it).
func (c *Config) Forget(workTree string) { delete(c.teams, workTree) }

// TeamFile is the team file of the repository whose work tree is
// workTree, nil when it has none; read once per Config.
func (c *Config) TeamFile(workTree string) (*TeamFile, error) {
	if t, ok := c.teams[workTree]; ok {
		return t, nil
	}
	t, err := ReadTeamFile(workTree)
	if err != nil {
		return nil, err
	}
	if c.teams == nil {
		c.teams = map[string]*TeamFile{}
	}
	c.teams[workTree] = t
	return t, nil
}

package git

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Config is the part of a repository's configuration opsync reads: the
// remotes and what each branch tracks. Keys are "section.subsection.name"
// with section and name lower-cased, as git compares them.
type Config struct {
	values map[string][]string
	// Includes is set when the file includes other files; the values read
	// may then be incomplete, and LoadConfig asks git instead.
	Includes bool
}

// Get returns the last value of key, as git does for single-valued keys.
func (c *Config) Get(key string) string {
	v := c.values[key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// Remotes lists the configured remotes that have a URL, sorted.
func (c *Config) Remotes() []string {
	var out []string
	for k := range c.values {
		if rest, ok := strings.CutPrefix(k, "remote."); ok && strings.HasSuffix(rest, ".url") {
			out = append(out, strings.TrimSuffix(rest, ".url"))
		}
	}
	sort.Strings(out)
	return out
}

// Upstream returns the remote and the remote branch ref ("refs/heads/main")
// that branch tracks, or "" when it tracks nothing.
func (c *Config) Upstream(branch string) (remote, merge string) {
	return c.Get("branch." + branch + ".remote"), c.Get("branch." + branch + ".merge")
}

// LoadConfig reads the repository's own config file. That file is where git
// writes remotes and upstreams, so reading it directly is enough and costs
// no process; when it uses include directives, git itself is asked.
func (r *Repo) LoadConfig(ctx context.Context, c *Client) (*Config, error) {
	cfg, err := ParseConfigFile(filepath.Join(r.CommonDir, "config"))
	if err != nil {
		return nil, err
	}
	if !cfg.Includes || c == nil {
		return cfg, nil
	}
	out, err := c.run(ctx, "config", "--null", "--get-regexp", `^(remote\..*\.url|branch\..*\.(remote|merge))$`)
	if err != nil && ExitCode(err) != 1 { // 1: no key matched
		return nil, err
	}
	cfg = &Config{values: map[string][]string{}}
	for _, rec := range strings.Split(out, "\x00") {
		k, v, ok := strings.Cut(rec, "\n")
		if ok {
			cfg.values[normalizeKey(k)] = append(cfg.values[normalizeKey(k)], v)
		}
	}
	return cfg, nil
}

// normalizeKey lower-cases the section and the name of "a.b.c" but keeps
// the subsection's case.
func normalizeKey(k string) string {
	first := strings.Index(k, ".")
	last := strings.LastIndex(k, ".")
	if first < 0 {
		return strings.ToLower(k)
	}
	if first == last {
		return strings.ToLower(k)
	}
	return strings.ToLower(k[:first]) + k[first:last] + strings.ToLower(k[last:])
}

// ParseConfigFile parses a git config file. A missing file is an empty config.
func ParseConfigFile(path string) (*Config, error) {
	cfg := &Config{values: map[string][]string{}}
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return cfg, nil
		}
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	section := ""
	pending := ""
	for sc.Scan() {
		line := sc.Text()
		if pending != "" {
			line = pending + line
			pending = ""
		}
		trimmed := strings.TrimSpace(line)
		if strings.HasSuffix(trimmed, `\`) && !strings.HasSuffix(trimmed, `\\`) {
			pending = strings.TrimSuffix(trimmed, `\`)
			continue
		}
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
			continue
		}
		if trimmed[0] == '[' {
			end := strings.LastIndex(trimmed, "]")
			if end < 0 {
				continue
			}
			section = parseSectionHeader(trimmed[1:end])
			if strings.HasPrefix(section, "include") {
				cfg.Includes = true
			}
			// Rest of the line after "]" may hold a key = value.
			trimmed = strings.TrimSpace(trimmed[end+1:])
			if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
				continue
			}
		}
		name, value, hasValue := strings.Cut(trimmed, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !hasValue {
			value = "true"
		} else {
			value = unquoteConfigValue(value)
		}
		key := section + "." + name
		cfg.values[key] = append(cfg.values[key], value)
	}
	return cfg, sc.Err()
}

// parseSectionHeader turns `remote "origin"` into "remote.origin" and
// `Core` into "core".
func parseSectionHeader(h string) string {
	h = strings.TrimSpace(h)
	name, sub, ok := strings.Cut(h, " ")
	if !ok {
		// [section.subsection] (old syntax): subsection lower-cased by git.
		return strings.ToLower(h)
	}
	sub = strings.TrimSpace(sub)
	sub = strings.TrimPrefix(sub, `"`)
	sub = strings.TrimSuffix(sub, `"`)
	sub = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(sub)
	return strings.ToLower(name) + "." + sub
}

// unquoteConfigValue handles quotes, escapes and trailing comments.
func unquoteConfigValue(v string) string {
	var b strings.Builder
	inQuote := false
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch {
		case ch == '"':
			inQuote = !inQuote
		case ch == '\\' && i+1 < len(v):
			i++
			switch v[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			default:
				b.WriteByte(v[i])
			}
		case (ch == '#' || ch == ';') && !inQuote:
			return strings.TrimSpace(b.String())
		case ch == '\t' && !inQuote:
			b.WriteByte(' ') // git reads unquoted whitespace as spaces
		default:
			b.WriteByte(ch)
		}
	}
	return strings.TrimRight(b.String(), " \t")
}

package config

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"coopcloud.tech/opsync/internal/abra"
	"coopcloud.tech/opsync/internal/ui"
)

// DefaultHookTimeout is a notify hook's time limit unless it sets
// timeout:. opsync waits for its hooks before it exits (or they would be
// killed with it), so the limit is what a hook can cost the operator.
const DefaultHookTimeout = 5 * time.Second

// hookTimeoutRange bounds a hook's timeout: 1s..2m. Below a second an
// HTTPS request cannot be made; opsync waits for its hooks, so more than
// two minutes holds the operator's terminal for a notification.
var hookTimeoutRange = durationRange{time.Second, 2 * time.Minute, "opsync waits for its hooks before it exits"}

// Hook is one notify: entry: what runs after a log entry is pushed.
// Exactly one of Command and Webhook is set.
type Hook struct {
	// Command is run with `sh -c`, fed the entry's JSON on stdin.
	Command string
	// Webhook is an https URL (http only to this machine: 127.0.0.1, ::1,
	// localhost) that the entry's JSON is POSTed to.
	Webhook string
	// Timeout bounds the hook; at the limit a command is killed with its
	// process group and a request is abandoned.
	Timeout time.Duration
	When    HookWhen
	// Team: the hook comes from the team file (.opsync.yml).
	Team bool
	// Path and Line are where it is set, which names the hook in
	// messages.
	Path string
	Line int
}

// HookWhen selects the entries a hook runs for; the zero value selects
// every pushed entry. Each list that is set must match.
type HookWhen struct {
	// Commands are canonical command paths ("app deploy"); a group ("app
	// secret") selects its subcommands.
	Commands []string
	// Apps are app domains or shell patterns of them ("*.example.org"),
	// compared without regard to case.
	Apps []string
	// Failed: only entries whose command failed.
	Failed bool
}

// Matches reports whether the hook runs for an entry of command (a
// canonical path), app and exit status.
func (w HookWhen) Matches(command, app string, failed bool) bool {
	if w.Failed && !failed {
		return false
	}
	if len(w.Commands) > 0 {
		ok := false
		for _, c := range w.Commands {
			if command == c || strings.HasPrefix(command, c+" ") {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if len(w.Apps) > 0 {
		ok := false
		for _, p := range w.Apps {
			if m, _ := path.Match(strings.ToLower(p), strings.ToLower(app)); m {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Name is how messages name the hook: its kind, the webhook's address
// without credentials, path or query (a chat service's webhook carries
// its token in the path), and where it is set, the file under home
// written ~/… ("" = as it is). A command's text is not shown: it may
// hold a token too.
func (h Hook) Name(home string) string {
	where := fmt.Sprintf("%s line %d", ui.HomePath(h.Path, home), h.Line)
	if h.Webhook != "" {
		return "webhook " + ShowWebhook(h.Webhook) + " (" + where + ")"
	}
	return "command hook (" + where + ")"
}

// ShowWebhook is a webhook URL as opsync prints it: scheme and host, with
// any credentials redacted, and "/…" for a path or query it leaves out.
func ShowWebhook(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "<a URL opsync cannot read>"
	}
	s := u.Scheme + "://"
	if u.User != nil {
		s += ui.Redacted + "@"
	}
	s += u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		s += "/…"
	}
	return ui.Escape(s)
}

func (f *File) parseNotify(v *yaml.Node, team bool) (func(*Settings), error) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return func(st *Settings) { st.Notify = nil }, nil
	}
	if v.Kind != yaml.SequenceNode {
		return nil, &Error{Path: f.Path, Line: v.Line, Msg: "notify must be a list of hooks, each \"- webhook: https://…\" or \"- command: …\""}
	}
	hooks := []Hook{}
	for _, item := range v.Content {
		h, err := f.parseHook(item, team)
		if err != nil {
			return nil, err
		}
		hooks = append(hooks, h)
	}
	return func(st *Settings) { st.Notify = hooks }, nil
}

func (f *File) parseHook(n *yaml.Node, team bool) (Hook, error) {
	h := Hook{Timeout: DefaultHookTimeout, Team: team, Path: f.Path, Line: n.Line}
	errAt := func(line int, format string, args ...any) error {
		return &Error{Path: f.Path, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if n.Kind != yaml.MappingNode {
		return h, errAt(n.Line, "a notify hook must be a mapping: \"webhook: https://…\" or \"command: …\", with timeout: and when: if wanted")
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if err := once(f.Path, seen, k); err != nil {
			return h, err
		}
		switch k.Value {
		case "command":
			if team {
				return h, errAt(k.Line, "the team file cannot hold a command hook: it would run on every operator's machine whatever "+
					"anyone with push access wrote there. Use a webhook here, or put the command under operator_sync: notify: in your own abra.yml")
			}
			if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
				return h, errAt(v.Line, "command must be a shell command (run with sh -c)")
			}
			h.Command = v.Value
		case "webhook":
			if v.Kind != yaml.ScalarNode {
				return h, errAt(v.Line, "webhook must be an https URL")
			}
			if err := checkWebhook(v.Value, team); err != "" {
				return h, errAt(v.Line, "%s", err)
			}
			h.Webhook = v.Value
		case "timeout":
			d, err := durationValue(f.Path, "timeout", v)
			if err != nil {
				return h, err
			}
			if r := hookTimeoutRange; d < r.min || d > r.max {
				return h, errAt(v.Line, "a hook's timeout must be from %s to %s, not %q (%s)", showDuration(r.min), showDuration(r.max), v.Value, r.why)
			}
			h.Timeout = d
		case "when":
			w, err := f.parseWhen(v)
			if err != nil {
				return h, err
			}
			h.When = w
		default:
			msg := fmt.Sprintf("unknown key %q in a notify hook", k.Value)
			if s := closest(k.Value, []string{"command", "webhook", "timeout", "when"}); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return h, errAt(k.Line, "%s; a hook has command or webhook, and timeout and when", msg)
		}
	}
	switch {
	case h.Command == "" && h.Webhook == "":
		return h, errAt(n.Line, "a notify hook needs webhook: (an https URL) or command: (a shell command)")
	case h.Command != "" && h.Webhook != "":
		return h, errAt(n.Line, "a notify hook is either a webhook or a command, not both: make them two hooks")
	}
	return h, nil
}

// checkWebhook returns why raw cannot be a webhook, "" when it can. Plain
// http is only for this machine (a local relay, tests): elsewhere the
// entry, and any credentials in the URL, would cross the network in clear.
// The team file (team) may not use it at all: from the shared repository,
// it would let anyone with push access make every operator's opsync post
// to services on the operator's own machine.
func checkWebhook(raw string, team bool) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Sprintf("webhook %s is not a URL like https://hooks.example.org/opsync", ShowWebhook(raw))
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return ""
	case "http":
		if team {
			return fmt.Sprintf("webhook %s uses plain http: the team file's webhooks must be https "+
				"(plain http to this machine is for an operator's own relay, in their abra.yml)", ShowWebhook(raw))
		}
		switch h := u.Hostname(); {
		case strings.EqualFold(h, "localhost"):
			return ""
		case net.ParseIP(h) != nil && net.ParseIP(h).IsLoopback():
			return ""
		}
		return fmt.Sprintf("webhook %s uses plain http: use https (plain http is accepted only for this machine: localhost, 127.0.0.1, ::1)", ShowWebhook(raw))
	}
	return fmt.Sprintf("webhook %s is not an https URL", ShowWebhook(raw))
}

func (f *File) parseWhen(n *yaml.Node) (HookWhen, error) {
	var w HookWhen
	if n.Kind != yaml.MappingNode {
		return w, &Error{Path: f.Path, Line: n.Line, Msg: "when must be a mapping with commands:, apps: and failed: (each optional)"}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if err := once(f.Path, seen, k); err != nil {
			return w, err
		}
		switch k.Value {
		case "commands", "apps":
			items, lines, err := f.stringList(k.Value, v)
			if err != nil {
				return w, err
			}
			for j, s := range items {
				if k.Value == "apps" {
					if _, err := path.Match(s, ""); err != nil || strings.TrimSpace(s) == "" {
						return w, &Error{Path: f.Path, Line: lines[j], Msg: fmt.Sprintf("when: apps: %q is not an app domain or a pattern like *.example.org", s)}
					}
					w.Apps = append(w.Apps, s)
					continue
				}
				p, ok := abra.ResolveCommand(s)
				if !ok {
					return w, &Error{Path: f.Path, Line: lines[j], Msg: fmt.Sprintf("when: commands: %q is not an abra command (try deploy, app upgrade, secret insert)", s)}
				}
				w.Commands = append(w.Commands, p)
			}
		case "failed":
			b, err := boolValue(f.Path, "failed", v)
			if err != nil {
				return w, err
			}
			w.Failed = b
		default:
			msg := fmt.Sprintf("unknown key %q under when", k.Value)
			if s := closest(k.Value, []string{"commands", "apps", "failed"}); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return w, &Error{Path: f.Path, Line: k.Line, Msg: msg + "; when has commands, apps and failed"}
		}
	}
	return w, nil
}

// stringList reads a list of strings, or one string, with each one's line.
func (f *File) stringList(key string, v *yaml.Node) ([]string, []int, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		return []string{v.Value}, []int{v.Line}, nil
	case yaml.SequenceNode:
		var out []string
		var lines []int
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return nil, nil, &Error{Path: f.Path, Line: item.Line, Msg: "when: " + key + " must be a list of names"}
			}
			out = append(out, item.Value)
			lines = append(lines, item.Line)
		}
		return out, lines, nil
	}
	return nil, nil, &Error{Path: f.Path, Line: v.Line, Msg: "when: " + key + " must be a list of names"}
}

// showHooks is the notify setting as status and doctor print it.
func showHooks(hooks []Hook) string {
	if len(hooks) == 0 {
		return "[]"
	}
	var names []string
	for _, h := range hooks {
		names = append(names, h.Name(""))
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// combineHooks is the notify list in effect: the team's hooks (unless the
// operator's notify_team: false turns them off), then the operator's own.
func combineHooks(team []Hook, s Settings) []Hook {
	var out []Hook
	if s.NotifyTeam {
		out = append(out, team...)
	}
	for _, h := range s.Notify {
		if !h.Team {
			out = append(out, h)
		}
	}
	return out
}

package engine_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"coopcloud.tech/opsync/internal/engine"
)

// TestLogJSONDocumented holds docs/json.md to what `opsync log --json`
// prints: every key, in the order printed, and nothing else.
func TestLogJSONDocumented(t *testing.T) {
	printed, _ := printedKeys(t, engine.LogEntry{})
	documented, _ := documentedKeys(t, "## opsync log --json")
	if !slices.Equal(printed, documented) {
		t.Errorf("opsync log --json prints the keys\n  %q\ndocs/json.md lists\n  %q", printed, documented)
	}
}

// printedKeys are the keys of v's JSON object, in the order printed, and
// the JSON itself.
func printedKeys(t *testing.T, v any) ([]string, []byte) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token() // {
	var printed []string
	for dec.More() {
		k, _ := dec.Token()
		printed = append(printed, k.(string))
		var v json.RawMessage
		dec.Decode(&v)
	}
	return printed, b
}

// documentedKeys are the keys docs/json.md's table under heading lists,
// in order (the first column's `key`s), and the section's text.
func documentedKeys(t *testing.T, heading string) ([]string, string) {
	t.Helper()
	doc, err := os.ReadFile("../../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), heading)
	if !ok {
		t.Fatalf("docs/json.md has no %q", heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var documented []string
	key := regexp.MustCompile("`([a-z_]+)`")
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		for _, m := range key.FindAllStringSubmatch(strings.Split(line, "|")[1], -1) {
			documented = append(documented, m[1])
		}
	}
	return documented, section
}

// TestShowJSONDocumented holds docs/json.md to `opsync show --json`: the
// log's keys, then changes, whose objects' keys the table names.
func TestShowJSONDocumented(t *testing.T) {
	b, err := json.Marshal(engine.ShownEntry{Changes: []engine.FileDiff{engine.EnvDiff(nil, []byte("A=1\n"))}})
	if err != nil {
		t.Fatal(err)
	}
	var shown map[string]json.RawMessage
	if err := json.Unmarshal(b, &shown); err != nil {
		t.Fatal(err)
	}
	log, _ := json.Marshal(engine.LogEntry{})
	var logKeys map[string]json.RawMessage
	json.Unmarshal(log, &logKeys)
	if len(shown) != len(logKeys)+1 || shown["changes"] == nil || !bytes.HasSuffix(b, append([]byte(`,"changes":`), append(shown["changes"], '}')...)) {
		t.Errorf("opsync show --json is not the log's keys then changes: %s", b)
	}
	var changes []map[string]json.RawMessage
	if err := json.Unmarshal(shown["changes"], &changes); err != nil || len(changes) != 1 {
		t.Fatalf("changes: %s (%v)", shown["changes"], err)
	}
	doc, err := os.ReadFile("../../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(doc), "## opsync show --json")
	section, _, _ = strings.Cut(section, "\n## ")
	for k := range changes[0] {
		if !strings.Contains(section, `"`+k+`"`) {
			t.Errorf("docs/json.md does not name the changes key %q", k)
		}
	}
	for _, k := range []string{"key", "old", "new"} {
		if !strings.Contains(section, `"`+k+`"`) {
			t.Errorf("docs/json.md does not name %q", k)
		}
	}
}

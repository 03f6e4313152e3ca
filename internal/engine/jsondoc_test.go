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
	b, err := json.Marshal(engine.LogEntry{})
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
	doc, err := os.ReadFile("../../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(doc), "## opsync log --json")
	section, _, _ = strings.Cut(section, "\n## ")
	var documented []string
	key := regexp.MustCompile("`([a-z_]+)`")
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.Split(line, "|")[1]
		for _, m := range key.FindAllStringSubmatch(first, -1) {
			documented = append(documented, m[1])
		}
	}
	if !slices.Equal(printed, documented) {
		t.Errorf("opsync log --json prints the keys\n  %q\ndocs/json.md lists\n  %q", printed, documented)
	}
}

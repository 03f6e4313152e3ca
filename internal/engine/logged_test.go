package engine_test

import (
	"encoding/json"
	"testing"
	"time"

	"coopcloud.tech/opsync/internal/engine"
	"coopcloud.tech/opsync/oplog"
)

// The entries After reports are what notifications will send: every key,
// the entry's and where it went, in one JSON object.
func TestLoggedJSONKeepsEveryKey(t *testing.T) {
	l := engine.Logged{
		Entry:  oplog.Entry{Line: "abra app deploy foo", Command: "app deploy", App: "foo", Server: "s1", Duration: 1500 * time.Millisecond},
		Repo:   "/home/a/.abra/servers",
		Commit: "0123456789abcdef0123456789abcdef01234567",
		Pushed: true,
		Remote: "origin/main",
	}
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	want := map[string]any{"line": "abra app deploy foo", "command": "app deploy", "app": "foo", "server": "s1",
		"duration_seconds": 1.5, "repo": "/home/a/.abra/servers", "commit": l.Commit, "pushed": true, "remote": "origin/main"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v (in %s)", k, m[k], v, b)
		}
	}
}

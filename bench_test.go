package opsync_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"coopcloud.tech/opsync"
)

// BenchmarkPlanCommand is the embedded path's cost: abra calling the engine
// in its own process pays no program start, only the planning of one
// command — with sync off (abra.yml without sync: true) and on (a clone
// holding the app's env file, the cooldown not yet passed, so the plan is
// to pull). Results: docs/benchmarks.md.
func BenchmarkPlanCommand(b *testing.B) {
	for _, tc := range []struct {
		name string
		sync bool
	}{{"sync-off", false}, {"sync-on", true}} {
		b.Run(tc.name, func(b *testing.B) {
			dir := b.TempDir()
			abraDir := filepath.Join(dir, ".abra")
			servers := filepath.Join(abraDir, "servers")
			if err := os.MkdirAll(filepath.Join(servers, "s1"), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(servers, "s1", "wiki.example.org.env"), []byte("TYPE=custom-html:1.0.0+1.0\n"), 0o644); err != nil {
				b.Fatal(err)
			}
			cfg := "sync: false\n"
			if tc.sync {
				cfg = "sync: true\n"
				if out, err := exec.Command("git", "-C", servers, "init", "-q").CombinedOutput(); err != nil {
					b.Fatalf("git init: %v\n%s", err, out)
				}
			}
			if err := os.WriteFile(filepath.Join(abraDir, "abra.yml"), []byte(cfg), 0o644); err != nil {
				b.Fatal(err)
			}
			env := map[string]string{"HOME": dir}
			eng := opsync.New(opsync.Options{Dir: dir, Getenv: func(k string) string { return env[k] }})
			defer eng.Close()
			cmd := opsync.Command{Path: []string{"app", "deploy"}, Args: []string{"wiki.example.org"},
				ArgsLenAtDash: -1, Flags: map[string]string{"force": "true"}, AbraDir: abraDir}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				p, err := eng.PlanCommand(cmd)
				if err != nil {
					b.Fatal(err)
				}
				if p.Active() != tc.sync {
					b.Fatalf("active %v, want %v (%s)", p.Active(), tc.sync, p.Reason())
				}
			}
		})
	}
}

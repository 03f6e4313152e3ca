package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLeaseSettings(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "HOME" {
			return dir
		}
		return ""
	}
	write := func(s string) {
		if err := os.WriteFile(filepath.Join(dir, "abra.yml"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("sync: true\n")
	cfg, err := Load(dir, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Settings; s.Lease || s.LeaseTTL != 30*time.Minute || s.LeaseWait != 0 {
		t.Fatalf("defaults: %+v", s)
	}
	write("sync: true\noperator_sync:\n  lease: true\n  lease_ttl: 10m\n  lease_wait: 90\n")
	cfg, err = Load(dir, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Settings; !s.Lease || s.LeaseTTL != 10*time.Minute || s.LeaseWait != 90*time.Second {
		t.Fatalf("set: %+v", s)
	}
	for yml, want := range map[string]string{
		"operator_sync:\n  lease: maybe\n":   "line 2: lease must be true or false",
		"operator_sync:\n  lease_ttl: 0\n":   "lease_ttl must be more than 0",
		"operator_sync:\n  lease_wait: -1\n": "lease_wait must be a duration",
		"operator_sync:\n  leases: true\n":   `did you mean "lease"?`,
	} {
		write(yml)
		if _, err := Load(dir, getenv); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", yml, err, want)
		}
	}
}

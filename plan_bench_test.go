package opsync_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"coopcloud.tech/opsync"
)

// The embedded path: what deciding and preparing an abra command costs
// inside a process that is already running (abra calling the engine), with
// no program start in front. docs/benchmarks.md reports these.
//
//	go test -run '^$' -bench 'BenchmarkPlan' -benchmem .

// benchWorld is an ABRA_DIR at a temporary directory whose servers/ holds
// the app foo.example.org on server s1: a plain directory when remote is
// false, else a clone of a bare remote, with abra.yml as given.
func benchWorld(b *testing.B, remote bool, abraYML string) (engine func() *opsync.Engine, gits *int) {
	b.Helper()
	root, err := filepath.EvalSymlinks(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	home, abraDir, cwd := filepath.Join(root, "home"), filepath.Join(root, "abra"), filepath.Join(root, "cwd")
	for _, d := range []string{home, cwd, abraDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	write := func(path, content string) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	write(filepath.Join(home, ".gitconfig"), "[init]\n\tdefaultBranch = main\n[user]\n\tname = Bench\n\temail = bench@example.org\n")
	b.Setenv("HOME", home)
	b.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	git := func(dir string, args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	servers := filepath.Join(abraDir, "servers")
	env := "TYPE=custom-html:1.0.0\nDOMAIN=foo.example.org\n"
	if remote {
		bare, seed := filepath.Join(root, "remote.git"), filepath.Join(root, "seed")
		git(root, "init", "-q", "--bare", "-b", "main", bare)
		git(root, "clone", "-q", bare, seed)
		write(filepath.Join(seed, "s1", "foo.example.org.env"), env)
		git(seed, "add", "-A")
		git(seed, "commit", "-q", "-m", "seed")
		git(seed, "push", "-q", "origin", "HEAD:main")
		git(root, "clone", "-q", bare, servers)
	} else {
		write(filepath.Join(servers, "s1", "foo.example.org.env"), env)
	}
	if abraYML != "" {
		write(filepath.Join(abraDir, "abra.yml"), abraYML)
	}
	vars := map[string]string{"HOME": home, "ABRA_DIR": abraDir}
	gits = new(int)
	return func() *opsync.Engine {
		return opsync.New(opsync.Options{Dir: cwd, Getenv: func(k string) string { return vars[k] },
			Version: "bench", Host: "bench", GitTrace: func([]string) { *gits++ }})
	}, gits
}

// planBefore plans an abra command line and runs Before, as the wrapper
// does before it execs abra.
func planBefore(b *testing.B, eng *opsync.Engine, args ...string) *opsync.Plan {
	p, err := eng.PlanArgs(args)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Before(context.Background()); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkPlanSyncOff: `abra app ls` with no abra.yml (not opted in).
func BenchmarkPlanSyncOff(b *testing.B) {
	engine, gits := benchWorld(b, false, "")
	eng := engine()
	b.ReportAllocs()
	for range b.N {
		if p := planBefore(b, eng, "app", "ls"); p.Active() {
			b.Fatal("sync is off, yet the plan is active")
		}
	}
	if *gits != 0 {
		b.Fatalf("%d git processes with sync off", *gits)
	}
}

// BenchmarkPlanCooldownHit: `abra app ls` with sync on, pulled within the
// cooldown: no git process.
func BenchmarkPlanCooldownHit(b *testing.B) {
	engine, gits := benchWorld(b, true, "sync: true\noperator_sync:\n  cooldown: 1h\n")
	eng := engine()
	planBefore(b, eng, "app", "ls") // the pull that starts the cooldown
	*gits = 0
	b.ReportAllocs()
	for range b.N {
		if p := planBefore(b, eng, "app", "ls"); !p.Active() || p.Pulls() {
			b.Fatalf("not a cooldown hit: active %v, pulls %v", p.Active(), p.Pulls())
		}
	}
	if *gits != 0 {
		b.Fatalf("%d git processes on cooldown hits", *gits)
	}
}

// BenchmarkPlanDeploy: the decision for `abra app deploy foo.example.org`
// with sync on (Plan only: Before would pull and check the identity with
// git, which the modifying-command figures of bench/run.sh time).
func BenchmarkPlanDeploy(b *testing.B) {
	engine, gits := benchWorld(b, true, "sync: true\n")
	eng := engine()
	b.ReportAllocs()
	for range b.N {
		p, err := eng.PlanArgs([]string{"app", "deploy", "foo.example.org"})
		if err != nil {
			b.Fatal(err)
		}
		if !p.Active() || !p.Modifies() {
			b.Fatalf("deploy with sync on: active %v, modifies %v", p.Active(), p.Modifies())
		}
	}
	if *gits != 0 {
		b.Fatalf("%d git processes while planning", *gits)
	}
}

package opsync_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"coopcloud.tech/opsync"
)

// An embedder (abra) runs one of its own commands with operator sync
// around it: plan the command it has parsed, pull before it, run it in its
// own process, then log and push. Here the command is an in-process
// stand-in for `abra app deploy` that writes the version line, and the
// remote is a plain bare repository.
func Example() {
	dir, _ := os.MkdirTemp("", "opsync-example")
	defer os.RemoveAll(dir)
	// A team's set-up, made the plain way: a bare remote, a clone of it as
	// $ABRA_DIR/servers, and sync: true in abra.yml.
	for k, v := range map[string]string{"HOME": dir, "GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME": "Alice", "GIT_AUTHOR_EMAIL": "alice@example.org",
		"GIT_COMMITTER_NAME": "Alice", "GIT_COMMITTER_EMAIL": "alice@example.org"} {
		os.Setenv(k, v)
	}
	abraDir := filepath.Join(dir, ".abra")
	servers := filepath.Join(abraDir, "servers")
	envFile := filepath.Join(servers, "s1", "wiki.example.org.env")
	os.MkdirAll(filepath.Dir(envFile), 0o755)
	os.WriteFile(envFile, []byte("TYPE=custom-html:1.0.0+1.0\nDOMAIN=wiki.example.org\n"), 0o644)
	os.WriteFile(filepath.Join(abraDir, "abra.yml"), []byte("sync: true\n"), 0o644)
	remote := filepath.Join(dir, "remote.git")
	for _, args := range [][]string{
		{"init", "-q", "--bare", remote},
		{"-C", servers, "init", "-q"},
		{"-C", servers, "add", "-A"},
		{"-C", servers, "commit", "-qm", "start the operator log"},
		{"-C", servers, "remote", "add", "origin", remote},
		{"-C", servers, "push", "-qu", "origin", "HEAD"},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			fmt.Printf("git %s: %v\n%s", strings.Join(args, " "), err, out)
			return
		}
	}

	ctx := context.Background()
	eng := opsync.New(opsync.Options{
		Version: "example",
		Dir:     dir,
		Reporter: opsync.ReporterFunc(func(ev opsync.Event) {
			fmt.Printf("reported %s\n", ev.Kind)
		}),
	})
	defer eng.Close()
	plan, err := eng.PlanCommand(opsync.Command{
		Path:          []string{"app", "deploy"},
		Args:          []string{"wiki.example.org", "1.2.0+1.1"},
		ArgsLenAtDash: -1,
		Flags:         map[string]string{"force": "true"},
		AbraDir:       abraDir,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("modifies:", plan.Modifies(), "pulls:", plan.Pulls(), "pushes:", plan.Pushes())
	if err := plan.Before(ctx); err != nil {
		fmt.Println(err) // do not run the command
		return
	}
	plan.Starting()
	start := time.Now()
	// The command itself, in the embedder's process.
	err = os.WriteFile(envFile, []byte("TYPE=custom-html:1.2.0+1.1\nDOMAIN=wiki.example.org\n"), 0o644)
	exit := 0
	if err != nil {
		exit = 1
	}
	out := plan.After(ctx, exit, time.Since(start))
	for _, e := range out.Entries {
		fmt.Printf("logged %q, pushed: %v\n", e.Line, e.Pushed)
	}
	fmt.Println("exit:", out.ExitCode(exit))
	log, _ := exec.Command("git", "-C", remote, "log", "-1", "--format=%s", "HEAD").Output()
	fmt.Printf("remote: %s", log)
	// Output:
	// modifies: true pulls: true pushes: true
	// reported logged
	// logged "abra app deploy wiki.example.org 1.2.0+1.1 --force", pushed: true
	// exit: 0
	// remote: abra app deploy wiki.example.org 1.2.0+1.1 --force
}

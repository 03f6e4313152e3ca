// Command benchtool is the helper bench/run.sh builds and calls: it makes
// the large fixtures, runs the test sshd, counts ssh logins and turns
// hyperfine's JSON into the rows of the results table. It is not part of
// opsync.
//
//	benchtool fixture -apps N -servers S -entries E DIR    a bare repository
//	benchtool sshd -dir D -home H -bin B ALIAS             until SIGTERM
//	benchtool logins SSHD_LOG                              accepted logins so far
//	benchtool row [flags] ROUND.json...                    one table row (-cpu: of CPU time)
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"coopcloud.tech/opsync/internal/testsupport/sshtest"
	"coopcloud.tech/opsync/oplog"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool fixture|sshd|logins|row ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "fixture":
		err = fixture(os.Args[2:])
	case "sshd":
		err = sshd(os.Args[2:])
	case "logins":
		err = logins(os.Args[2:])
	case "row":
		err = row(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

// fixture makes a bare repository DIR holding an operator log: one commit
// with APPS env files spread over SERVERS server directories, then ENTRIES
// log entries, each a modifying command on one app with the commit message
// opsync writes (oplog.Format), by four operators, one minute apart. It is
// built with one `git fast-import` process.
func fixture(args []string) error {
	fs := flag.NewFlagSet("fixture", flag.ExitOnError)
	apps := fs.Int("apps", 10, "env files")
	nservers := fs.Int("servers", 1, "server directories")
	entries := fs.Int("entries", 100, "log entries after the first commit")
	fs.Parse(args)
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: fixture [-apps N] [-servers S] [-entries E] DIR")
	}
	dir := fs.Arg(0)
	if out, err := exec.Command("git", "init", "-q", "--bare", "-b", "main", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("git init: %v\n%s", err, out)
	}
	cmd := exec.Command("git", "-C", dir, "fast-import", "--quiet")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	w := bufio.NewWriterSize(stdin, 1<<20)
	server := func(i int) string { return fmt.Sprintf("server%02d.example.org", i%*nservers+1) }
	app := func(i int) string { return fmt.Sprintf("app%04d.example.org", i+1) }
	path := func(i int) string { return server(i) + "/" + app(i) + ".env" }
	env := func(i int, version string) string {
		return fmt.Sprintf("TYPE=custom-html:%s\nDOMAIN=%s\nLETS_ENCRYPT_ENV=production\n", version, app(i))
	}
	data := func(s string) { fmt.Fprintf(w, "data %d\n%s\n", len(s), s) }
	operators := []string{"Alice <alice@example.org>", "Bob <bob@example.org>", "Carol <carol@example.org>", "Dan <dan@example.org>"}
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC).Unix()

	fmt.Fprintf(w, "commit refs/heads/main\nmark :1\ncommitter Seed <seed@example.org> %d +0000\n", start)
	data("servers: start the operator log\n")
	for i := 0; i < *apps; i++ {
		fmt.Fprintf(w, "M 100644 inline %s\n", path(i))
		data(env(i, "1.0.0+1.0"))
	}
	versions := []string{"1.1.0+1.0", "1.2.0+1.1", "1.3.0+1.1"}
	for n := 1; n <= *entries; n++ {
		i := (n * 7919) % *apps // spread over the apps
		op := operators[n%len(operators)]
		version := versions[n%len(versions)]
		line := fmt.Sprintf("abra app deploy %s %s --force", app(i), version)
		msg := oplog.Format(oplog.Entry{Line: line, Command: "app deploy", App: app(i), Server: server(i),
			Exit: 0, Duration: time.Duration(5+n%40) * time.Second, Operator: op + " on laptop", Version: "bench"})
		when := start + int64(n)*60
		fmt.Fprintf(w, "commit refs/heads/main\nmark :%d\nauthor %s %d +0000\ncommitter %s %d +0000\n", n+1, op, when, op, when)
		data(msg)
		fmt.Fprintf(w, "from :%d\nM 100644 inline %s\n", n, path(i))
		data(env(i, version))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	stdin.Close()
	return cmd.Wait()
}

// sshd runs the tests' sshd (internal/testsupport/sshtest) until SIGTERM or SIGINT,
// with the client configuration for ALIAS in HOME/.ssh/config and the ssh
// wrapper in BIN. It prints "ready" when the server accepts connections.
func sshd(args []string) error {
	fs := flag.NewFlagSet("sshd", flag.ExitOnError)
	dir := fs.String("dir", "", "server files")
	home := fs.String("home", "", "client home")
	bin := fs.String("bin", "", "directory for the ssh wrapper")
	fs.Parse(args)
	if fs.NArg() != 1 || *dir == "" || *home == "" || *bin == "" {
		return fmt.Errorf("usage: sshd -dir D -home H -bin B ALIAS")
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	s, err := sshtest.Start(*dir, sshtest.Options{})
	if err != nil {
		return err
	}
	defer s.Stop()
	if err := s.WriteClient(*home, *bin, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Println("ready", s.LogFile())
	<-sigs
	return nil
}

func logins(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: logins SSHD_LOG")
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	ports, _ := sshtest.Logins(string(b))
	fmt.Println(len(ports))
	return nil
}

// hyperfineResult is the part of hyperfine's --export-json output used here.
type hyperfineResult struct {
	Results []struct {
		Command string    `json:"command"`
		Times   []float64 `json:"times"`
		User    float64   `json:"user"`   // mean user CPU time of the runs, seconds
		System  float64   `json:"system"` // mean system CPU time
	} `json:"results"`
}

// cpuMean reads the mean CPU time (user + system, in seconds) of result
// number idx over the rounds in files, weighted by their number of runs,
// and the number of runs.
func cpuMean(files []string, idx int) (float64, int, error) {
	var sum float64
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return 0, 0, err
		}
		var h hyperfineResult
		if err := json.Unmarshal(b, &h); err != nil {
			return 0, 0, fmt.Errorf("%s: %v", f, err)
		}
		if idx >= len(h.Results) {
			return 0, 0, fmt.Errorf("%s has no result %d", f, idx)
		}
		r := h.Results[idx]
		sum += (r.User + r.System) * float64(len(r.Times))
		n += len(r.Times)
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("no runs in %v", files)
	}
	return sum / float64(n), n, nil
}

// times reads the run times (in seconds) of result number idx from each
// file: the rounds of one measurement.
func times(files []string, idx int) ([]float64, error) {
	var all []float64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var h hyperfineResult
		if err := json.Unmarshal(b, &h); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		if idx >= len(h.Results) {
			return nil, fmt.Errorf("%s has no result %d", f, idx)
		}
		all = append(all, h.Results[idx].Times...)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("no run times in %v", files)
	}
	sort.Float64s(all)
	return all, nil
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
}

// row prints one Markdown table row: the figure, opsync's median (and
// interquartile range), the baseline's, the difference of the medians,
// their ratio, the target, whether it is met, and the git processes
// counted. Each file is one round of hyperfine holding every command of the
// row; -a and -b say which result is opsync's and which the baseline's.
func row(args []string) error {
	fs := flag.NewFlagSet("row", flag.ExitOnError)
	name := fs.String("name", "", "figure")
	target := fs.Float64("target", 0, "highest acceptable ratio (0: no target)")
	gitA := fs.String("git", "", "git processes of the opsync side")
	gitB := fs.String("git-baseline", "", "git processes of the baseline")
	ia := fs.Int("a", 0, "index of opsync's result in the files")
	ib := fs.Int("b", 1, "index of the baseline's result")
	cpu := fs.Bool("cpu", false, "compare mean CPU time (user + system) instead of median wall time")
	fs.Parse(args)
	if *cpu {
		return cpuRow(*name, *target, fs.Args(), *ia, *ib)
	}
	a, err := times(fs.Args(), *ia)
	if err != nil {
		return err
	}
	b, err := times(fs.Args(), *ib)
	if err != nil {
		return err
	}
	ma, mb := quantile(a, 0.5), quantile(b, 0.5)
	ratio := ma / mb
	met, tgt := "", "—"
	if *target > 0 {
		tgt = fmt.Sprintf("≤ %.2f×", *target)
		met = "met"
		if ratio > *target {
			met = "**missed**"
		}
	}
	gitCol := "—"
	if *gitA != "" || *gitB != "" {
		gitCol = fmt.Sprintf("%s vs %s", orDash(*gitA), orDash(*gitB))
	}
	fmt.Printf("| %s | %s | %s | %+.1f ms | **%.3f×** | %s | %s | %s |\n", *name, ms(a), ms(b), (ma-mb)*1000, ratio, tgt, met, gitCol)
	return nil
}

// cpuRow is row with -cpu: the same columns, holding each side's mean CPU
// time (user + system, the process and what it execs) over its runs. On a
// machine others load it moves less than wall time, which also counts the
// time a process waits for a CPU.
func cpuRow(name string, target float64, files []string, ia, ib int) error {
	a, na, err := cpuMean(files, ia)
	if err != nil {
		return err
	}
	b, nb, err := cpuMean(files, ib)
	if err != nil {
		return err
	}
	ratio := a / b
	met, tgt := "", "—"
	if target > 0 {
		tgt = fmt.Sprintf("≤ %.2f×", target)
		met = "met"
		if ratio > target {
			met = "**missed**"
		}
	}
	fmt.Printf("| %s | %s CPU (mean, n=%d) | %s CPU (mean, n=%d) | %+.1f ms | **%.3f×** | %s | %s | — |\n", name, msv(a), na, msv(b), nb, (a-b)*1000, ratio, tgt, met)
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// ms formats a median with its interquartile range and the number of runs.
func ms(sorted []float64) string {
	return fmt.Sprintf("%s (IQR %s–%s, n=%d)", msv(quantile(sorted, 0.5)), msv(quantile(sorted, 0.25)),
		msv(quantile(sorted, 0.75)), len(sorted))
}

func msv(s float64) string {
	v := s * 1000
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.2f s", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.2f ms", v)
}

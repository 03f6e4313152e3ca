package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	"coopcloud.tech/opsync/internal/ui"
)

// defaultPager is what opsync log and opsync show page through on a
// terminal when neither $OPSYNC_PAGER nor $PAGER says: less that quits when
// the text fits the screen (-F), passes colour through (-R) and leaves the
// text on the screen (-X), as git and gh do.
const defaultPager = "less -FRX"

// pagerCommand is the shell command to page through, "" for none: never
// when stdout is not a terminal or --no-pager was given; $OPSYNC_PAGER,
// then $PAGER (an empty one counts as unset), then less -FRX; "cat" means
// none, as it does to git.
func pagerCommand(getenv func(string) string, terminal, noPager bool) string {
	if !terminal || noPager {
		return ""
	}
	cmd := getenv("OPSYNC_PAGER")
	if cmd == "" {
		cmd = getenv("PAGER")
	}
	if cmd == "" {
		if _, err := exec.LookPath("less"); err != nil {
			return "" // no less here: print as is, rather than lose the text
		}
		cmd = defaultPager
	}
	if c := strings.TrimSpace(cmd); c == "" || c == "cat" {
		return ""
	}
	return cmd
}

// errPagerQuit is what writes return once the operator quit the pager:
// the command stops quietly (finishPaging swallows it).
var errPagerQuit = errors.New("the pager has quit")

// pager is a running pager: what opsync prints goes to its stdin.
type pager struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	once sync.Once
	err  error
}

// startPager runs the pager command through sh, as git does, with its
// output on out (the terminal). LESS and LV are set as git sets them when
// the operator has not.
func startPager(command string, out, errOut *os.File) (*pager, error) {
	cmd := exec.Command("sh", "-c", command)
	cmd.Stdout, cmd.Stderr = out, errOut
	cmd.Env = os.Environ()
	if _, ok := os.LookupEnv("LESS"); !ok {
		cmd.Env = append(cmd.Env, "LESS=FRX")
	}
	if _, ok := os.LookupEnv("LV"); !ok {
		cmd.Env = append(cmd.Env, "LV=-c")
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &pager{cmd: cmd, in: in}, nil
}

// Write hands text to the pager; once it has quit, every write fails with
// errPagerQuit.
func (p *pager) Write(b []byte) (int, error) {
	n, err := p.in.Write(b)
	if err != nil {
		return n, errPagerQuit
	}
	return n, nil
}

// wait closes the pager's input and waits until the operator quits it.
func (p *pager) wait() error {
	p.once.Do(func() {
		p.in.Close()
		p.err = p.cmd.Wait()
	})
	return p.err
}

// paged runs print with its output paged when pagerCommand says so
// (e.stdout a terminal), and on e.stdout otherwise. A pager the operator
// quit early is no error; one that cannot start leaves the text unpaged.
func (e *env) paged(noPager bool, print func(w io.Writer) error) error {
	f, isFile := e.stdout.(*os.File)
	command := pagerCommand(e.getenv, isFile && ui.IsTerminal(f), noPager)
	if command == "" {
		return print(e.stdout)
	}
	errOut, _ := e.stderr.(*os.File)
	if errOut == nil {
		errOut = os.Stderr
	}
	p, err := startPager(command, f, errOut)
	if err != nil {
		ui.Say(e.stderr, fmt.Sprintf("warning: cannot start the pager %q: %v", command, err))
		return print(e.stdout)
	}
	err = print(p)
	p.wait()
	if errors.Is(err, errPagerQuit) {
		return nil
	}
	return err
}

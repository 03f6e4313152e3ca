package git

import (
	"context"
	"io"
)

// The raw runner, exported to this package's own tests (package git_test)
// only: product code outside the package has no way to run a git command
// line of its own.

func (c *Client) Run(ctx context.Context, args ...string) (string, error) { return c.run(ctx, args...) }

// Cmd is cmd, for RunCmd.
type Cmd struct {
	Args   []string
	Stdin  io.Reader
	Env    []string
	Stdout io.Writer
}

func (c *Client) RunCmd(ctx context.Context, gc Cmd) (string, error) {
	return c.runCmd(ctx, cmd{args: gc.Args, stdin: gc.Stdin, env: gc.Env, stdout: gc.Stdout})
}

// FetchArgs is fetchArgs, for TestPullArgs.
func FetchArgs(remote, ref string, extra ...string) []string {
	return fetchArgs(remote, ref, nil, extra...)
}

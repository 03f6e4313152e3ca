// Command opsync is operator sync for Co-op Cloud's abra. See README.md.
package main

import (
	"os"

	"coopcloud.tech/opsync/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args)) }

// Command buylink operates a buylink deployment or a local devstack: see
// package cli and README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/buylink/buylink/services/buylink/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Command stacks is buylink's Pulumi program (Pulumi.yaml at the repository
// root: `main: stacks/`). Run by Pulumi it deploys a stack; run by hand it
// works offline, under mocks, without the Pulumi CLI or AWS credentials:
//
//	go run . plan -stack prod -out plan.json      # sorted JSON of every resource
//	go run . diagram -stack prod -out graph.dot   # the resource graph for Graphviz
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	if len(os.Args) > 1 {
		if err := offline(os.Args[1], os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "stacks:", err)
			os.Exit(1)
		}
		return
	}
	pulumi.Run(program)
}

// offline runs a plan or diagram command.
func offline(cmd string, args []string) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	stack := fs.String("stack", "", "stack whose Pulumi.<stack>.yaml configures the run (dev, staging, prod)")
	out := fs.String("out", "", "file to write (default: standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *stack == "" {
		return errors.New("-stack is required")
	}
	root, err := findRoot()
	if err != nil {
		return err
	}
	g, err := runOffline(root, *stack, nil)
	if err != nil {
		return err
	}
	var data []byte
	switch cmd {
	case "plan":
		if data, err = g.Snapshot(); err != nil {
			return err
		}
	case "diagram":
		data = g.DOT()
	default:
		return fmt.Errorf("unknown command %q (want plan or diagram; no arguments runs the Pulumi program)", cmd)
	}
	if *out == "" {
		_, err = os.Stdout.Write(data)
		return err
	}
	return os.WriteFile(*out, data, 0o644)
}

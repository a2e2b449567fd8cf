// Command stacks is buylink's Pulumi program (Pulumi.yaml at the repository
// root: `main: stacks/`). Run by Pulumi it deploys a stack; run by hand it
// works offline, under mocks, without the Pulumi CLI or AWS credentials:
//
//	go run . plan -stack prod -out plan.json      # sorted JSON of every resource
//	go run . plan -stack prod -out plan.json -against testdata/plan-prod.json [-markdown summary.md] [-check]
//	go run . diagram -stack prod -out graph.dot   # the resource graph for Graphviz
//
// With -against, plan prints what changed against a committed snapshot,
// resource by resource (added, inputs changed, removed), appends the same
// as Markdown to the -markdown file (a CI job summary), and with -check
// fails when anything changed.
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
func offline(cmd string, args []string) (err error) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	stack := fs.String("stack", "", "stack whose Pulumi.<stack>.yaml configures the run (dev, staging, prod)")
	out := fs.String("out", "", "file to write (default: standard output)")
	against := fs.String("against", "", "plan: the committed snapshot to summarise the changes against")
	markdown := fs.String("markdown", "", "plan: a file to append the Markdown summary to (GitHub's job summary)")
	check := fs.Bool("check", false, "plan: fail when the plan differs from -against")
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
		if *against != "" {
			defer func() {
				if err == nil {
					err = summarise(*stack, *against, *markdown, *check, data, len(g.All()))
				}
			}()
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

// summarise prints the plan's changes against the committed snapshot and
// appends them to the Markdown file; with check, a change is an error.
func summarise(stack, against, markdown string, check bool, plan []byte, total int) error {
	committed, err := os.ReadFile(against)
	if err != nil {
		return fmt.Errorf("the committed snapshot: %w (make plan-update writes it)", err)
	}
	changes, err := planDiff(committed, plan)
	if err != nil {
		return err
	}
	if err := writeSummary(os.Stdout, stack, total, changes, false); err != nil {
		return err
	}
	if markdown != "" {
		f, err := os.OpenFile(markdown, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		werr := writeSummary(f, stack, total, changes, true)
		if err := errors.Join(werr, f.Close()); err != nil {
			return err
		}
	}
	if check && len(changes) > 0 {
		return fmt.Errorf("the plan of %s differs from %s in %d resources: review them, then make plan-update and commit the snapshots", stack, against, len(changes))
	}
	return nil
}

// Package cli is the buylink operator command line: watching the pipeline
// (monitor), moving dead letters back (dlq), admin chores (hash-password) and
// ingesting videos, against a deployed stack (AWS, described by the output
// file of `pulumi stack output --json`) or a local devstack (--local).
//
// Execute runs one command line; cmd/buylink is its main. Every failure ends
// in one line on stderr saying what was wrong and a non-zero exit status:
// 2 for a command line that does not parse, 1 for anything else.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Exit statuses.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// usageError is a command line that does not parse.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// Execute runs the command line args (without the program name) and returns
// the exit status. ctx ends the live monitor and any wait (Ctrl-C).
func Execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "buylink:", oneLine(err))
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "Run 'buylink --help' (or '<command> --help') for usage.")
		return ExitUsage
	}
	return ExitError
}

// oneLine keeps an error message on one line (SDK errors can span several).
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// options are the flags every command shares.
type options struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	stackFile string
	local     string
	region    string
	profile   string
	endpoint  string
	timeout   time.Duration

	// Flags that name targets without (or over) a stack output file.
	apiURL       string
	queueURLs    map[string]string
	dlqURLs      map[string]string
	cluster      string
	ecsServices  []string
	functions    []string
	logGroups    []string
	stackOutputs *Outputs // loaded once
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	o := &options{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "buylink",
		Short: "Operate buylink: watch the pipeline, redrive dead letters, admin chores, ingest videos",
		Long: `buylink operates a buylink deployment.

Targets: a deployed stack, described by the JSON of 'pulumi stack output --json'
(--stack FILE or BUYLINK_STACK), whose AWS resources are reached with the usual
AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, SSO...);
or a local devstack (--local http://localhost:8080 or BUYLINK_LOCAL), whose
loopback-only /admin endpoints answer for the embedded runtime. Flags such as
--queue-url and --cluster name targets without a stack file or override it.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&o.stackFile, "stack", os.Getenv("BUYLINK_STACK"), "stack output file (`pulumi stack output --json > stack.json`; env BUYLINK_STACK)")
	pf.StringVar(&o.local, "local", os.Getenv("BUYLINK_LOCAL"), "base URL of a local devstack, e.g. http://localhost:8080 (env BUYLINK_LOCAL)")
	pf.StringVar(&o.region, "region", "", "AWS region (default: the stack file's region, the queue URLs' region, or AWS_REGION)")
	pf.StringVar(&o.profile, "profile", "", "AWS shared-config profile (default AWS_PROFILE)")
	pf.StringVar(&o.endpoint, "endpoint-url", "", "send every AWS request to this endpoint (LocalStack, tests)")
	pf.DurationVar(&o.timeout, "timeout", 30*time.Second, "bound on each AWS or HTTP call")
	pf.StringVar(&o.apiURL, "api-url", "", "public base URL of the deployment (overrides the stack's url)")
	pf.StringToStringVar(&o.queueURLs, "queue-url", nil, "worker=SQS queue URL (repeatable; overrides the stack's queueUrls)")
	pf.StringToStringVar(&o.dlqURLs, "dlq-url", nil, "worker=SQS dead-letter queue URL (repeatable; default: from each queue's redrive policy)")
	pf.StringVar(&o.cluster, "cluster", "", "ECS cluster name (overrides the stack's clusterName)")
	pf.StringSliceVar(&o.ecsServices, "ecs-service", nil, "ECS service name (repeatable; overrides the stack's serviceNames)")
	pf.StringSliceVar(&o.functions, "function", nil, "Lambda function name (repeatable; overrides the stack's functionNames)")
	pf.StringSliceVar(&o.logGroups, "log-group", nil, "CloudWatch log group (repeatable; overrides the stack's logGroups)")

	root.AddCommand(newMonitorCmd(o), newDLQCmd(o), newAdminCmd(o), newIngestCmd(o))
	for _, c := range root.Commands() {
		c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	}
	return root
}

// isLocal reports whether the commands target a devstack.
func (o *options) isLocal() bool { return o.local != "" }

// errNoTarget is the error of a command given no target at all.
var errNoTarget = errors.New("no target: pass --stack FILE (the JSON of `pulumi stack output --json`) " +
	"or --local http://localhost:8080, or set BUYLINK_STACK or BUYLINK_LOCAL")

// withTimeout bounds one call.
func (o *options) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, o.timeout)
}

// cobraArgs wraps a positional-argument check so that its failure is a
// usage error.
func cobraArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

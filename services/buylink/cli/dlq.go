package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/buylink/buylink/pkg/bus"
)

type dlqFlags struct {
	worker string
	all    bool
	show   int
	method string
	poll   time.Duration
}

func newDLQCmd(o *options) *cobra.Command {
	var f dlqFlags
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "List and redrive dead letters",
		Long: `dlq lists the messages the workers gave up on and moves them back.

On AWS each worker's SQS queue has a dead-letter queue (from the stack's dlqUrls,
or the queue's redrive policy); redrive moves its messages back to the worker's
queue, so only that worker sees them again. In a devstack the dead letters are
kept by the stack and redrive re-publishes each one to its event's topic, so every
consumer of that event receives it again (handlers are idempotent).`,
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "Count the dead letters per worker (and show some with --show)",
		Args:  cobraArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.show < 0 || f.show > 100 {
				return usageError{fmt.Errorf("--show must be in 0..100 (got %d)", f.show)}
			}
			if o.isLocal() {
				return dlqListLocal(cmd.Context(), o, f)
			}
			return dlqListAWS(cmd.Context(), o, f)
		},
	}
	list.Flags().StringVar(&f.worker, "worker", "", "only this worker")
	list.Flags().IntVar(&f.show, "show", 0, "also show up to this many dead letters per worker (AWS: peeked and released at once)")
	redrive := &cobra.Command{
		Use:   "redrive",
		Short: "Move a worker's dead letters back to be processed again",
		Args:  cobraArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (f.worker == "") == !f.all {
				return usageError{errors.New("name the worker with --worker NAME, or pass --all")}
			}
			switch f.method {
			case "auto", "move", "resend":
			default:
				return usageError{fmt.Errorf("--method must be auto, move or resend (got %q)", f.method)}
			}
			if o.isLocal() {
				return dlqRedriveLocal(cmd.Context(), o, f)
			}
			return dlqRedriveAWS(cmd.Context(), o, f)
		},
	}
	redrive.Flags().StringVar(&f.worker, "worker", "", "the worker whose dead letters to redrive")
	redrive.Flags().BoolVar(&f.all, "all", false, "redrive every worker's dead letters")
	redrive.Flags().StringVar(&f.method, "method", "auto", "AWS: move (SQS message move task), resend (receive, send, delete) or auto (move, resend where a move task is refused)")
	redrive.Flags().DurationVar(&f.poll, "poll-interval", time.Second, "how often a move task's progress is read")
	_ = redrive.Flags().MarkHidden("poll-interval")
	cmd.AddCommand(list, redrive)
	return cmd
}

func dlqListLocal(ctx context.Context, o *options, f dlqFlags) error {
	d, err := o.devstack()
	if err != nil {
		return err
	}
	qs, err := d.queues(ctx)
	if err != nil {
		return err
	}
	found := false
	tw := table(o.stdout)
	fmt.Fprintln(tw, "WORKER\tDEAD LETTERS")
	for _, q := range qs {
		if f.worker == "" || q.Worker == f.worker {
			found = true
			fmt.Fprintf(tw, "%s\t%d\n", q.Worker, q.DeadLetters)
		}
	}
	_ = tw.Flush()
	if !found {
		return fmt.Errorf("no worker %q in the devstack (workers: %s)", f.worker, localWorkers(qs))
	}
	if f.show == 0 {
		return nil
	}
	l, err := d.deadLetters(ctx, f.worker, f.show)
	if err != nil {
		return err
	}
	fmt.Fprintln(o.stdout)
	for _, dl := range l.Letters {
		fmt.Fprintf(o.stdout, "%s  %s  %s %s  %d attempts  %s\n", dl.At.UTC().Format(time.RFC3339), dl.Worker, dl.EventType, dl.EventID, dl.Attempts, dl.Reason)
	}
	return nil
}

func localWorkers(qs []localQueue) string {
	var names []string
	for _, q := range qs {
		names = append(names, q.Worker)
	}
	return strings.Join(names, ", ")
}

func dlqRedriveLocal(ctx context.Context, o *options, f dlqFlags) error {
	d, err := o.devstack()
	if err != nil {
		return err
	}
	r, err := d.redrive(ctx, f.worker)
	if err != nil {
		return err
	}
	who := f.worker
	if f.all {
		who = "all workers"
	}
	p := newProgress(o.stderr, "redrive "+who)
	p.set(r.Redriven, r.Redriven+r.Remaining)
	p.finish()
	fmt.Fprintf(o.stdout, "%s: %d dead letters re-published to their topics", who, r.Redriven)
	if r.Remaining > 0 {
		fmt.Fprintf(o.stdout, "; %d left in the box (bodies that are no event)", r.Remaining)
	}
	fmt.Fprintln(o.stdout)
	return nil
}

// awsWorkers returns the workers a dlq command covers.
func awsWorkers(src *awsSource, worker string) ([]string, error) {
	if len(src.c.out.QueueURLs) == 0 && len(src.c.out.DLQURLs) == 0 {
		return nil, src.c.out.missingKey("queueUrls", "--queue-url WORKER=URL")
	}
	if worker != "" {
		if src.c.out.QueueURLs[worker] == "" && src.c.out.DLQURLs[worker] == "" {
			return nil, src.unknownWorker(worker)
		}
		return []string{worker}, nil
	}
	seen := map[string]bool{}
	var ws []string
	for _, m := range []map[string]string{src.c.out.QueueURLs, src.c.out.DLQURLs} {
		for _, w := range sortedKeys(m) {
			if !seen[w] {
				seen[w] = true
				ws = append(ws, w)
			}
		}
	}
	return ws, nil
}

func (o *options) awsSource(ctx context.Context) (*awsSource, error) {
	if o.stackFile == "" && len(o.queueURLs) == 0 && len(o.dlqURLs) == 0 {
		return nil, errNoTarget
	}
	c, err := o.aws(ctx)
	if err != nil {
		return nil, err
	}
	return &awsSource{c: c, o: o, dlqs: map[string]string{}}, nil
}

func dlqListAWS(ctx context.Context, o *options, f dlqFlags) error {
	src, err := o.awsSource(ctx)
	if err != nil {
		return err
	}
	workers, err := awsWorkers(src, f.worker)
	if err != nil {
		return err
	}
	tw := table(o.stdout)
	fmt.Fprintln(tw, "WORKER\tMESSAGES\tIN FLIGHT\tDEAD-LETTER QUEUE")
	dlqs := map[string]string{}
	for _, w := range workers {
		u, err := src.dlqURL(ctx, w)
		if err != nil {
			return err
		}
		dlqs[w] = u
		attrs, err := src.queueAttrs(ctx, u, sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", w, num(attrInt(attrs, sqstypes.QueueAttributeNameApproximateNumberOfMessages)),
			num(attrInt(attrs, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)), u)
	}
	_ = tw.Flush()
	if f.show == 0 {
		return nil
	}
	for _, w := range workers {
		msgs, err := peek(ctx, o, src, dlqs[w], f.show)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.stdout, "\n%s:\n", w)
		for _, m := range msgs {
			fmt.Fprintf(o.stdout, "  %s  %s\n", aws.ToString(m.MessageId), describeBody(aws.ToString(m.Body)))
		}
	}
	return nil
}

// peek receives up to n messages of a queue and makes them visible again at
// once. ReceiveMessage cannot ask for a zero visibility timeout (the SDK
// leaves a zero out, and the queue's default applies), so they are received
// hidden for one second and released with ChangeMessageVisibilityBatch.
// Their receive count on the DLQ grows, which nothing reads.
func peek(ctx context.Context, o *options, src *awsSource, queue string, n int) ([]sqstypes.Message, error) {
	var out []sqstypes.Message
	for len(out) < n {
		cctx, cancel := o.withTimeout(ctx)
		res, err := src.c.sqs.ReceiveMessage(cctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queue), MaxNumberOfMessages: int32(min(n-len(out), 10)), VisibilityTimeout: 1, WaitTimeSeconds: 1,
		})
		cancel()
		if err != nil {
			return nil, apiError("SQS ReceiveMessage "+queue, err)
		}
		if len(res.Messages) == 0 {
			break
		}
		out = append(out, res.Messages...)
		entries := make([]sqstypes.ChangeMessageVisibilityBatchRequestEntry, len(res.Messages))
		for i, m := range res.Messages {
			entries[i] = sqstypes.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}
		}
		cctx, cancel = o.withTimeout(ctx)
		_, err = src.c.sqs.ChangeMessageVisibilityBatch(cctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(queue), Entries: entries})
		cancel()
		if err != nil {
			return nil, apiError("SQS ChangeMessageVisibilityBatch "+queue, err)
		}
		if len(res.Messages) < 10 {
			break // a short answer: the rest would be the same messages again
		}
	}
	return out, nil
}

// describeBody names the event a message carries.
func describeBody(body string) string {
	env, err := bus.ParseMessage([]byte(body))
	if err != nil {
		if len(body) > 80 {
			body = body[:80] + "..."
		}
		return fmt.Sprintf("not an event (%q)", body)
	}
	return fmt.Sprintf("%s %s seller %s video %s", env.Type, env.ID, env.Seller, env.VideoID)
}

func dlqRedriveAWS(ctx context.Context, o *options, f dlqFlags) error {
	src, err := o.awsSource(ctx)
	if err != nil {
		return err
	}
	workers, err := awsWorkers(src, f.worker)
	if err != nil {
		return err
	}
	for _, w := range workers {
		if err := redriveWorker(ctx, o, src, w, f); err != nil {
			return fmt.Errorf("%s: %w", w, err)
		}
	}
	return nil
}

func redriveWorker(ctx context.Context, o *options, src *awsSource, worker string, f dlqFlags) error {
	queue := src.c.out.QueueURLs[worker]
	if queue == "" {
		return fmt.Errorf("no queue to redrive into: add it to queueUrls or pass --queue-url %s=URL", worker)
	}
	dlq, err := src.dlqURL(ctx, worker)
	if err != nil {
		return err
	}
	qa, err := src.queueAttrs(ctx, queue, sqstypes.QueueAttributeNameQueueArn)
	if err != nil {
		return err
	}
	da, err := src.queueAttrs(ctx, dlq, sqstypes.QueueAttributeNameQueueArn, sqstypes.QueueAttributeNameApproximateNumberOfMessages)
	if err != nil {
		return err
	}
	total := attrInt(da, sqstypes.QueueAttributeNameApproximateNumberOfMessages)
	if total == nil || *total == 0 {
		fmt.Fprintf(o.stdout, "%s: no dead letters\n", worker)
		return nil
	}
	if f.method != "resend" {
		err := moveTask(ctx, o, src, worker, da[string(sqstypes.QueueAttributeNameQueueArn)], qa[string(sqstypes.QueueAttributeNameQueueArn)], f.poll)
		if err == nil || f.method == "move" || !moveRefused(err) {
			return err
		}
		fmt.Fprintf(o.stderr, "%s: %v; receiving and re-sending instead\n", worker, oneLine(err))
	}
	return resend(ctx, o, src, worker, dlq, queue, int(*total))
}

// moveRefused reports whether SQS refused a move task in a way the
// receive-and-resend fallback can do better: not supported there, or not
// allowed to this caller.
func moveRefused(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", "AccessDenied", "AccessDeniedException", "InvalidAction":
		return true
	}
	return false
}

// moveTask runs an SQS message move task from the DLQ to the worker's queue
// and follows it to its end.
func moveTask(ctx context.Context, o *options, src *awsSource, worker, dlqArn, queueArn string, poll time.Duration) error {
	cctx, cancel := o.withTimeout(ctx)
	started, err := src.c.sqs.StartMessageMoveTask(cctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqArn), DestinationArn: aws.String(queueArn)})
	cancel()
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return &moveError{err: err}
		}
		return apiError("SQS StartMessageMoveTask", err)
	}
	fmt.Fprintf(o.stderr, "%s: move task %s started\n", worker, shortHandle(aws.ToString(started.TaskHandle)))
	p := newProgress(o.stderr, "redrive "+worker)
	defer p.finish()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped watching; the move task goes on in SQS (see `buylink dlq list`): %w", ctx.Err())
		case <-time.After(poll):
		}
		cctx, cancel := o.withTimeout(ctx)
		res, err := src.c.sqs.ListMessageMoveTasks(cctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqArn), MaxResults: aws.Int32(1)})
		cancel()
		if err != nil {
			return apiError("SQS ListMessageMoveTasks", err)
		}
		if len(res.Results) == 0 {
			return errors.New("SQS lists no move task for the dead-letter queue")
		}
		t := res.Results[0]
		moved, toMove := int(t.ApproximateNumberOfMessagesMoved), int(aws.ToInt64(t.ApproximateNumberOfMessagesToMove))
		switch aws.ToString(t.Status) {
		case "RUNNING":
			p.set(moved, toMove)
		case "COMPLETED":
			p.set(moved, max(moved, toMove))
			p.finish()
			fmt.Fprintf(o.stdout, "%s: %d dead letters moved back to the queue\n", worker, moved)
			return nil
		case "FAILED":
			return fmt.Errorf("move task failed after %d messages: %s", moved, aws.ToString(t.FailureReason))
		case "CANCELLING", "CANCELLED":
			return fmt.Errorf("move task cancelled after %d messages", moved)
		default:
			return fmt.Errorf("move task in unknown state %q", aws.ToString(t.Status))
		}
	}
}

// moveError is a move task SQS refused.
type moveError struct{ err error }

func (e *moveError) Error() string { return apiError("SQS StartMessageMoveTask", e.err).Error() }
func (e *moveError) Unwrap() error { return e.err }

func shortHandle(h string) string {
	if len(h) > 16 {
		return h[:16] + "..."
	}
	return h
}

// resendVisibility hides a received dead letter while it is re-sent; a
// message whose send fails becomes visible in the DLQ again after it.
const resendVisibility = 120

// resend moves up to total messages by receiving them from the DLQ, sending
// them to the queue with their attributes, and deleting the ones sent.
func resend(ctx context.Context, o *options, src *awsSource, worker, dlq, queue string, total int) error {
	p := newProgress(o.stderr, "redrive "+worker)
	defer p.finish()
	moved, failed, seen := 0, 0, 0
	for seen < total {
		cctx, cancel := o.withTimeout(ctx)
		res, err := src.c.sqs.ReceiveMessage(cctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(dlq), MaxNumberOfMessages: int32(min(10, total-seen)), WaitTimeSeconds: 1,
			VisibilityTimeout: resendVisibility, MessageAttributeNames: []string{"All"},
		})
		cancel()
		if err != nil {
			return apiError("SQS ReceiveMessage "+dlq, err)
		}
		if len(res.Messages) == 0 {
			break
		}
		seen += len(res.Messages)
		entries := make([]sqstypes.SendMessageBatchRequestEntry, len(res.Messages))
		for i, m := range res.Messages {
			entries[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: m.Body, MessageAttributes: m.MessageAttributes}
		}
		cctx, cancel = o.withTimeout(ctx)
		sent, err := src.c.sqs.SendMessageBatch(cctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(queue), Entries: entries})
		cancel()
		if err != nil {
			return apiError("SQS SendMessageBatch "+queue, err)
		}
		failed += len(sent.Failed)
		var del []sqstypes.DeleteMessageBatchRequestEntry
		for _, s := range sent.Successful {
			var i int
			_, _ = fmt.Sscan(aws.ToString(s.Id), &i)
			del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: s.Id, ReceiptHandle: res.Messages[i].ReceiptHandle})
		}
		if len(del) > 0 {
			cctx, cancel = o.withTimeout(ctx)
			gone, err := src.c.sqs.DeleteMessageBatch(cctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(dlq), Entries: del})
			cancel()
			if err != nil {
				return apiError("SQS DeleteMessageBatch "+dlq, err)
			}
			// A message sent but not deleted will be sent again by a later
			// redrive: a duplicate, which idempotent handlers absorb.
			moved += len(gone.Successful)
			failed += len(gone.Failed)
		}
		p.set(moved, total)
	}
	p.finish()
	fmt.Fprintf(o.stdout, "%s: %d dead letters re-sent to the queue\n", worker, moved)
	if failed > 0 {
		return fmt.Errorf("%d messages could not be moved; they are back in the dead-letter queue within %ds", failed, resendVisibility)
	}
	return nil
}

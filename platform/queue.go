package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Queue defaults: SQS's longest retention, and the redelivery count after
// which a message is poison (the same rule the embedded bus applies).
const (
	DefaultRetentionSeconds = 14 * 24 * 3600
	DefaultMaxReceiveCount  = 3
)

// QueueArgs configures a Queue.
type QueueArgs struct {
	// Topics deliver into the queue (raw delivery); at least one.
	Topics []*EventTopic
	// VisibilityTimeoutSeconds is how long a received message stays hidden;
	// set it to at least 6x the consumer's processing timeout. Default 180.
	VisibilityTimeoutSeconds int
	// MaxReceiveCount deliveries before a message moves to the DLQ; default 3.
	MaxReceiveCount int
	// RetentionSeconds of the queue and its DLQ; default 14 days.
	RetentionSeconds int
}

// Queue is an SQS queue subscribed to SNS topics with raw delivery, a queue
// policy accepting only those topics, SQS-managed encryption and a DLQ
// receiving messages after MaxReceiveCount failed deliveries.
type Queue struct {
	pulumi.ResourceState

	ARN     pulumi.StringOutput `pulumi:"arn"`
	URL     pulumi.StringOutput `pulumi:"url"`
	Name    pulumi.StringOutput `pulumi:"name"`
	DLQARN  pulumi.StringOutput `pulumi:"dlqArn"`
	DLQURL  pulumi.StringOutput `pulumi:"dlqUrl"`
	DLQName pulumi.StringOutput `pulumi:"dlqName"`
	// SubscriptionURL is the queue as a gocloud.dev/pubsub subscription URL
	// ("awssqs://sqs.<region>.amazonaws.com/<account>/<name>?region=<region>&raw=true&waittime=20s").
	SubscriptionURL pulumi.StringOutput `pulumi:"subscriptionUrl"`
	// DLQTopicURL is the DLQ as a gocloud.dev/pubsub topic URL
	// ("awssqs://sqs.<region>.amazonaws.com/<account>/<name>-dlq?region=<region>"),
	// for consumers that move a message there themselves.
	DLQTopicURL pulumi.StringOutput `pulumi:"dlqTopicUrl"`
	// VisibilityTimeoutSeconds as created.
	VisibilityTimeoutSeconds int
}

// NewQueue creates a Queue.
func NewQueue(ctx *pulumi.Context, name string, args QueueArgs, opts ...pulumi.ResourceOption) (*Queue, error) {
	if len(args.Topics) == 0 {
		return nil, errors.New("queue " + name + ": at least one topic is required")
	}
	q := &Queue{VisibilityTimeoutSeconds: orInt(args.VisibilityTimeoutSeconds, 180)}
	if q.VisibilityTimeoutSeconds > 43200 {
		return nil, fmt.Errorf("queue %s: visibility timeout %ds exceeds SQS's 12 hours", name, q.VisibilityTimeoutSeconds)
	}
	if err := ctx.RegisterComponentResource(typeToken("Queue"), name, q, opts...); err != nil {
		return nil, err
	}
	opt := pulumi.Parent(q)
	retention := orInt(args.RetentionSeconds, DefaultRetentionSeconds)
	// The DLQ hides a received message as long as the queue does: a
	// consumer of dead letters gets the same time as the queue's own.
	dlq, err := sqs.NewQueue(ctx, name+"-dlq", &sqs.QueueArgs{
		Name:                     pulumi.String(physicalName(ctx, name) + "-dlq"),
		MessageRetentionSeconds:  pulumi.Int(retention),
		VisibilityTimeoutSeconds: pulumi.Int(q.VisibilityTimeoutSeconds),
		SqsManagedSseEnabled:     pulumi.Bool(true),
	}, opt, named)
	if err != nil {
		return nil, err
	}
	maxReceive := orInt(args.MaxReceiveCount, DefaultMaxReceiveCount)
	main, err := sqs.NewQueue(ctx, name, &sqs.QueueArgs{
		Name:                     pulumi.String(physicalName(ctx, name)),
		MessageRetentionSeconds:  pulumi.Int(retention),
		VisibilityTimeoutSeconds: pulumi.Int(q.VisibilityTimeoutSeconds),
		ReceiveWaitTimeSeconds:   pulumi.Int(20),
		SqsManagedSseEnabled:     pulumi.Bool(true),
		RedrivePolicy: dlq.Arn.ApplyT(func(arn string) (string, error) {
			b, err := json.Marshal(map[string]interface{}{"deadLetterTargetArn": arn, "maxReceiveCount": maxReceive})
			return string(b), err
		}).(pulumi.StringOutput),
	}, opt, named)
	if err != nil {
		return nil, err
	}
	if _, err := sqs.NewRedriveAllowPolicy(ctx, name+"-dlq", &sqs.RedriveAllowPolicyArgs{
		QueueUrl: dlq.Url,
		RedriveAllowPolicy: main.Arn.ApplyT(func(arn string) (string, error) {
			b, err := json.Marshal(map[string]interface{}{"redrivePermission": "byQueue", "sourceQueueArns": []string{arn}})
			return string(b), err
		}).(pulumi.StringOutput),
	}, opt); err != nil {
		return nil, err
	}

	topicARNs := make([]interface{}, len(args.Topics))
	for i, t := range args.Topics {
		topicARNs[i] = t.ARN
	}
	policyDoc := pulumi.All(append([]interface{}{main.Arn}, topicARNs...)...).ApplyT(func(v []interface{}) (string, error) {
		sources := make([]string, 0, len(v)-1)
		for _, a := range v[1:] {
			sources = append(sources, a.(string))
		}
		b, err := json.Marshal(map[string]interface{}{
			"Version": "2012-10-17",
			"Statement": []map[string]interface{}{{
				"Sid":       "TopicsDeliver",
				"Effect":    "Allow",
				"Principal": map[string]string{"Service": "sns.amazonaws.com"},
				"Action":    "sqs:SendMessage",
				"Resource":  v[0].(string),
				"Condition": map[string]interface{}{"ArnEquals": map[string]interface{}{"aws:SourceArn": sources}},
			}},
		})
		return string(b), err
	}).(pulumi.StringOutput)
	policy, err := sqs.NewQueuePolicy(ctx, name, &sqs.QueuePolicyArgs{QueueUrl: main.Url, Policy: policyDoc}, opt)
	if err != nil {
		return nil, err
	}
	for i, t := range args.Topics {
		subName := fmt.Sprintf("%s-%d", name, i)
		if _, err := sns.NewTopicSubscription(ctx, subName, &sns.TopicSubscriptionArgs{
			Topic:              t.ARN,
			Protocol:           pulumi.String("sqs"),
			Endpoint:           main.Arn,
			RawMessageDelivery: pulumi.Bool(true),
		}, opt, pulumi.DependsOn([]pulumi.Resource{policy})); err != nil {
			return nil, err
		}
	}
	_, region, err := accountRegion(ctx, q)
	if err != nil {
		return nil, err
	}
	q.ARN, q.URL, q.Name = main.Arn, main.Url, main.Name
	q.DLQARN, q.DLQURL, q.DLQName = dlq.Arn, dlq.Url, dlq.Name
	q.SubscriptionURL = main.Url.ApplyT(func(u string) string {
		return "awssqs://" + strings.TrimPrefix(u, "https://") + "?region=" + region + "&raw=true&waittime=20s"
	}).(pulumi.StringOutput)
	q.DLQTopicURL = dlq.Url.ApplyT(func(u string) string {
		return "awssqs://" + strings.TrimPrefix(u, "https://") + "?region=" + region
	}).(pulumi.StringOutput)
	return q, ctx.RegisterResourceOutputs(q, pulumi.Map{
		"arn": q.ARN, "url": q.URL, "name": q.Name, "dlqArn": q.DLQARN, "dlqUrl": q.DLQURL, "dlqName": q.DLQName,
		"subscriptionUrl": q.SubscriptionURL, "dlqTopicUrl": q.DLQTopicURL,
	})
}

// Consume grants receiving, deleting and re-timing messages of the queue.
func (q *Queue) Consume() Statement { return consumeQueue(q.ARN) }

// SendToDLQ grants sending messages to the queue's DLQ.
func (q *Queue) SendToDLQ() Statement {
	return Statement{Actions: []string{"sqs:SendMessage", "sqs:GetQueueUrl"}, Resources: arns(q.DLQARN)}
}

// consumeQueue grants consuming the queue with the ARN.
func consumeQueue(arn pulumi.StringInput) Statement {
	return Statement{
		Actions:   []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"},
		Resources: arns(arn),
	}
}

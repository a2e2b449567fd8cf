package platform

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// EventTopicArgs configures an EventTopic.
type EventTopicArgs struct {
	// KMSKeyID encrypts messages at rest; default the AWS-managed
	// "alias/aws/sns" key.
	KMSKeyID string
}

// EventTopic is an SNS topic carrying one kind of event, named
// "<project>-<stack>-<name>" so publishers can derive its ARN from a template.
type EventTopic struct {
	pulumi.ResourceState

	ARN  pulumi.StringOutput `pulumi:"arn"`
	Name pulumi.StringOutput `pulumi:"name"`
}

// NewEventTopic creates an EventTopic.
func NewEventTopic(ctx *pulumi.Context, name string, args EventTopicArgs, opts ...pulumi.ResourceOption) (*EventTopic, error) {
	t := &EventTopic{}
	if err := ctx.RegisterComponentResource(typeToken("EventTopic"), name, t, opts...); err != nil {
		return nil, err
	}
	topic, err := sns.NewTopic(ctx, name, &sns.TopicArgs{
		Name:           pulumi.String(physicalName(ctx, name)),
		KmsMasterKeyId: pulumi.String(orString(args.KMSKeyID, "alias/aws/sns")),
	}, pulumi.Parent(t), named)
	if err != nil {
		return nil, err
	}
	t.ARN, t.Name = topic.Arn, topic.Name
	return t, ctx.RegisterResourceOutputs(t, pulumi.Map{"arn": t.ARN, "name": t.Name})
}

// Publish grants publishing to the topic.
func (t *EventTopic) Publish() Statement {
	return Statement{Actions: []string{"sns:Publish"}, Resources: arns(t.ARN)}
}

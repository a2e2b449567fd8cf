package platform_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/buylink/buylink/platform"
	"github.com/buylink/buylink/platform/pulumitest"
)

// The mocks answer like AWS, derived from names only: two runs agree.
func TestMocksAreDeterministic(t *testing.T) {
	program := func(ctx *pulumi.Context) error {
		_, err := newFixture(ctx)
		return err
	}
	a, b := run(t, program), run(t, program)
	sa, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sa, sb) {
		t.Fatal("two runs give different snapshots")
	}
	q := find(t, a, "aws:sns/topic:Topic", "thing-happened")
	if q.Output("arn") != "arn:aws:sns:us-east-1:123456789012:test-unit-thing-happened" {
		t.Errorf("topic ARN %v", q.Output("arn"))
	}
}

// An invoke the mocks do not know fails the run instead of answering
// something made up.
func TestUnknownInvokeFails(t *testing.T) {
	err := runErr(t, func(ctx *pulumi.Context) error {
		_, err := ec2.LookupVpc(ctx, &ec2.LookupVpcArgs{})
		return err
	})
	if !strings.Contains(err.Error(), "no mock for invoke aws:ec2/getVpc:getVpc") {
		t.Errorf("error %v", err)
	}
}

// Snapshots are sorted by type and name, redact secrets, expand JSON
// documents and name parents.
func TestSnapshot(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error {
		if _, err := sqs.NewQueue(ctx, "zeta", &sqs.QueueArgs{Policy: pulumi.String(`{"b":1,"a":[2]}`)}); err != nil {
			return err
		}
		if _, err := platform.NewEventTopic(ctx, "alpha", platform.EventTopicArgs{}); err != nil {
			return err
		}
		_, err := secretsmanager.NewSecretVersion(ctx, "s", &secretsmanager.SecretVersionArgs{
			SecretId: pulumi.String("id"), SecretString: pulumi.ToSecret(pulumi.String("hunter2")).(pulumi.StringOutput),
		})
		return err
	})
	snap, err := g.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(snap, []byte("hunter2")) {
		t.Fatal("secret in the snapshot")
	}
	var rs []pulumitest.SnapshotResource
	if err := json.Unmarshal(snap, &rs); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range rs {
		order = append(order, r.Type+"::"+r.Name)
		switch r.Name {
		case "s":
			if r.Inputs.(map[string]interface{})["secretString"] != pulumitest.Redacted {
				t.Errorf("secret version inputs %v", r.Inputs)
			}
		case "zeta":
			if pol, ok := r.Inputs.(map[string]interface{})["policy"].(map[string]interface{}); !ok || pol["b"] != 1.0 {
				t.Errorf("policy not expanded: %v", r.Inputs)
			}
		case "alpha":
			if r.Type == "aws:sns/topic:Topic" && r.Parent != "buylink:platform:EventTopic::alpha" {
				t.Errorf("parent %q", r.Parent)
			}
		}
	}
	want := "aws:secretsmanager/secretVersion:SecretVersion::s aws:sns/topic:Topic::alpha aws:sqs/queue:Queue::zeta " +
		"buylink:platform:EventTopic::alpha"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("order\n got %s\nwant %s", got, want)
	}
	if dot := string(g.DOT()); !strings.Contains(dot, "digraph") || !strings.Contains(dot, "->") {
		t.Errorf("DOT output %s", dot)
	}
}

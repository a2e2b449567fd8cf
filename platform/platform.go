// Package platform holds buylink's Pulumi components: reusable AWS building
// blocks (network, cluster, load balancer, HTTP service, event topic, queue
// worker, table, media bucket, identity, secrets, scheduled function,
// monitoring, budget, container image) with no knowledge of the application.
// The stacks/ program composes them.
//
// Every component registers as "buylink:platform:<Name>", parents its
// children, registers its outputs and takes a small args struct whose zero
// values are sane defaults. Components pass no provider of their own: give
// one to the component (pulumi.Providers) and its children inherit it.
//
// Least privilege is built from Statements: a component that owns a resource
// offers the statements granting access to it (Table.ReadWrite,
// EventTopic.Publish, MediaBucket.WritePrefix, Secrets.Read...), and the
// caller hands exactly those to the roles of the services that need them.
package platform

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// named is the option of every resource with a fixed physical name (a
// queue, a function, a log group...): AWS refuses a second resource with
// the name, so a replacement deletes the old one before creating the new
// one instead of failing on the collision. Stateful resources (the table,
// the bucket, the user pool) keep the default and fail a replacement
// instead of losing their data.
var named = pulumi.DeleteBeforeReplace(true)

// typeToken is the resource type of a platform component.
func typeToken(name string) string { return "buylink:platform:" + name }

// Statement is one Allow statement of an IAM policy. Resources may be
// outputs (ARNs of resources being created).
type Statement struct {
	Sid       string
	Actions   []string
	Resources pulumi.StringArrayInput
	// Condition is the statement's condition block, e.g.
	// {"StringLike": {"s3:prefix": ["thumbs/*"]}}.
	Condition map[string]map[string][]string
}

// remoteChildOpts are the options of a remote (awsx) child: the component's
// own options, so the child receives the same providers explicitly (the
// Go SDK hands a remote component only the providers given to it, not those
// inherited from its parent), then the component as parent.
func remoteChildOpts(parent pulumi.Resource, opts []pulumi.ResourceOption) []pulumi.ResourceOption {
	return append(append([]pulumi.ResourceOption{}, opts...), pulumi.Parent(parent))
}

// policyDocument renders statements as an IAM policy document (JSON).
func policyDocument(stmts []Statement) pulumi.StringOutput {
	arrays := make([]interface{}, len(stmts))
	for i, s := range stmts {
		arrays[i] = s.Resources.ToStringArrayOutput()
	}
	return pulumi.All(arrays...).ApplyT(func(vals []interface{}) (string, error) {
		doc := map[string]interface{}{"Version": "2012-10-17"}
		var out []map[string]interface{}
		for i, s := range stmts {
			res := vals[i].([]string)
			if len(s.Actions) == 0 || len(res) == 0 {
				return "", fmt.Errorf("platform: policy statement %d (%s) needs actions and resources", i, s.Sid)
			}
			st := map[string]interface{}{"Effect": "Allow", "Action": s.Actions, "Resource": res}
			if s.Sid != "" {
				st["Sid"] = s.Sid
			}
			if len(s.Condition) > 0 {
				st["Condition"] = s.Condition
			}
			out = append(out, st)
		}
		doc["Statement"] = out
		b, err := json.Marshal(doc)
		return string(b), err
	}).(pulumi.StringOutput)
}

// assumeRolePolicy lets an AWS service principal assume a role.
func assumeRolePolicy(service string) string {
	b, _ := json.Marshal(map[string]interface{}{
		"Version": "2012-10-17",
		"Statement": []map[string]interface{}{{
			"Effect":    "Allow",
			"Principal": map[string]string{"Service": service},
			"Action":    "sts:AssumeRole",
		}},
	})
	return string(b)
}

// arns is a short way to write a resource list of one or more outputs.
func arns(in ...pulumi.StringInput) pulumi.StringArray { return pulumi.StringArray(in) }

// suffix appends a literal to an output (an ARN + "/*", say).
func suffix(s pulumi.StringInput, tail string) pulumi.StringOutput {
	return pulumi.Sprintf("%s%s", s, tail)
}

// envNames returns the names of an environment map sorted, so task
// definitions and functions render the same way on every run.
func envNames(env map[string]pulumi.StringInput) []string {
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// accountRegion reads the account id and region of the provider the parent
// resource uses.
func accountRegion(ctx *pulumi.Context, parent pulumi.Resource) (account, region string, err error) {
	id, err := aws.GetCallerIdentity(ctx, nil, pulumi.Parent(parent))
	if err != nil {
		return "", "", fmt.Errorf("read the AWS account: %w", err)
	}
	r, err := aws.GetRegion(ctx, nil, pulumi.Parent(parent))
	if err != nil {
		return "", "", fmt.Errorf("read the AWS region: %w", err)
	}
	return id.AccountId, r.Name, nil
}

// orInt returns v, or def when v is zero.
func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// orString returns v, or def when v is empty.
func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

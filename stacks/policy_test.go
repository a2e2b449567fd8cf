package main

import (
	"encoding/json"
	"fmt"
	"github.com/buylink/buylink/pkg/deploy"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/buylink/buylink/platform"
	"github.com/buylink/buylink/platform/pulumitest"
)

// Policies are checked over the recorded resource graph of every stack: the
// rules below hold for whatever the configuration says.
func TestPolicies(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) { checkPolicies(t, graphOf(t, stack), stack) })
	}
}

// policy is one rule over a graph; it reports every violation.
type policy struct {
	name  string
	check func(g *pulumitest.Graph, stack string) []string
}

var policies = []policy{
	{"encryption at rest everywhere", encryptionAtRest},
	{"no public bucket", noPublicBucket},
	{"every queue has a DLQ", everyQueueHasDLQ},
	{"visibility >= 6x the Lambda timeout", visibilityCoversTimeout},
	{"point-in-time recovery on", pitrOn},
	{"log retention set", logRetentionSet},
	{"no * in IAM policies except where AWS requires it", noWildcardIAM},
	{"tasks in private subnets", tasksInPrivateSubnets},
	{"HTTP redirects to HTTPS", httpRedirects},
	{"NAT gateway per AZ in prod", natPerAZInProd},
	{"required tags", requiredTags},
	{"SNS to SQS raw delivery, scoped queue policies", subscriptionsScoped},
	{"no ARM64 task on FARGATE_SPOT", noARM64OnSpot},
	{"Fargate CPU and memory pairs AWS offers", fargatePairs},
	{"ECS services wait for the capacity providers", servicesWaitForCapacity},
	{"named resources are deleted before they are replaced", namedDeleteBeforeReplace},
	{"Route 53 records may take over existing ones", recordsOverwrite},
	{"S3 readers may list, so a missing key is 404", readersMayList},
	{"CloudWatch's KMS statement as AWS documents it", cloudWatchKeyStatement},
	{"Lambdas in private subnets", lambdasInPrivateSubnets},
	{"no secret value in a function's environment", noSecretInLambdaEnv},
	{"schedules EventBridge accepts", schedulesValid},
	{"memory and queue-depth alarms", memoryAndDepthAlarms},
	{"the dashboard is <prefix>-overview", dashboardOverview},
	{"no caching of authenticated paths", noCachingOfAuthenticatedPaths},
	{"buckets refuse plain HTTP", bucketsRefusePlainHTTP},
	{"the edge reads only the public media, for its distribution", edgeReadsOnlyServedMedia},
	{"when an edge fronts the ALB, no ALB listener forwards without the origin header", originLocked},
}

func checkPolicies(t *testing.T, g *pulumitest.Graph, stack string) {
	t.Helper()
	for _, p := range policies {
		for _, v := range p.check(g, stack) {
			t.Errorf("%s: %s", p.name, v)
		}
	}
}

// Each policy must be able to fail: a graph with one violation planted is
// caught. (The plants edit recorded inputs, as a bad change would.)
func TestPoliciesCatchViolations(t *testing.T) {
	for _, tc := range []struct {
		policy string
		plant  func(g *pulumitest.Graph)
	}{
		{"encryption at rest everywhere", func(g *pulumitest.Graph) {
			setInput(g, "aws:sqs/queue:Queue", "projector", "sqsManagedSseEnabled", false)
		}},
		{"no public bucket", func(g *pulumitest.Graph) {
			setInput(g, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "media", "restrictPublicBuckets", false)
		}},
		{"every queue has a DLQ", func(g *pulumitest.Graph) { setInput(g, "aws:sqs/queue:Queue", "auto-tagger", "redrivePolicy", nil) }},
		{"visibility >= 6x the Lambda timeout", func(g *pulumitest.Graph) {
			setInput(g, "aws:sqs/queue:Queue", "caption-parser", "visibilityTimeoutSeconds", 300.0)
		}},
		{"point-in-time recovery on", func(g *pulumitest.Graph) {
			setInput(g, "aws:dynamodb/table:Table", "catalog", "pointInTimeRecovery", map[string]interface{}{"enabled": false})
		}},
		{"log retention set", func(g *pulumitest.Graph) {
			setInput(g, "aws:cloudwatch/logGroup:LogGroup", "product-service", "retentionInDays", nil)
		}},
		{"no * in IAM policies except where AWS requires it", func(g *pulumitest.Graph) {
			setInput(g, "aws:iam/rolePolicy:RolePolicy", "ingestion-api-task", "policy",
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}`)
		}},
		{"tasks in private subnets", func(g *pulumitest.Graph) {
			vpc := g.Find("awsx:ec2:Vpc", "network")
			svc := g.Find("aws:ecs/service:Service", deploy.ProductService)
			nc := svc.Input("networkConfiguration").(map[string]interface{})
			nc["subnets"] = vpc.Output("publicSubnetIds")
			setInput(g, "aws:ecs/service:Service", deploy.ProductService, "networkConfiguration", nc)
		}},
		{"HTTP redirects to HTTPS", func(g *pulumitest.Graph) {
			setInput(g, "aws:lb/listener:Listener", "web-http", "defaultActions", []interface{}{map[string]interface{}{"type": "forward"}})
		}},
		{"NAT gateway per AZ in prod", func(g *pulumitest.Graph) {
			setInput(g, "awsx:ec2:Vpc", "network", "natGateways", map[string]interface{}{"strategy": "Single"})
		}},
		{"required tags", func(g *pulumitest.Graph) { g.Find("aws:sns/topic:Topic", "video-posted").Provider = "" }},
		{"SNS to SQS raw delivery, scoped queue policies", func(g *pulumitest.Graph) {
			setInput(g, "aws:sns/topicSubscription:TopicSubscription", "projector-0", "rawMessageDelivery", false)
		}},
		{"no ARM64 task on FARGATE_SPOT", func(g *pulumitest.Graph) {
			setInput(g, "aws:ecs/taskDefinition:TaskDefinition", deploy.ThumbnailGenerator, "runtimePlatform",
				map[string]interface{}{"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"})
		}},
		{"Fargate CPU and memory pairs AWS offers", func(g *pulumitest.Graph) {
			setInput(g, "aws:ecs/taskDefinition:TaskDefinition", deploy.IngestionAPI, "memory", "3000")
		}},
		{"ECS services wait for the capacity providers", func(g *pulumitest.Graph) {
			g.Find("aws:ecs/service:Service", deploy.ProductService).Dependencies = nil
		}},
		{"named resources are deleted before they are replaced", func(g *pulumitest.Graph) {
			g.Find("aws:sqs/queue:Queue", "projector").DeleteBeforeReplace = false
		}},
		{"Route 53 records may take over existing ones", func(g *pulumitest.Graph) {
			setInput(g, "aws:route53/record:Record", "edge-alias-a", "allowOverwrite", nil)
		}},
		{"S3 readers may list, so a missing key is 404", func(g *pulumitest.Graph) {
			bucket := fmt.Sprint(g.Find("aws:s3/bucketV2:BucketV2", "media").Output("arn"))
			setInput(g, "aws:iam/rolePolicy:RolePolicy", deploy.ProductService+"-task", "policy", fmt.Sprintf(
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["%[1]s/thumbs/*"]},`+
					`{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["%[1]s"],"Condition":{"StringLike":{"s3:prefix":["thumbs/*"]}}}]}`, bucket))
		}},
		{"CloudWatch's KMS statement as AWS documents it", func(g *pulumitest.Graph) {
			acct := fmt.Sprint(g.Find("aws:kms/key:Key", "monitoring-alarms").Input("policy"))
			setInput(g, "aws:kms/key:Key", "monitoring-alarms", "policy", strings.Replace(acct,
				`"Resource":"*","Sid":"CloudWatchPublishesAlarms"`, `"Condition":{"StringEquals":{"aws:SourceAccount":"1"}},"Resource":"*","Sid":"CloudWatchPublishesAlarms"`, 1))
		}},
		{"Lambdas in private subnets", func(g *pulumitest.Graph) {
			setInput(g, "aws:lambda/function:Function", deploy.Sweeper, "vpcConfig", nil)
		}},
		{"no secret value in a function's environment", func(g *pulumitest.Graph) {
			fn := g.Find("aws:lambda/function:Function", deploy.CaptionParser)
			fn.Inputs["environment"] = resource.NewObjectProperty(resource.PropertyMap{"variables": resource.NewObjectProperty(resource.PropertyMap{
				"OPENROUTER_API_KEY": resource.MakeSecret(resource.NewStringProperty("sk-or-1")),
			})})
		}},
		{"schedules EventBridge accepts", func(g *pulumitest.Graph) {
			setInput(g, "aws:cloudwatch/eventRule:EventRule", deploy.Sweeper, "scheduleExpression", "rate(1 hours)")
		}},
		{"memory and queue-depth alarms", func(g *pulumitest.Graph) {
			setInput(g, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-auto-tagger-depth", "metricName", "NumberOfMessagesSent")
		}},
		{"the dashboard is <prefix>-overview", func(g *pulumitest.Graph) {
			setInput(g, "aws:cloudwatch/dashboard:Dashboard", "monitoring", "dashboardName", "buylink-prod-monitoring")
		}},
		{"no caching of authenticated paths", func(g *pulumitest.Graph) {
			// The dashboard's behaviour given the shop pages' cache policy.
			editBehaviour(g, "/dashboard*", func(b map[string]interface{}) {
				b["cachePolicyId"] = edgeBehaviour(g, "/s/*")["cachePolicyId"]
			})
		}},
		{"no caching of authenticated paths", func(g *pulumitest.Graph) {
			// A broad cached pattern put before the seller API's.
			d := g.Find("aws:cloudfront/distribution:Distribution", "edge")
			list := d.Input("orderedCacheBehaviors").([]interface{})
			broad := map[string]interface{}{}
			for k, val := range edgeBehaviour(g, "/s/*") {
				broad[k] = val
			}
			broad["pathPattern"] = "/api/*"
			setInput(g, "aws:cloudfront/distribution:Distribution", "edge", "orderedCacheBehaviors", append([]interface{}{broad}, list...))
		}},
		{"no caching of authenticated paths", func(g *pulumitest.Graph) {
			// A cached path that lets the session cookie through.
			editBehaviour(g, "/s/*", func(b map[string]interface{}) { b["originRequestPolicyId"] = platform.AllViewerPolicyID })
		}},
		{"no caching of authenticated paths", func(g *pulumitest.Graph) {
			// The default behaviour (signup, logout...) cached for a day.
			d := g.Find("aws:cloudfront/distribution:Distribution", "edge")
			def := d.Input("defaultCacheBehavior").(map[string]interface{})
			def["cachePolicyId"] = "658327ea-f89d-4fab-a63d-7e88639e58f6" // AWS's CachingOptimized
			setInput(g, "aws:cloudfront/distribution:Distribution", "edge", "defaultCacheBehavior", def)
		}},
		{"buckets refuse plain HTTP", func(g *pulumitest.Graph) {
			pol := g.Find("aws:s3/bucketPolicy:BucketPolicy", "media")
			setInput(g, "aws:s3/bucketPolicy:BucketPolicy", "media", "policy",
				strings.Replace(fmt.Sprint(pol.Input("policy")), `"aws:SecureTransport":"false"`, `"aws:SecureTransport":"true"`, 1))
		}},
		{"the edge reads only the public media, for its distribution", func(g *pulumitest.Graph) {
			pol := g.Find("aws:s3/bucketPolicy:BucketPolicy", "media")
			setInput(g, "aws:s3/bucketPolicy:BucketPolicy", "media", "policy",
				strings.Replace(fmt.Sprint(pol.Input("policy")), "/thumbs/*", "/llm-cache/*", 1))
		}},
		{"the edge reads only the public media, for its distribution", func(g *pulumitest.Graph) {
			pol := g.Find("aws:s3/bucketPolicy:BucketPolicy", "media")
			setInput(g, "aws:s3/bucketPolicy:BucketPolicy", "media", "policy",
				regexp.MustCompile(`distribution/[A-Z0-9]+`).ReplaceAllString(fmt.Sprint(pol.Input("policy")), "distribution/EOTHER"))
		}},
		{"when an edge fronts the ALB, no ALB listener forwards without the origin header", func(g *pulumitest.Graph) {
			// The service's rule on the path alone.
			conds := g.Find("aws:lb/listenerRule:ListenerRule", deploy.ProductService).Input("conditions").([]interface{})
			setInput(g, "aws:lb/listenerRule:ListenerRule", deploy.ProductService, "conditions", conds[:1])
		}},
		{"when an edge fronts the ALB, no ALB listener forwards without the origin header", func(g *pulumitest.Graph) {
			// The listener forwards what no rule matched.
			tg := g.Find("aws:lb/targetGroup:TargetGroup", deploy.ProductService).Output("arn")
			setInput(g, "aws:lb/listener:Listener", "web-https", "defaultActions",
				[]interface{}{map[string]interface{}{"type": "forward", "targetGroupArn": tg}})
		}},
		{"when an edge fronts the ALB, no ALB listener forwards without the origin header", func(g *pulumitest.Graph) {
			// The header's value in clear, as a plain input (and so in the snapshot).
			d := g.Find("aws:cloudfront/distribution:Distribution", "edge")
			setInput(g, "aws:cloudfront/distribution:Distribution", "edge", "origins", d.Input("origins"))
		}},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			g := mustRun(t, "prod", nil) // a fresh graph: plants must not leak
			tc.plant(g)
			for _, p := range policies {
				if p.name == tc.policy {
					if v := p.check(g, "prod"); len(v) == 0 {
						t.Errorf("violation not caught")
					}
					return
				}
			}
			t.Fatalf("no policy %q", tc.policy)
		})
	}
}

// edgeBehaviour is a copy of the edge's ordered behaviour for a pattern.
func edgeBehaviour(g *pulumitest.Graph, pattern string) map[string]interface{} {
	for _, b := range g.Find("aws:cloudfront/distribution:Distribution", "edge").Input("orderedCacheBehaviors").([]interface{}) {
		if m := b.(map[string]interface{}); m["pathPattern"] == pattern {
			return m
		}
	}
	panic("no edge behaviour " + pattern)
}

// editBehaviour changes the edge's ordered behaviour for a pattern.
func editBehaviour(g *pulumitest.Graph, pattern string, edit func(map[string]interface{})) {
	list := g.Find("aws:cloudfront/distribution:Distribution", "edge").Input("orderedCacheBehaviors").([]interface{})
	for _, b := range list {
		if m := b.(map[string]interface{}); m["pathPattern"] == pattern {
			edit(m)
		}
	}
	setInput(g, "aws:cloudfront/distribution:Distribution", "edge", "orderedCacheBehaviors", list)
}

func setInput(g *pulumitest.Graph, typ, name, key string, v interface{}) {
	r := g.Find(typ, name)
	if r == nil {
		panic(fmt.Sprintf("no %s %s", typ, name))
	}
	if v == nil {
		delete(r.Inputs, resource.PropertyKey(key))
		return
	}
	r.Inputs[resource.PropertyKey(key)] = resource.NewPropertyValue(v)
}

// unruledStorage are AWS services storing data for which the encryption
// policy has no rule yet: using one fails until it gets a rule.
var unruledStorage = []string{"rds", "efs", "ebs", "elasticache", "kinesis", "opensearch", "docdb", "fsx", "redshift"}

func encryptionAtRest(g *pulumitest.Graph, _ string) []string {
	var v []string
	encrypted := map[string]bool{}
	for _, c := range g.OfType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2") {
		rules, _ := c.Input("rules").([]interface{})
		for _, r := range rules {
			if alg, _ := dig(r, "applyServerSideEncryptionByDefault", "sseAlgorithm").(string); alg == "AES256" || strings.HasPrefix(alg, "aws:kms") {
				encrypted[fmt.Sprint(c.Input("bucket"))] = true
			}
		}
	}
	for _, r := range g.All() {
		if !r.Custom {
			continue
		}
		switch r.Type {
		case "aws:s3/bucketV2:BucketV2":
			if !encrypted[r.ID] {
				v = append(v, r.String()+" has no default encryption")
			}
		case "aws:dynamodb/table:Table":
			if r.Input("serverSideEncryption", "enabled") != true {
				v = append(v, r.String()+" without server-side encryption")
			}
		case "aws:sqs/queue:Queue":
			if r.Input("sqsManagedSseEnabled") != true && r.Input("kmsMasterKeyId") == nil {
				v = append(v, r.String()+" is not encrypted")
			}
		case "aws:sns/topic:Topic":
			if s, _ := r.Input("kmsMasterKeyId").(string); s == "" {
				v = append(v, r.String()+" is not encrypted")
			}
		case "aws:ecr/repository:Repository":
			if t, _ := dig(r.Input("encryptionConfigurations"), "0", "encryptionType").(string); t != "AES256" && t != "KMS" {
				v = append(v, r.String()+" without encryption configuration")
			}
		case "aws:kms/key:Key":
			if r.Input("enableKeyRotation") != true {
				v = append(v, r.String()+" without key rotation")
			}
		default:
			// Secrets Manager and CloudWatch Logs always encrypt; S3 and
			// SQS sub-resources are covered above. Anything else storing
			// data needs a rule here first.
			if svc := serviceOfType(r.Type); slices.Contains(unruledStorage, svc) {
				v = append(v, r.String()+": no encryption rule for "+svc+" yet")
			}
		}
	}
	return v
}

func noPublicBucket(g *pulumitest.Graph, _ string) []string {
	var v []string
	blocked := map[string]bool{}
	for _, b := range g.OfType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") {
		all := true
		for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			all = all && b.Input(k) == true
		}
		if all {
			blocked[fmt.Sprint(b.Input("bucket"))] = true
		}
	}
	for _, b := range g.OfType("aws:s3/bucketV2:BucketV2") {
		if !blocked[b.ID] {
			v = append(v, b.String()+" does not block every kind of public access")
		}
		if acl, _ := b.Input("acl").(string); strings.HasPrefix(acl, "public") {
			v = append(v, b.String()+" has ACL "+acl)
		}
	}
	for _, p := range g.OfType("aws:s3/bucketPolicy:BucketPolicy") {
		for _, st := range statements(p.Input("policy")) {
			if st.Effect == "Allow" && st.Principal == "*" {
				v = append(v, p.String()+" allows everyone")
			}
		}
	}
	return v
}

func everyQueueHasDLQ(g *pulumitest.Graph, _ string) []string {
	var v []string
	queues := g.OfType("aws:sqs/queue:Queue")
	byARN := map[string]*pulumitest.Resource{}
	for _, q := range queues {
		byARN[fmt.Sprint(q.Output("arn"))] = q
	}
	isDLQ := map[*pulumitest.Resource]bool{}
	for _, q := range queues {
		raw, _ := q.Input("redrivePolicy").(string)
		if raw == "" {
			continue
		}
		var rp struct {
			Target string `json:"deadLetterTargetArn"`
			Max    int    `json:"maxReceiveCount"`
		}
		if err := json.Unmarshal([]byte(raw), &rp); err != nil {
			v = append(v, q.String()+": unreadable redrive policy")
			continue
		}
		dlq := byARN[rp.Target]
		if dlq == nil {
			v = append(v, q.String()+": DLQ "+rp.Target+" is not in the stack")
			continue
		}
		isDLQ[dlq] = true
		if rp.Max != 3 {
			v = append(v, fmt.Sprintf("%s: maxReceiveCount %d, want 3", q, rp.Max))
		}
	}
	for _, q := range queues {
		if q.Input("messageRetentionSeconds") != float64(14*24*3600) {
			v = append(v, fmt.Sprintf("%s keeps messages %v s, want 14 days", q, q.Input("messageRetentionSeconds")))
		}
		if isDLQ[q] {
			continue
		}
		if q.Input("redrivePolicy") == nil {
			v = append(v, q.String()+" has no dead-letter queue")
		}
	}
	return v
}

func visibilityCoversTimeout(g *pulumitest.Graph, _ string) []string {
	var v []string
	for _, m := range g.OfType("aws:lambda/eventSourceMapping:EventSourceMapping") {
		q := g.ByOutput("aws:sqs/queue:Queue", "arn", fmt.Sprint(m.Input("eventSourceArn")))
		fn := g.ByOutput("aws:lambda/function:Function", "arn", fmt.Sprint(m.Input("functionName")))
		if q == nil || fn == nil {
			v = append(v, m.String()+": queue or function not in the stack")
			continue
		}
		vis, _ := q.Input("visibilityTimeoutSeconds").(float64)
		timeout, _ := fn.Input("timeout").(float64)
		if timeout == 0 || vis < 6*timeout {
			v = append(v, fmt.Sprintf("%s: visibility %vs < 6 x %s timeout %vs", q, vis, fn, timeout))
		}
		if types, _ := m.Input("functionResponseTypes").([]interface{}); !slices.Contains(types, interface{}("ReportBatchItemFailures")) {
			v = append(v, m.String()+" does not report batch item failures")
		}
		if m.Input("batchSize") != 10.0 {
			v = append(v, fmt.Sprintf("%s: batch size %v, want 10", m, m.Input("batchSize")))
		}
	}
	return v
}

func pitrOn(g *pulumitest.Graph, _ string) []string {
	var v []string
	for _, tbl := range g.OfType("aws:dynamodb/table:Table") {
		if tbl.Input("pointInTimeRecovery", "enabled") != true {
			v = append(v, tbl.String()+" without point-in-time recovery")
		}
	}
	return v
}

func logRetentionSet(g *pulumitest.Graph, _ string) []string {
	var v []string
	groups := map[string]bool{}
	for _, lg := range g.OfType("aws:cloudwatch/logGroup:LogGroup") {
		if d, _ := lg.Input("retentionInDays").(float64); d <= 0 {
			v = append(v, lg.String()+" keeps logs forever")
		}
		groups[fmt.Sprint(lg.Input("name"))] = true
	}
	for _, fn := range g.OfType("aws:lambda/function:Function") {
		if name, _ := fn.Input("loggingConfig", "logGroup").(string); !groups[name] {
			v = append(v, fn.String()+" logs to a group the stack does not manage (no retention)")
		}
	}
	for _, td := range g.OfType("aws:ecs/taskDefinition:TaskDefinition") {
		var defs []struct {
			Name string `json:"name"`
			Log  struct {
				Driver  string            `json:"logDriver"`
				Options map[string]string `json:"options"`
			} `json:"logConfiguration"`
		}
		if err := json.Unmarshal([]byte(fmt.Sprint(td.Input("containerDefinitions"))), &defs); err != nil {
			v = append(v, td.String()+": unreadable container definitions")
		}
		for _, d := range defs {
			if d.Log.Driver != "awslogs" || !groups[d.Log.Options["awslogs-group"]] {
				v = append(v, fmt.Sprintf("%s: container %s logs outside the stack's log groups", td, d.Name))
			}
		}
	}
	return v
}

// stmt is an IAM statement, normalised.
type stmt struct {
	Effect    string
	Principal string // "*", "AWS:<arn>", "Service:<name>" or ""
	Actions   []string
	Resources []string
	Condition map[string]interface{}
}

// documents lists every IAM policy document of the graph, with whether it
// is a KMS key policy (where AWS requires Resource "*").
func documents(g *pulumitest.Graph) (docs []struct {
	owner  *pulumitest.Resource
	doc    interface{}
	keyPol bool
}) {
	add := func(r *pulumitest.Resource, key string, keyPol bool) {
		if d := r.Input(key); d != nil {
			docs = append(docs, struct {
				owner  *pulumitest.Resource
				doc    interface{}
				keyPol bool
			}{r, d, keyPol})
		}
	}
	for _, r := range g.All() {
		switch r.Type {
		case "aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:sqs/queuePolicy:QueuePolicy",
			"aws:sns/topicPolicy:TopicPolicy", "aws:s3/bucketPolicy:BucketPolicy":
			add(r, "policy", false)
		case "aws:iam/role:Role":
			add(r, "assumeRolePolicy", false)
		case "aws:kms/key:Key":
			add(r, "policy", true)
		}
	}
	return docs
}

// awsRequiresStar are actions without resource-level permissions: ECR's
// login, and the network-interface actions Lambda needs to attach a
// function to its subnets (AWS's AWSLambdaVPCAccessExecutionRole).
var awsRequiresStar = []string{
	"ecr:GetAuthorizationToken",
	"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
	"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
}

func noWildcardIAM(g *pulumitest.Graph, _ string) []string {
	var v []string
	if len(g.OfType("aws:iam/policy:Policy")) > 0 {
		v = append(v, "managed policies found: grants belong in the role's inline policy")
	}
	for _, r := range g.OfType("aws:iam/role:Role") {
		if arns, _ := r.Input("managedPolicyArns").([]interface{}); len(arns) > 0 {
			v = append(v, r.String()+" attaches managed policies")
		}
	}
	for _, d := range documents(g) {
		for _, st := range statements(d.doc) {
			if st.Effect != "Allow" {
				continue
			}
			rootOfAccount := strings.HasPrefix(st.Principal, "AWS:arn:aws:iam::") && strings.HasSuffix(st.Principal, ":root")
			for _, a := range st.Actions {
				// AWS's default key policy: the account administers its own key.
				accountAdminsKey := d.keyPol && rootOfAccount && a == "kms:*"
				if !accountAdminsKey && (a == "*" || strings.HasSuffix(a, ":*")) {
					v = append(v, fmt.Sprintf("%s allows action %s", d.owner, a))
				}
			}
			for _, res := range st.Resources {
				if res != "*" || d.keyPol {
					continue
				}
				for _, a := range st.Actions {
					if !slices.Contains(awsRequiresStar, a) {
						v = append(v, fmt.Sprintf("%s allows %s on every resource", d.owner, a))
					}
				}
			}
			if st.Principal == "*" {
				v = append(v, d.owner.String()+" allows any principal")
			}
		}
	}
	return v
}

func tasksInPrivateSubnets(g *pulumitest.Graph, _ string) []string {
	var v []string
	vpc := g.Find("awsx:ec2:Vpc", "network")
	if vpc == nil {
		return []string{"no VPC"}
	}
	private := map[string]bool{}
	for _, s := range vpc.Output("privateSubnetIds").([]interface{}) {
		private[s.(string)] = true
	}
	for _, svc := range g.OfType("aws:ecs/service:Service") {
		subnets, _ := svc.Input("networkConfiguration", "subnets").([]interface{})
		if len(subnets) == 0 {
			v = append(v, svc.String()+" names no subnets")
		}
		for _, s := range subnets {
			if !private[s.(string)] {
				v = append(v, fmt.Sprintf("%s runs in non-private subnet %v", svc, s))
			}
		}
		if svc.Input("networkConfiguration", "assignPublicIp") != false {
			v = append(v, svc.String()+" may get public IPs")
		}
	}
	return v
}

func httpRedirects(g *pulumitest.Graph, _ string) []string {
	var v []string
	listeners := g.OfType("aws:lb/listener:Listener")
	if len(listeners) == 0 {
		return []string{"no listeners"}
	}
	for _, l := range listeners {
		switch l.Input("protocol") {
		case "HTTP":
			acts, _ := l.Input("defaultActions").([]interface{})
			ok := len(acts) == 1 && dig(acts[0], "type") == "redirect" &&
				dig(acts[0], "redirect", "protocol") == "HTTPS" && dig(acts[0], "redirect", "statusCode") == "HTTP_301"
			if !ok {
				v = append(v, l.String()+" serves plain HTTP instead of redirecting to HTTPS")
			}
			for _, rule := range g.OfType("aws:lb/listenerRule:ListenerRule") {
				if rule.Input("listenerArn") == l.Output("arn") {
					v = append(v, rule.String()+" routes plain HTTP")
				}
			}
		case "HTTPS":
			if p, _ := l.Input("sslPolicy").(string); !strings.Contains(p, "TLS13") {
				v = append(v, fmt.Sprintf("%s uses SSL policy %v", l, p))
			}
		default:
			v = append(v, fmt.Sprintf("%s speaks %v", l, l.Input("protocol")))
		}
	}
	return v
}

func natPerAZInProd(g *pulumitest.Graph, stack string) []string {
	want := "Single"
	if stack == "prod" {
		want = "OnePerAz"
	}
	vpc := g.Find("awsx:ec2:Vpc", "network")
	if vpc == nil {
		return []string{"no VPC"}
	}
	if got := vpc.Input("natGateways", "strategy"); got != want {
		return []string{fmt.Sprintf("%s NAT strategy %v, want %s", stack, got, want)}
	}
	if vpc.Input("numberOfAvailabilityZones") != 2.0 {
		return []string{fmt.Sprintf("VPC spans %v AZs, want 2", vpc.Input("numberOfAvailabilityZones"))}
	}
	return nil
}

func requiredTags(g *pulumitest.Graph, stack string) []string {
	var v []string
	// The stack's region's provider and us-east-1's (CloudFront's
	// certificate and web ACL), both tagged.
	provs := g.OfType("pulumi:providers:aws")
	if len(provs) == 0 || len(provs) > 2 {
		return []string{fmt.Sprintf("%d aws providers, want the stack's and us-east-1's", len(provs))}
	}
	tagged := map[string]bool{}
	for _, prov := range provs {
		tags, _ := prov.Input("defaultTags", "tags").(map[string]interface{})
		for _, k := range RequiredTags {
			if s, _ := tags[k].(string); s == "" {
				v = append(v, prov.Name+"'s default tags lack "+k)
			}
		}
		if tags["stack"] != stack {
			v = append(v, fmt.Sprintf("%s: stack tag %v, want %s", prov.Name, tags["stack"], stack))
		}
		tagged[prov.URN+"::"+prov.ID] = true
	}
	for _, r := range g.All() {
		switch {
		case strings.HasPrefix(r.Type, "aws:") && !tagged[r.Provider]:
			v = append(v, r.String()+" does not use a tagged provider")
		case strings.HasPrefix(r.Type, "awsx:") && !tagged[r.Providers["aws"]]:
			v = append(v, r.String()+" does not hand a tagged provider to its children")
		}
	}
	return v
}

func subscriptionsScoped(g *pulumitest.Graph, _ string) []string {
	var v []string
	for _, s := range g.OfType("aws:sns/topicSubscription:TopicSubscription") {
		if s.Input("protocol") != "sqs" {
			continue
		}
		if s.Input("rawMessageDelivery") != true {
			v = append(v, s.String()+" without raw message delivery")
		}
		q := g.ByOutput("aws:sqs/queue:Queue", "arn", fmt.Sprint(s.Input("endpoint")))
		if q == nil {
			v = append(v, s.String()+" delivers to a queue outside the stack")
			continue
		}
		var pol *pulumitest.Resource
		for _, p := range g.OfType("aws:sqs/queuePolicy:QueuePolicy") {
			if p.Input("queueUrl") == q.Output("url") {
				pol = p
			}
		}
		if pol == nil {
			v = append(v, q.String()+" has no queue policy")
			continue
		}
		raw, _ := pol.Input("policy").(string)
		if !strings.Contains(raw, `"aws:SourceArn"`) || !strings.Contains(raw, fmt.Sprint(s.Input("topic"))) {
			v = append(v, pol.String()+" does not limit senders to the subscribed topic "+fmt.Sprint(s.Input("topic")))
		}
	}
	return v
}

// statements parses a policy document (a JSON string).
func statements(doc interface{}) []stmt {
	raw, _ := doc.(string)
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(raw), &d) != nil {
		return []stmt{{Effect: "Allow", Actions: []string{"unreadable policy"}, Resources: []string{"*"}}}
	}
	var list []map[string]interface{}
	if json.Unmarshal(d.Statement, &list) != nil {
		var one map[string]interface{}
		_ = json.Unmarshal(d.Statement, &one)
		list = []map[string]interface{}{one}
	}
	var out []stmt
	for _, s := range list {
		st := stmt{Effect: fmt.Sprint(s["Effect"]), Actions: strs(s["Action"]), Resources: strs(s["Resource"])}
		st.Condition, _ = s["Condition"].(map[string]interface{})
		switch p := s["Principal"].(type) {
		case string:
			st.Principal = p
		case map[string]interface{}:
			for k, val := range p {
				st.Principal = k + ":" + strings.Join(strs(val), ",")
			}
		}
		out = append(out, st)
	}
	return out
}

func strs(v interface{}) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []interface{}:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

// dig walks maps by key and slices by index ("0").
func dig(v interface{}, path ...string) interface{} {
	for _, k := range path {
		switch x := v.(type) {
		case map[string]interface{}:
			v = x[k]
		case []interface{}:
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func capacityProvider(svc *pulumitest.Resource) string {
	s, _ := dig(svc.Input("capacityProviderStrategies"), "0", "capacityProvider").(string)
	return s
}

func serviceOfType(typ string) string {
	parts := strings.Split(typ, ":")
	if len(parts) != 3 {
		return ""
	}
	svc, _, _ := strings.Cut(parts[1], "/")
	return svc
}

// fargateCPUs maps a Fargate task's CPU units to the memory sizes (MB) AWS
// offers with it.
func fargateMemory(cpu int) []int {
	var out []int
	switch cpu {
	case 256:
		return []int{512, 1024, 2048}
	case 512, 1024, 2048, 4096:
		lo, hi := map[int][2]int{512: {1, 4}, 1024: {2, 8}, 2048: {4, 16}, 4096: {8, 30}}[cpu][0], map[int][2]int{512: {1, 4}, 1024: {2, 8}, 2048: {4, 16}, 4096: {8, 30}}[cpu][1]
		for gb := lo; gb <= hi; gb++ {
			out = append(out, gb*1024)
		}
	case 8192:
		for gb := 16; gb <= 60; gb += 4 {
			out = append(out, gb*1024)
		}
	case 16384:
		for gb := 32; gb <= 120; gb += 8 {
			out = append(out, gb*1024)
		}
	}
	return out
}

func fargatePairs(g *pulumitest.Graph, _ string) []string {
	var v []string
	for _, td := range g.OfType("aws:ecs/taskDefinition:TaskDefinition") {
		var cpu, mem int
		_, _ = fmt.Sscan(fmt.Sprint(td.Input("cpu")), &cpu)
		_, _ = fmt.Sscan(fmt.Sprint(td.Input("memory")), &mem)
		if !slices.Contains(fargateMemory(cpu), mem) {
			v = append(v, fmt.Sprintf("%s: %d CPU units with %d MB is not a Fargate size", td, cpu, mem))
		}
	}
	return v
}

// taskOf returns a service's task definition.
func taskOf(g *pulumitest.Graph, svc *pulumitest.Resource) *pulumitest.Resource {
	return g.ByOutput("aws:ecs/taskDefinition:TaskDefinition", "arn", fmt.Sprint(svc.Input("taskDefinition")))
}

func noARM64OnSpot(g *pulumitest.Graph, _ string) []string {
	var v []string
	for _, svc := range g.OfType("aws:ecs/service:Service") {
		if capacityProvider(svc) != "FARGATE_SPOT" {
			continue
		}
		td := taskOf(g, svc)
		if td == nil {
			v = append(v, svc.String()+": task definition not in the stack")
			continue
		}
		if arch := td.Input("runtimePlatform", "cpuArchitecture"); arch != "X86_64" {
			v = append(v, fmt.Sprintf("%s runs %v tasks on FARGATE_SPOT, which runs X86_64 only", svc, arch))
		}
	}
	return v
}

func servicesWaitForCapacity(g *pulumitest.Graph, _ string) []string {
	var v []string
	cps := g.OfType("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
	for _, svc := range g.OfType("aws:ecs/service:Service") {
		if !slices.ContainsFunc(cps, func(cp *pulumitest.Resource) bool { return slices.Contains(svc.Dependencies, cp.URN) }) {
			v = append(v, svc.String()+" does not depend on its cluster's capacity providers")
		}
	}
	return v
}

// nameInputs are the inputs giving a resource a name AWS keeps unique.
var nameInputs = map[string]string{
	"aws:ecs/cluster:Cluster": "name", "aws:ecs/service:Service": "name", "aws:lambda/function:Function": "name",
	"aws:cloudwatch/logGroup:LogGroup": "name", "aws:sqs/queue:Queue": "name", "aws:sns/topic:Topic": "name",
	"aws:kms/alias:Alias": "name", "aws:cloudwatch/dashboard:Dashboard": "dashboardName", "aws:budgets/budget:Budget": "name",
	"aws:cognito/userPoolDomain:UserPoolDomain": "domain", "aws:cognito/userGroup:UserGroup": "name",
	// Stateful: a replacement must fail rather than delete the data first.
	"aws:dynamodb/table:Table": "", "aws:s3/bucketV2:BucketV2": "", "aws:cognito/userPool:UserPool": "",
	"aws:secretsmanager/secret:Secret": "", "aws:ecr/repository:Repository": "",
	// Records take over their name instead (recordsOverwrite).
	"aws:route53/record:Record": "",
}

func namedDeleteBeforeReplace(g *pulumitest.Graph, _ string) []string {
	var v []string
	for _, r := range g.All() {
		key, known := nameInputs[r.Type]
		if !r.Custom || !known || key == "" || r.Input(key) == nil {
			continue
		}
		if !r.DeleteBeforeReplace {
			v = append(v, fmt.Sprintf("%s is named %v but a replacement would create it before deleting the old one (name collision)", r, r.Input(key)))
		}
	}
	for _, r := range g.All() {
		if r.Custom && strings.HasPrefix(r.Type, "aws:") && r.Input("name") != nil && !slices.Contains([]string{"aws:iam/rolePolicy:RolePolicy",
			"aws:ecs/taskDefinition:TaskDefinition", "aws:cognito/userPoolClient:UserPoolClient"}, r.Type) {
			if _, known := nameInputs[r.Type]; !known {
				v = append(v, r.String()+": a named type the policy does not rule on yet (add it to nameInputs)")
			}
		}
	}
	return v
}

func recordsOverwrite(g *pulumitest.Graph, _ string) []string {
	var v []string
	for _, r := range g.OfType("aws:route53/record:Record") {
		if r.Input("allowOverwrite") != true {
			v = append(v, r.String()+" fails when the zone already holds the record")
		}
	}
	return v
}

func readersMayList(g *pulumitest.Graph, _ string) []string {
	var v []string
	for _, b := range g.OfType("aws:s3/bucketV2:BucketV2") {
		arn := fmt.Sprint(b.Output("arn"))
		for _, p := range g.OfType("aws:iam/rolePolicy:RolePolicy") {
			reads, lists := false, false
			for _, st := range statements(p.Input("policy")) {
				for _, res := range st.Resources {
					if strings.HasPrefix(res, arn+"/") && slices.Contains(st.Actions, "s3:GetObject") {
						reads = true
					}
					if res == arn && slices.Contains(st.Actions, "s3:ListBucket") && len(st.Condition) == 0 {
						lists = true
					}
				}
			}
			if reads && !lists {
				v = append(v, p.String()+" reads "+b.Name+" without an unconditioned s3:ListBucket: a missing key answers 403")
			}
		}
	}
	return v
}

func cloudWatchKeyStatement(g *pulumitest.Graph, _ string) []string {
	var v []string
	for _, k := range g.OfType("aws:kms/key:Key") {
		for _, st := range statements(k.Input("policy")) {
			if st.Principal != "Service:cloudwatch.amazonaws.com" {
				continue
			}
			if len(st.Condition) > 0 || !slices.Equal(st.Actions, []string{"kms:Decrypt", "kms:GenerateDataKey*"}) {
				v = append(v, fmt.Sprintf("%s: CloudWatch's statement %+v is not AWS's documented one (kms:Decrypt, kms:GenerateDataKey*, no condition)", k, st))
			}
		}
	}
	return v
}

func lambdasInPrivateSubnets(g *pulumitest.Graph, _ string) []string {
	var v []string
	vpc := g.Find("awsx:ec2:Vpc", "network")
	if vpc == nil {
		return []string{"no VPC"}
	}
	private := fmt.Sprint(vpc.Output("privateSubnetIds"))
	for _, fn := range g.OfType("aws:lambda/function:Function") {
		subnets, sgs := fn.Input("vpcConfig", "subnetIds"), fn.Input("vpcConfig", "securityGroupIds")
		if fmt.Sprint(subnets) != private || sgs == nil {
			v = append(v, fmt.Sprintf("%s runs in subnets %v with groups %v, want the private subnets %s", fn, subnets, sgs, private))
		}
	}
	return v
}

func noSecretInLambdaEnv(g *pulumitest.Graph, _ string) []string {
	var v []string
	for _, fn := range g.OfType("aws:lambda/function:Function") {
		vars, _ := fn.Input("environment", "variables").(map[string]interface{})
		for k, val := range vars {
			if val == pulumitest.Redacted {
				v = append(v, fmt.Sprintf("%s holds the secret %s in its environment: give it %s and read it at cold start", fn, k, deploy.SecretARNVar(k)))
			}
		}
	}
	return v
}

func schedulesValid(g *pulumitest.Graph, _ string) []string {
	var v []string
	for _, r := range g.OfType("aws:cloudwatch/eventRule:EventRule") {
		if s, ok := r.Input("scheduleExpression").(string); ok {
			if err := platform.ValidSchedule(s); err != nil {
				v = append(v, r.String()+": "+err.Error())
			}
		}
	}
	return v
}

func memoryAndDepthAlarms(g *pulumitest.Graph, _ string) []string {
	var v []string
	alarms := g.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")
	watched := func(metric, dim string, value interface{}) bool {
		return slices.ContainsFunc(alarms, func(a *pulumitest.Resource) bool {
			return a.Input("metricName") == metric && a.Input("dimensions", dim) == value && len(fmt.Sprint(a.Input("alarmActions"))) > 2 &&
				!strings.Contains(fmt.Sprint(a.Input("alarmActions")), "appautoscaling")
		})
	}
	for _, svc := range g.OfType("aws:ecs/service:Service") {
		if !watched("MemoryUtilization", "ServiceName", svc.Input("name")) {
			v = append(v, svc.String()+" has no memory alarm")
		}
	}
	for _, q := range g.OfType("aws:sqs/queue:Queue") {
		if strings.HasSuffix(q.Name, "-dlq") {
			continue
		}
		if !watched("ApproximateNumberOfMessagesVisible", "QueueName", q.Input("name")) {
			v = append(v, q.String()+" has no queue-depth alarm")
		}
	}
	return v
}

func dashboardOverview(g *pulumitest.Graph, stack string) []string {
	want := "buylink-" + stack + "-overview"
	for _, d := range g.OfType("aws:cloudwatch/dashboard:Dashboard") {
		if d.Input("dashboardName") == want {
			return nil
		}
	}
	return []string{"no dashboard named " + want}
}

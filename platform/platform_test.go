package platform_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/buylink/buylink/platform"
	"github.com/buylink/buylink/platform/pulumitest"
)

// run runs program under the mocks and fails the test on error.
func run(t *testing.T, program pulumi.RunFunc) *pulumitest.Graph {
	t.Helper()
	g, err := pulumitest.Run(program, pulumitest.Options{Project: "test", Stack: "unit"})
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}
	return g
}

// runErr runs program and returns its error, failing if there is none.
func runErr(t *testing.T, program pulumi.RunFunc) error {
	t.Helper()
	_, err := pulumitest.Run(program, pulumitest.Options{Project: "test", Stack: "unit"})
	if err == nil {
		t.Fatal("the program succeeded; want an error")
	}
	return err
}

// mustFail runs program and fails the test unless it returns an error.
func mustFail(t *testing.T, program pulumi.RunFunc) {
	t.Helper()
	_ = runErr(t, program)
}

func find(t *testing.T, g *pulumitest.Graph, typ, name string) *pulumitest.Resource {
	t.Helper()
	r := g.Find(typ, name)
	if r == nil {
		var have []string
		for _, x := range g.OfType(typ) {
			have = append(have, x.Name)
		}
		t.Fatalf("no %s %q (have %v)", typ, name, have)
	}
	return r
}

// jsonInput decodes a JSON-document input (a policy, container definitions).
func jsonInput(t *testing.T, r *pulumitest.Resource, key string, v interface{}) {
	t.Helper()
	s, ok := r.Input(key).(string)
	if !ok {
		t.Fatalf("%s: %s is %T, want a JSON string", r, key, r.Input(key))
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%s: %s: %v", r, key, err)
	}
}

// fixture is a small deployment using every component, the shape the stacks
// program builds.
type fixture struct {
	net     *platform.Network
	cluster *platform.Cluster
	lb      *platform.LoadBalancer
	topic   *platform.EventTopic
	out     *platform.EventTopic
	table   *platform.Table
	bucket  *platform.MediaBucket
	secrets *platform.Secrets
	image   *platform.ContainerImage
}

func newFixture(ctx *pulumi.Context) (*fixture, error) {
	f := &fixture{}
	var err error
	if f.net, err = platform.NewNetwork(ctx, "net", platform.NetworkArgs{}); err != nil {
		return nil, err
	}
	if f.cluster, err = platform.NewCluster(ctx, "cluster", platform.ClusterArgs{}); err != nil {
		return nil, err
	}
	if f.lb, err = platform.NewLoadBalancer(ctx, "web", platform.LoadBalancerArgs{
		VpcID: f.net.VpcID, SubnetIDs: f.net.PublicSubnetIDs, Domain: "shop.example.com", HostedZoneID: "Z123EXAMPLE",
	}); err != nil {
		return nil, err
	}
	if f.topic, err = platform.NewEventTopic(ctx, "thing-happened", platform.EventTopicArgs{}); err != nil {
		return nil, err
	}
	if f.out, err = platform.NewEventTopic(ctx, "thing-done", platform.EventTopicArgs{}); err != nil {
		return nil, err
	}
	if f.table, err = platform.NewTable(ctx, "data", platform.TableArgs{
		Attributes: []platform.KeyAttribute{{Name: "pk", Type: "S"}, {Name: "sk", Type: "S"}, {Name: "g1", Type: "S"}},
		HashKey:    "pk", RangeKey: "sk", TTLAttribute: "ttl",
		Indexes: []platform.GlobalIndex{{Name: "byG1", HashKey: "g1"}},
	}); err != nil {
		return nil, err
	}
	if f.bucket, err = platform.NewMediaBucket(ctx, "media", platform.MediaBucketArgs{}); err != nil {
		return nil, err
	}
	if f.secrets, err = platform.NewSecrets(ctx, "secrets", platform.SecretsArgs{
		Values:    map[string]pulumi.StringInput{"api-key": pulumi.ToSecret(pulumi.String("k")).(pulumi.StringOutput)},
		Generated: []string{"signing-key"},
	}); err != nil {
		return nil, err
	}
	if f.image, err = platform.NewContainerImage(ctx, "app", platform.ContainerImageArgs{Context: "..", Dockerfile: "../app/Dockerfile"}); err != nil {
		return nil, err
	}
	return f, nil
}

// inVPC places a function in the fixture's private subnets.
func (f *fixture) inVPC(a platform.FunctionArgs) platform.FunctionArgs {
	a.VpcID, a.SubnetIDs = f.net.VpcID, f.net.PrivateSubnetIDs
	if a.Code == nil {
		a.Code = lambdaCode()
	}
	return a
}

// lambdaIn is a Lambda worker's arguments in the fixture's private subnets.
func (f *fixture) lambdaIn(a platform.LambdaWorkerArgs) platform.LambdaWorkerArgs {
	a.VpcID, a.SubnetIDs = f.net.VpcID, f.net.PrivateSubnetIDs
	if a.Code == nil {
		a.Code = lambdaCode()
	}
	return a
}

func lambdaCode() pulumi.Archive {
	return pulumi.NewAssetArchive(map[string]interface{}{"bootstrap": pulumi.NewFileAsset("bin/does-not-exist/bootstrap")})
}

// Every component registers as buylink:platform:<Name>, and every resource
// it creates is its descendant.
func TestComponentsParentTheirChildren(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		if _, err := platform.NewHTTPService(ctx, "api", platform.HTTPServiceArgs{
			ContainerArgs: platform.ContainerArgs{Image: f.image.ImageURI, ImageRepositoryARN: f.image.RepositoryARN},
			Cluster:       f.cluster, VpcID: f.net.VpcID, SubnetIDs: f.net.PrivateSubnetIDs, LoadBalancer: f.lb,
			PathPatterns: []string{"/api/*"}, Priority: 10,
		}); err != nil {
			return err
		}
		w, err := platform.NewQueueWorker(ctx, "worker", platform.QueueWorkerArgs{
			Topics: []*platform.EventTopic{f.topic}, Lambda: f.lambdaIn(platform.LambdaWorkerArgs{}),
		})
		if err != nil {
			return err
		}
		if _, err := platform.NewQueueFunction(ctx, "drain", platform.QueueFunctionArgs{
			FunctionArgs: f.inVPC(platform.FunctionArgs{}), Queues: []pulumi.StringInput{w.Queue.DLQARN},
		}); err != nil {
			return err
		}
		if _, err := platform.NewScheduledFunction(ctx, "cron", platform.ScheduledFunctionArgs{
			FunctionArgs: f.inVPC(platform.FunctionArgs{}), Schedule: "rate(1 hour)",
		}); err != nil {
			return err
		}
		if _, err := platform.NewIdentity(ctx, "auth", platform.IdentityArgs{DomainPrefix: "test-auth", CallbackURLs: []string{"https://shop.example.com/cb"}}); err != nil {
			return err
		}
		if _, err := platform.NewMonitoring(ctx, "mon", platform.MonitoringArgs{AlertEmails: []string{"ops@example.com"}}); err != nil {
			return err
		}
		_, err = platform.NewBudget(ctx, "budget", platform.BudgetArgs{MonthlyLimitUSD: 10})
		return err
	})
	kinds := map[string]bool{}
	for _, r := range g.All() {
		if r.Type == "pulumi:pulumi:Stack" {
			continue
		}
		if strings.HasPrefix(r.Type, "buylink:platform:") {
			kinds[strings.TrimPrefix(r.Type, "buylink:platform:")] = true
			if r.Custom {
				t.Errorf("%s registered as a custom resource", r)
			}
			continue
		}
		p := g.ByURN(r.Parent)
		if p == nil || !strings.HasPrefix(p.Type, "buylink:platform:") {
			t.Errorf("%s is not parented to a platform component (parent %q)", r, r.Parent)
		}
	}
	for _, k := range []string{"Network", "Cluster", "LoadBalancer", "EventTopic", "Table", "MediaBucket", "Secrets", "ContainerImage",
		"HTTPService", "QueueWorker", "Queue", "QueueFunction", "ScheduledFunction", "Identity", "Monitoring", "Budget"} {
		if !kinds[k] {
			t.Errorf("no buylink:platform:%s registered", k)
		}
	}
}

func TestNetwork(t *testing.T) {
	for _, tc := range []struct {
		nat  platform.NatStrategy
		want string
	}{{"", "Single"}, {platform.NatSingle, "Single"}, {platform.NatOnePerAZ, "OnePerAz"}} {
		t.Run(string(tc.nat), func(t *testing.T) {
			g := run(t, func(ctx *pulumi.Context) error {
				_, err := platform.NewNetwork(ctx, "net", platform.NetworkArgs{Nat: tc.nat, InterfaceEndpoints: []string{"ecr.api"}})
				return err
			})
			vpc := find(t, g, "awsx:ec2:Vpc", "net")
			if got := vpc.Input("natGateways", "strategy"); got != tc.want {
				t.Errorf("NAT strategy %v, want %s", got, tc.want)
			}
			if vpc.Input("numberOfAvailabilityZones") != 2.0 || vpc.Input("cidrBlock") != "10.0.0.0/16" {
				t.Errorf("defaults: %v AZs, cidr %v", vpc.Input("numberOfAvailabilityZones"), vpc.Input("cidrBlock"))
			}
			for _, svc := range []string{"s3", "dynamodb"} {
				ep := find(t, g, "aws:ec2/vpcEndpoint:VpcEndpoint", "net-"+svc)
				rts, _ := ep.Input("routeTableIds").([]interface{})
				if ep.Input("vpcEndpointType") != "Gateway" || len(rts) == 0 || ep.Input("serviceName") != "com.amazonaws.us-east-1."+svc {
					t.Errorf("%s endpoint: %v", svc, ep.Inputs)
				}
			}
			ep := find(t, g, "aws:ec2/vpcEndpoint:VpcEndpoint", "net-ecr.api")
			if ep.Input("vpcEndpointType") != "Interface" || ep.Input("privateDnsEnabled") != true {
				t.Errorf("interface endpoint: %v", ep.Inputs)
			}
			if subnets, _ := ep.Input("subnetIds").([]interface{}); len(subnets) != 2 || !strings.HasPrefix(subnets[0].(string), "subnet-") {
				t.Errorf("interface endpoint subnets %v, want the 2 private subnets", subnets)
			}
		})
	}
	err := runErr(t, func(ctx *pulumi.Context) error {
		_, err := platform.NewNetwork(ctx, "net", platform.NetworkArgs{Nat: "none"})
		return err
	})
	if !strings.Contains(err.Error(), `unknown NAT strategy "none"`) {
		t.Errorf("error %v", err)
	}
}

func TestClusterOffersFargateAndSpot(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error {
		_, err := platform.NewCluster(ctx, "c", platform.ClusterArgs{})
		return err
	})
	cl := find(t, g, "aws:ecs/cluster:Cluster", "c")
	if cl.Input("name") != "test-unit-c" {
		t.Errorf("cluster name %v", cl.Input("name"))
	}
	if fmt.Sprint(cl.Input("settings")) != "[map[name:containerInsights value:enabled]]" {
		t.Errorf("settings %v", cl.Input("settings"))
	}
	cp := find(t, g, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "c")
	if fmt.Sprint(cp.Input("capacityProviders")) != "[FARGATE FARGATE_SPOT]" {
		t.Errorf("capacity providers %v", cp.Input("capacityProviders"))
	}
}

func TestLoadBalancer(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error { _, err := newFixture(ctx); return err })
	http := find(t, g, "aws:lb/listener:Listener", "web-http")
	if http.Input("port") != 80.0 || fmt.Sprint(http.Input("defaultActions")) != "[map[redirect:map[port:443 protocol:HTTPS statusCode:HTTP_301] type:redirect]]" {
		t.Errorf("HTTP listener: %v", http.Inputs)
	}
	https := find(t, g, "aws:lb/listener:Listener", "web-https")
	valid := find(t, g, "aws:acm/certificateValidation:CertificateValidation", "web")
	if https.Input("certificateArn") != valid.Input("certificateArn") || https.Input("sslPolicy") != platform.DefaultSSLPolicy {
		t.Errorf("HTTPS listener: %v", https.Inputs)
	}
	rec := find(t, g, "aws:route53/record:Record", "web-cert-validation")
	if fqdns := valid.Input("validationRecordFqdns").([]interface{}); fqdns[0] != rec.Output("fqdn") || fqdns[0] == "" {
		t.Errorf("validation waits for %v, record is %v", fqdns, rec.Output("fqdn"))
	}
	alias := find(t, g, "aws:route53/record:Record", "web-alias")
	if alias.Input("name") != "shop.example.com" || alias.Input("type") != "A" || alias.Input("allowOverwrite") != true {
		t.Errorf("alias record %v", alias.Inputs)
	}

	// With a certificate given, none is requested and no DNS is managed.
	g = run(t, func(ctx *pulumi.Context) error {
		_, err := platform.NewLoadBalancer(ctx, "web", platform.LoadBalancerArgs{
			VpcID: pulumi.String("vpc-1"), SubnetIDs: pulumi.ToStringArray([]string{"subnet-1", "subnet-2"}),
			Domain: "shop.example.com", CertificateARN: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
		})
		return err
	})
	if len(g.OfType("aws:acm/certificate:Certificate")) != 0 || len(g.OfType("aws:route53/record:Record")) != 0 {
		t.Error("a certificate or records were created although a certificate was given")
	}
	if find(t, g, "aws:lb/listener:Listener", "web-https").Input("certificateArn") != "arn:aws:acm:us-east-1:123456789012:certificate/abc" {
		t.Error("the given certificate is not used")
	}
	for _, args := range []platform.LoadBalancerArgs{{}, {Domain: "shop.example.com"}} {
		mustFail(t, func(ctx *pulumi.Context) error { _, err := platform.NewLoadBalancer(ctx, "web", args); return err })
	}
}

func TestHTTPService(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		_, err = platform.NewHTTPService(ctx, "api", platform.HTTPServiceArgs{
			ContainerArgs: platform.ContainerArgs{
				Image: f.image.ImageURI, ImageRepositoryARN: f.image.RepositoryARN,
				Environment: map[string]pulumi.StringInput{"ADDR": pulumi.String(":8080"), "STORE_URL": pulumi.Sprintf("dynamodb://%s", f.table.Name)},
				Secrets:     f.secrets.Env("api-key", "not-declared"),
				Statements:  []platform.Statement{f.table.ReadWrite()},
			},
			Cluster: f.cluster, VpcID: f.net.VpcID, SubnetIDs: f.net.PrivateSubnetIDs, LoadBalancer: f.lb,
			PathPatterns: []string{"/api/videos*"}, Priority: 10, DesiredCount: 2,
		})
		return err
	})
	tg := find(t, g, "aws:lb/targetGroup:TargetGroup", "api")
	if tg.Input("healthCheck", "path") != "/healthz" || tg.Input("targetType") != "ip" || tg.Input("port") != 8080.0 {
		t.Errorf("target group %v", tg.Inputs)
	}
	rule := find(t, g, "aws:lb/listenerRule:ListenerRule", "api")
	if rule.Input("listenerArn") != find(t, g, "aws:lb/listener:Listener", "web-https").Output("arn") ||
		fmt.Sprint(rule.Input("conditions")) != "[map[pathPattern:map[values:[/api/videos*]]]]" || rule.Input("priority") != 10.0 {
		t.Errorf("listener rule %v", rule.Inputs)
	}
	target := find(t, g, "aws:appautoscaling/target:Target", "api")
	if target.Input("minCapacity") != 2.0 || target.Input("maxCapacity") != 8.0 {
		t.Errorf("autoscaling %v..%v, want 2..8", target.Input("minCapacity"), target.Input("maxCapacity"))
	}
	pol := find(t, g, "aws:appautoscaling/policy:Policy", "api-cpu")
	if pol.Input("targetTrackingScalingPolicyConfiguration", "targetValue") != 70.0 {
		t.Errorf("CPU target %v", pol.Input("targetTrackingScalingPolicyConfiguration"))
	}
	var defs []map[string]interface{}
	jsonInput(t, find(t, g, "aws:ecs/taskDefinition:TaskDefinition", "api"), "containerDefinitions", &defs)
	c := defs[0]
	if c["readonlyRootFilesystem"] != true || fmt.Sprint(c["portMappings"]) != "[map[containerPort:8080 protocol:tcp]]" {
		t.Errorf("container %v", c)
	}
	env := map[string]string{}
	for _, e := range c["environment"].([]interface{}) {
		m := e.(map[string]interface{})
		env[m["name"].(string)] = m["value"].(string)
	}
	if env["ADDR"] != ":8080" || env["STORE_URL"] != "dynamodb://test-unit-data" {
		t.Errorf("environment %v", env)
	}
	apiKey := find(t, g, "aws:secretsmanager/secret:Secret", "api-key").Output("arn")
	if fmt.Sprint(c["secrets"]) != fmt.Sprintf("[map[name:API_KEY valueFrom:%v]]", apiKey) {
		t.Errorf("secrets %v, want API_KEY from %v only", c["secrets"], apiKey)
	}
	var execPolicy struct{ Statement []map[string]interface{} }
	jsonInput(t, find(t, g, "aws:iam/rolePolicy:RolePolicy", "api-execution"), "policy", &execPolicy)
	if got := fmt.Sprint(execPolicy.Statement[len(execPolicy.Statement)-1]); !strings.Contains(got, "secretsmanager:GetSecretValue") || !strings.Contains(got, fmt.Sprint(apiKey)) {
		t.Errorf("the execution role may not inject the secret: %s", got)
	}
	if lg := c["logConfiguration"].(map[string]interface{})["options"].(map[string]interface{})["awslogs-group"]; lg != "/test/unit/api" {
		t.Errorf("log group %v", lg)
	}
	svc := find(t, g, "aws:ecs/service:Service", "api")
	if svc.Input("networkConfiguration", "assignPublicIp") != false || fmt.Sprint(svc.Input("capacityProviderStrategies")) != "[map[base:0 capacityProvider:FARGATE weight:1]]" {
		t.Errorf("service %v", svc.Inputs)
	}
	// The service waits for the cluster's capacity providers, and a
	// replacement frees its name first.
	if cp := find(t, g, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "cluster"); !slices.Contains(svc.Dependencies, cp.URN) {
		t.Errorf("service does not depend on %s: %v", cp.URN, svc.Dependencies)
	}
	if !svc.DeleteBeforeReplace {
		t.Error("the named service is not deleted before it is replaced")
	}
	sg := find(t, g, "aws:ec2/securityGroup:SecurityGroup", "api")
	albSG := find(t, g, "aws:ec2/securityGroup:SecurityGroup", "web")
	if got := fmt.Sprint(sg.Input("ingress")); !strings.Contains(got, albSG.ID) || strings.Contains(got, "0.0.0.0/0") {
		t.Errorf("task ingress %s, want only from the load balancer's group %s", got, albSG.ID)
	}
	var taskPolicy struct{ Statement []map[string]interface{} }
	jsonInput(t, find(t, g, "aws:iam/rolePolicy:RolePolicy", "api-task"), "policy", &taskPolicy)
	if len(taskPolicy.Statement) != 1 || !strings.Contains(fmt.Sprint(taskPolicy.Statement[0]["Resource"]), "table/test-unit-data") {
		t.Errorf("task policy %v", taskPolicy)
	}

	for name, args := range map[string]platform.HTTPServiceArgs{
		"no patterns":  {PathPatterns: nil, Priority: 1},
		"six patterns": {PathPatterns: []string{"/a", "/b", "/c", "/d", "/e", "/f"}, Priority: 1},
		"priority 0":   {PathPatterns: []string{"/a"}},
	} {
		t.Run(name, func(t *testing.T) {
			mustFail(t, func(ctx *pulumi.Context) error {
				f, err := newFixture(ctx)
				if err != nil {
					return err
				}
				args.Cluster, args.LoadBalancer = f.cluster, f.lb
				args.Image, args.ImageRepositoryARN = f.image.ImageURI, f.image.RepositoryARN
				_, err = platform.NewHTTPService(ctx, "api", args)
				return err
			})
		})
	}
}

func TestQueue(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		_, err = platform.NewQueue(ctx, "q", platform.QueueArgs{Topics: []*platform.EventTopic{f.topic, f.out}})
		return err
	})
	q := find(t, g, "aws:sqs/queue:Queue", "q")
	dlq := find(t, g, "aws:sqs/queue:Queue", "q-dlq")
	var rp map[string]interface{}
	jsonInput(t, q, "redrivePolicy", &rp)
	if rp["deadLetterTargetArn"] != dlq.Output("arn") || rp["maxReceiveCount"] != 3.0 {
		t.Errorf("redrive %v", rp)
	}
	for _, r := range []*pulumitest.Resource{q, dlq} {
		if r.Input("messageRetentionSeconds") != float64(14*24*3600) || r.Input("sqsManagedSseEnabled") != true {
			t.Errorf("%s: retention %v, SSE %v", r, r.Input("messageRetentionSeconds"), r.Input("sqsManagedSseEnabled"))
		}
	}
	if q.Input("visibilityTimeoutSeconds") != 180.0 || q.Input("name") != "test-unit-q" {
		t.Errorf("queue %v", q.Inputs)
	}
	var pol struct{ Statement []map[string]interface{} }
	jsonInput(t, find(t, g, "aws:sqs/queuePolicy:QueuePolicy", "q"), "policy", &pol)
	src := fmt.Sprint(pol.Statement[0]["Condition"])
	for _, topic := range []string{"thing-happened", "thing-done"} {
		if !strings.Contains(src, "arn:aws:sns:us-east-1:123456789012:test-unit-"+topic) {
			t.Errorf("queue policy does not admit %s: %s", topic, src)
		}
	}
	for i := 0; i < 2; i++ {
		sub := find(t, g, "aws:sns/topicSubscription:TopicSubscription", fmt.Sprintf("q-%d", i))
		if sub.Input("rawMessageDelivery") != true || sub.Input("endpoint") != q.Output("arn") {
			t.Errorf("subscription %v", sub.Inputs)
		}
	}
	var allow map[string]interface{}
	jsonInput(t, find(t, g, "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "q-dlq"), "redriveAllowPolicy", &allow)
	if fmt.Sprint(allow["sourceQueueArns"]) != fmt.Sprintf("[%v]", q.Output("arn")) {
		t.Errorf("redrive allow policy %v", allow)
	}
	mustFail(t, func(ctx *pulumi.Context) error {
		_, err := platform.NewQueue(ctx, "q", platform.QueueArgs{})
		return err
	})
}

func TestQueueWorkerOnLambda(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		_, err = platform.NewQueueWorker(ctx, "w", platform.QueueWorkerArgs{
			Topics: []*platform.EventTopic{f.topic}, Statements: []platform.Statement{f.out.Publish()},
			Bind: func(q *platform.Queue) (platform.QueueBinding, error) {
				return platform.QueueBinding{
					Environment: map[string]pulumi.StringInput{"DEADLETTER_URL": q.DLQTopicURL}, Statements: []platform.Statement{q.SendToDLQ()},
				}, nil
			},
			Lambda: f.lambdaIn(platform.LambdaWorkerArgs{TimeoutSeconds: 45}),
		})
		return err
	})
	fn := find(t, g, "aws:lambda/function:Function", "w")
	if fn.Input("runtime") != "provided.al2023" || fmt.Sprint(fn.Input("architectures")) != "[arm64]" || fn.Input("handler") != "bootstrap" ||
		fn.Input("timeout") != 45.0 || fn.Input("loggingConfig", "logGroup") != "/aws/lambda/test-unit-w" {
		t.Errorf("function %v", fn.Inputs)
	}
	if got := fmt.Sprint(fn.Input("code")); !strings.Contains(got, "bin/does-not-exist/bootstrap") {
		t.Errorf("code %s", got)
	}
	esm := find(t, g, "aws:lambda/eventSourceMapping:EventSourceMapping", "w")
	q := find(t, g, "aws:sqs/queue:Queue", "w")
	if esm.Input("batchSize") != 10.0 || fmt.Sprint(esm.Input("functionResponseTypes")) != "[ReportBatchItemFailures]" ||
		esm.Input("eventSourceArn") != q.Output("arn") {
		t.Errorf("event source mapping %v", esm.Inputs)
	}
	if q.Input("visibilityTimeoutSeconds") != 6*45.0 {
		t.Errorf("visibility %v, want 6 x 45", q.Input("visibilityTimeoutSeconds"))
	}
	var pol struct{ Statement []map[string]interface{} }
	jsonInput(t, find(t, g, "aws:iam/rolePolicy:RolePolicy", "w"), "policy", &pol)
	got := fmt.Sprint(pol.Statement)
	for _, want := range []string{"sqs:ReceiveMessage", fmt.Sprint(q.Output("arn")), "sns:Publish", "test-unit-thing-done", "logs:PutLogEvents",
		"sqs:SendMessage", "test-unit-w-dlq", "ec2:CreateNetworkInterface"} {
		if !strings.Contains(got, want) {
			t.Errorf("role policy lacks %s: %s", want, got)
		}
	}
	if dl := fn.Input("environment", "variables", "DEADLETTER_URL"); dl != "awssqs://sqs.us-east-1.amazonaws.com/123456789012/test-unit-w-dlq?region=us-east-1" {
		t.Errorf("DEADLETTER_URL %v", dl)
	}
	// In the private subnets, with its own group allowing no inbound traffic.
	if got := fmt.Sprint(fn.Input("vpcConfig", "subnetIds")); got != fmt.Sprint(find(t, g, "awsx:ec2:Vpc", "net").Output("privateSubnetIds")) {
		t.Errorf("function subnets %s", got)
	}
	if sg := find(t, g, "aws:ec2/securityGroup:SecurityGroup", "w"); sg.Input("ingress") != nil || fmt.Sprint(fn.Input("vpcConfig", "securityGroupIds")) != fmt.Sprintf("[%s]", sg.ID) {
		t.Errorf("function security group %v", sg.Inputs)
	}
	if len(g.OfType("aws:ecs/service:Service")) != 0 {
		t.Error("a Lambda worker created an ECS service")
	}
}

func TestQueueWorkerOnECSSpot(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		_, err = platform.NewQueueWorker(ctx, "w", platform.QueueWorkerArgs{
			Topics: []*platform.EventTopic{f.topic}, Runtime: platform.RuntimeECS,
			Bind: func(q *platform.Queue) (platform.QueueBinding, error) {
				return platform.QueueBinding{
					Environment: map[string]pulumi.StringInput{"SUBSCRIPTION_URL": q.SubscriptionURL},
					Secrets:     f.secrets.Env("api-key"),
				}, nil
			},
			ECS: platform.ECSWorkerArgs{
				ContainerArgs: platform.ContainerArgs{Image: f.image.ImageURI, ImageRepositoryARN: f.image.RepositoryARN},
				Cluster:       f.cluster, VpcID: f.net.VpcID, SubnetIDs: f.net.PrivateSubnetIDs,
				ProcessingTimeoutSeconds: 300, MaxTasks: 3, MessagesPerTask: 5,
			},
		})
		return err
	})
	svc := find(t, g, "aws:ecs/service:Service", "w")
	if fmt.Sprint(svc.Input("capacityProviderStrategies")) != "[map[base:0 capacityProvider:FARGATE_SPOT weight:1]]" || svc.Input("desiredCount") != 0.0 {
		t.Errorf("service %v", svc.Inputs)
	}
	if tgt := find(t, g, "aws:appautoscaling/target:Target", "w"); tgt.Input("minCapacity") != 0.0 || tgt.Input("maxCapacity") != 3.0 {
		t.Errorf("scaling %v..%v, want 0..3", tgt.Input("minCapacity"), tgt.Input("maxCapacity"))
	}
	steps := fmt.Sprint(find(t, g, "aws:appautoscaling/policy:Policy", "w-backlog").Input("stepScalingPolicyConfiguration", "stepAdjustments"))
	want := "[map[metricIntervalLowerBound:0 metricIntervalUpperBound:5 scalingAdjustment:1] " +
		"map[metricIntervalLowerBound:5 metricIntervalUpperBound:10 scalingAdjustment:2] " +
		"map[metricIntervalLowerBound:10 scalingAdjustment:3]]"
	if steps != want {
		t.Errorf("backlog steps\n got %s\nwant %s", steps, want)
	}
	alarm := find(t, g, "aws:cloudwatch/metricAlarm:MetricAlarm", "w-backlog")
	if alarm.Input("threshold") != 1.0 || fmt.Sprint(alarm.Input("alarmActions")) != fmt.Sprintf("[%v]", find(t, g, "aws:appautoscaling/policy:Policy", "w-backlog").Output("arn")) {
		t.Errorf("backlog alarm %v", alarm.Inputs)
	}
	if find(t, g, "aws:sqs/queue:Queue", "w").Input("visibilityTimeoutSeconds") != 1800.0 {
		t.Error("visibility is not 6 x the processing timeout")
	}
	var defs []map[string]interface{}
	jsonInput(t, find(t, g, "aws:ecs/taskDefinition:TaskDefinition", "w"), "containerDefinitions", &defs)
	if !strings.Contains(fmt.Sprint(defs[0]["environment"]), "awssqs://sqs.us-east-1.amazonaws.com/123456789012/test-unit-w?region=us-east-1&raw=true") ||
		defs[0]["stopTimeout"] != 120.0 || defs[0]["portMappings"] != nil {
		t.Errorf("container %v", defs[0])
	}
	if find(t, g, "aws:ecs/taskDefinition:TaskDefinition", "w").Input("runtimePlatform", "cpuArchitecture") != "X86_64" {
		t.Error("a Spot worker is not X86_64 by default")
	}
	if !strings.Contains(fmt.Sprint(defs[0]["secrets"]), "API_KEY") {
		t.Errorf("the bound secrets are not injected: %v", defs[0]["secrets"])
	}
	// Fargate Spot has no ARM64 capacity: an ARM64 worker is refused.
	err := runErr(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		_, err = platform.NewQueueWorker(ctx, "w", platform.QueueWorkerArgs{Topics: []*platform.EventTopic{f.topic}, Runtime: platform.RuntimeECS,
			ECS: platform.ECSWorkerArgs{ContainerArgs: platform.ContainerArgs{Image: f.image.ImageURI, ImageRepositoryARN: f.image.RepositoryARN, Architecture: platform.ArchARM64},
				Cluster: f.cluster, VpcID: f.net.VpcID, SubnetIDs: f.net.PrivateSubnetIDs}})
		return err
	})
	if !strings.Contains(err.Error(), "Fargate Spot runs X86_64 tasks only") {
		t.Errorf("ARM64 on Spot: %v", err)
	}

	err = runErr(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		_, err = platform.NewQueueWorker(ctx, "w", platform.QueueWorkerArgs{Topics: []*platform.EventTopic{f.topic}, Runtime: "k8s"})
		return err
	})
	if !strings.Contains(err.Error(), `unknown worker runtime "k8s"`) {
		t.Errorf("error %v", err)
	}
}

func TestTable(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error { _, err := newFixture(ctx); return err })
	tbl := find(t, g, "aws:dynamodb/table:Table", "data")
	for path, want := range map[string]interface{}{
		"billingMode": "PAY_PER_REQUEST", "hashKey": "pk", "rangeKey": "sk", "deletionProtectionEnabled": false,
	} {
		if got := tbl.Input(path); got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if tbl.Input("pointInTimeRecovery", "enabled") != true || tbl.Input("serverSideEncryption", "enabled") != true || tbl.Input("ttl", "attributeName") != "ttl" {
		t.Errorf("table %v", tbl.Inputs)
	}
	for _, bad := range []platform.TableArgs{
		{},
		{HashKey: "pk"},
		{HashKey: "pk", Attributes: []platform.KeyAttribute{{Name: "pk", Type: "X"}}},
		{HashKey: "pk", Attributes: []platform.KeyAttribute{{Name: "pk", Type: "S"}}, Indexes: []platform.GlobalIndex{{Name: "g", HashKey: "undefined"}}},
	} {
		mustFail(t, func(ctx *pulumi.Context) error { _, err := platform.NewTable(ctx, "t", bad); return err })
	}
}

func TestMediaBucket(t *testing.T) {
	var write, read []platform.Statement
	g := run(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		if write, err = f.bucket.WritePrefix("thumbs/"); err != nil {
			return err
		}
		read, err = f.bucket.ReadPrefix("")
		if _, err := f.bucket.WritePrefix("thumbs/*"); err == nil {
			return fmt.Errorf("a wildcard prefix was accepted")
		}
		return err
	})
	if len(write) != 2 || len(read) != 2 || fmt.Sprint(write[0].Actions) != "[s3:GetObject s3:PutObject]" || fmt.Sprint(read[0].Actions) != "[s3:GetObject]" {
		t.Errorf("grants %v / %v", write, read)
	}
	// Listing carries no s3:prefix condition: a read of a missing key must
	// answer 404, which S3 gives only to a caller that may list the bucket.
	if fmt.Sprint(write[1].Actions) != "[s3:ListBucket]" || write[1].Condition != nil {
		t.Errorf("list grant %+v", write[1])
	}
	if b := find(t, g, "aws:s3/bucketV2:BucketV2", "media"); b.Input("bucket") != "test-unit-media-123456789012" {
		t.Errorf("bucket name %v", b.Input("bucket"))
	}
	pab := find(t, g, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "media")
	for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		if pab.Input(k) != true {
			t.Errorf("%s not set", k)
		}
	}
	if len(g.OfType("aws:s3/bucketVersioningV2:BucketVersioningV2")) != 0 {
		t.Error("versioning configured")
	}
	lc := fmt.Sprint(find(t, g, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "media").Input("rules"))
	if !strings.Contains(lc, "INTELLIGENT_TIERING") || !strings.Contains(lc, "daysAfterInitiation:7") {
		t.Errorf("lifecycle %s", lc)
	}
	var pol struct{ Statement []map[string]interface{} }
	jsonInput(t, find(t, g, "aws:s3/bucketPolicy:BucketPolicy", "media"), "policy", &pol)
	if pol.Statement[0]["Effect"] != "Deny" || !strings.Contains(fmt.Sprint(pol.Statement[0]["Condition"]), "aws:SecureTransport:false") {
		t.Errorf("bucket policy %v", pol)
	}
}

func TestIdentity(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error {
		_, err := platform.NewIdentity(ctx, "auth", platform.IdentityArgs{
			DomainPrefix: "shop-auth", CallbackURLs: []string{"https://shop.example.com/cb"}, MFA: platform.MFAOptional, DeletionProtection: true,
		})
		return err
	})
	pool := find(t, g, "aws:cognito/userPool:UserPool", "auth")
	if pool.Input("mfaConfiguration") != "OPTIONAL" || pool.Input("softwareTokenMfaConfiguration", "enabled") != true || pool.Input("deletionProtection") != "ACTIVE" {
		t.Errorf("user pool %v", pool.Inputs)
	}
	client := find(t, g, "aws:cognito/userPoolClient:UserPoolClient", "auth")
	if client.Input("generateSecret") != false || fmt.Sprint(client.Input("allowedOauthFlows")) != "[code]" {
		t.Errorf("client %v", client.Inputs)
	}
	if find(t, g, "aws:cognito/userPoolDomain:UserPoolDomain", "auth").Input("domain") != "shop-auth" {
		t.Error("hosted UI domain")
	}
	for i, grp := range []string{"admins", "sellers"} {
		if find(t, g, "aws:cognito/userGroup:UserGroup", "auth-"+grp).Input("precedence") != float64(i+1) {
			t.Errorf("group %s precedence", grp)
		}
	}
	for _, bad := range []platform.IdentityArgs{
		{DomainPrefix: "Shop_Auth", CallbackURLs: []string{"https://x"}},
		{DomainPrefix: "shop", CallbackURLs: []string{"https://x"}, MFA: "SOMETIMES"},
		{DomainPrefix: "shop"},
	} {
		mustFail(t, func(ctx *pulumi.Context) error { _, err := platform.NewIdentity(ctx, "auth", bad); return err })
	}
}

func TestSecrets(t *testing.T) {
	var readStmt platform.Statement
	g := run(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		if readStmt, err = f.secrets.Read("api-key", "signing-key"); err != nil {
			return err
		}
		if _, err := f.secrets.Read("nope"); err == nil {
			return fmt.Errorf("reading an undeclared secret was granted")
		}
		return nil
	})
	if fmt.Sprint(readStmt.Actions) != "[secretsmanager:GetSecretValue secretsmanager:DescribeSecret]" {
		t.Errorf("read grant %v", readStmt.Actions)
	}
	for _, n := range []string{"api-key", "signing-key"} {
		if find(t, g, "aws:secretsmanager/secret:Secret", n).Input("name") != "test/unit/"+n {
			t.Errorf("secret %s name", n)
		}
	}
	for _, n := range []string{"api-key", "signing-key"} {
		if v := find(t, g, "aws:secretsmanager/secretVersion:SecretVersion", n); v.Input("secretString") != pulumitest.Redacted {
			t.Errorf("%s value not secret: %v", n, v.Input("secretString"))
		}
	}
	pw := find(t, g, "random:index/randomPassword:RandomPassword", "signing-key")
	if pw.Input("length") != 48.0 || pw.Input("special") != false {
		t.Errorf("generated key %v", pw.Inputs)
	}
	for _, bad := range []platform.SecretsArgs{
		{Generated: []string{"Bad Name"}},
		{Values: map[string]pulumi.StringInput{"k": pulumi.String("v")}, Generated: []string{"k"}},
		{Values: map[string]pulumi.StringInput{"k": nil}},
	} {
		mustFail(t, func(ctx *pulumi.Context) error { _, err := platform.NewSecrets(ctx, "s", bad); return err })
	}
}

func TestScheduledFunction(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		_, err = platform.NewScheduledFunction(ctx, "cron", platform.ScheduledFunctionArgs{
			FunctionArgs: f.inVPC(platform.FunctionArgs{TimeoutSeconds: 120}), Schedule: "cron(0 6 * * ? *)", Disabled: true,
		})
		return err
	})
	rule := find(t, g, "aws:cloudwatch/eventRule:EventRule", "cron")
	if rule.Input("scheduleExpression") != "cron(0 6 * * ? *)" || rule.Input("state") != "DISABLED" {
		t.Errorf("rule %v", rule.Inputs)
	}
	perm := find(t, g, "aws:lambda/permission:Permission", "cron")
	if perm.Input("principal") != "events.amazonaws.com" || perm.Input("sourceArn") != rule.Output("arn") {
		t.Errorf("permission %v", perm.Inputs)
	}
	fn := find(t, g, "aws:lambda/function:Function", "cron")
	if target := find(t, g, "aws:cloudwatch/eventTarget:EventTarget", "cron"); target.Input("arn") != fn.Output("arn") {
		t.Errorf("target %v", target.Inputs)
	}
	for _, s := range []string{"", "every hour", "rate(1 fortnight)", "rate(1 hours)", "rate(6 hour)", "rate(0 minutes)", "cron(0 6 * * *)", "cron(0 6 * * MON *)"} {
		mustFail(t, func(ctx *pulumi.Context) error {
			f, err := newFixture(ctx)
			if err != nil {
				return err
			}
			_, err = platform.NewScheduledFunction(ctx, "cron", platform.ScheduledFunctionArgs{FunctionArgs: f.inVPC(platform.FunctionArgs{}), Schedule: s})
			return err
		})
	}
	// No code, or outside the VPC.
	mustFail(t, func(ctx *pulumi.Context) error {
		_, err := platform.NewScheduledFunction(ctx, "cron", platform.ScheduledFunctionArgs{Schedule: "rate(1 hour)"})
		return err
	})
	mustFail(t, func(ctx *pulumi.Context) error {
		_, err := platform.NewScheduledFunction(ctx, "cron", platform.ScheduledFunctionArgs{FunctionArgs: platform.FunctionArgs{Code: lambdaCode()}, Schedule: "rate(1 hour)"})
		return err
	})
}

func TestValidSchedule(t *testing.T) {
	for _, ok := range []string{"rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(6 hours)", "rate(1 day)", "cron(0 6 * * ? *)", "cron(0/15 * ? * MON-FRI *)"} {
		if err := platform.ValidSchedule(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"rate(1 hours)", "rate(2 day)", "rate(01 hour)", "cron(* * * * * *)", "cron(0 6 * *)", "hourly"} {
		if err := platform.ValidSchedule(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestQueueFunction(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		a, err := platform.NewQueue(ctx, "a", platform.QueueArgs{Topics: []*platform.EventTopic{f.topic}})
		if err != nil {
			return err
		}
		b, err := platform.NewQueue(ctx, "b", platform.QueueArgs{Topics: []*platform.EventTopic{f.topic}})
		if err != nil {
			return err
		}
		_, err = platform.NewQueueFunction(ctx, "drain", platform.QueueFunctionArgs{
			FunctionArgs: f.inVPC(platform.FunctionArgs{}), Queues: []pulumi.StringInput{a.DLQARN, b.DLQARN},
		})
		return err
	})
	fn := find(t, g, "aws:lambda/function:Function", "drain")
	var pol struct{ Statement []map[string]interface{} }
	jsonInput(t, find(t, g, "aws:iam/rolePolicy:RolePolicy", "drain"), "policy", &pol)
	for i, q := range []string{"a-dlq", "b-dlq"} {
		dlq := find(t, g, "aws:sqs/queue:Queue", q)
		esm := find(t, g, "aws:lambda/eventSourceMapping:EventSourceMapping", fmt.Sprintf("drain-%d", i))
		if esm.Input("eventSourceArn") != dlq.Output("arn") || esm.Input("functionName") != fn.Output("arn") ||
			fmt.Sprint(esm.Input("functionResponseTypes")) != "[ReportBatchItemFailures]" {
			t.Errorf("%s: %v", esm, esm.Inputs)
		}
		if !strings.Contains(fmt.Sprint(pol.Statement), fmt.Sprint(dlq.Output("arn"))) {
			t.Errorf("the function may not consume %s", q)
		}
	}
	mustFail(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		_, err = platform.NewQueueFunction(ctx, "drain", platform.QueueFunctionArgs{FunctionArgs: f.inVPC(platform.FunctionArgs{})})
		return err
	})
}

func TestMonitoring(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error {
		f, err := newFixture(ctx)
		if err != nil {
			return err
		}
		w, err := platform.NewQueueWorker(ctx, "w", platform.QueueWorkerArgs{Topics: []*platform.EventTopic{f.topic}, Lambda: f.lambdaIn(platform.LambdaWorkerArgs{})})
		if err != nil {
			return err
		}
		_, err = platform.NewMonitoring(ctx, "mon", platform.MonitoringArgs{
			AlertEmails: []string{"ops@example.com"}, ClusterName: f.cluster.Name,
			Services: []platform.MonitoredService{
				{Label: "api", ServiceName: pulumi.String("api")},
				{Label: "spot", ServiceName: pulumi.String("spot"), Worker: true},
			},
			Queues:    []platform.MonitoredQueue{{Label: "w", Queue: w.Queue}},
			Functions: []platform.MonitoredFunction{{Label: "w", FunctionName: w.FunctionName}},
			TableName: f.table.Name, LoadBalancerARNSuffix: f.lb.ARNSuffix, DeadLettersConsumed: true,
		})
		return err
	})
	topic := find(t, g, "aws:sns/topic:Topic", "mon-alarms")
	key := find(t, g, "aws:kms/key:Key", "mon-alarms")
	if topic.Input("kmsMasterKeyId") != key.Output("arn") || key.Input("enableKeyRotation") != true {
		t.Errorf("alarm topic %v, key %v", topic.Inputs, key.Inputs)
	}
	var keyPolicy struct{ Statement []map[string]interface{} }
	jsonInput(t, key, "policy", &keyPolicy)
	cw := keyPolicy.Statement[len(keyPolicy.Statement)-1]
	if fmt.Sprint(cw["Principal"]) != "map[Service:cloudwatch.amazonaws.com]" || cw["Condition"] != nil {
		t.Errorf("CloudWatch's key statement %v, want AWS's documented one (no condition)", cw)
	}
	if sub := find(t, g, "aws:sns/topicSubscription:TopicSubscription", "mon-alarms-email-0"); sub.Input("endpoint") != "ops@example.com" {
		t.Errorf("subscription %v", sub.Inputs)
	}
	for _, name := range []string{"mon-w-dlq", "mon-w-dlq-age", "mon-w-age", "mon-w-depth", "mon-w-errors", "mon-api-cpu", "mon-api-memory", "mon-spot-memory",
		"mon-5xx", "mon-latency", "mon-table-throttles"} {
		a := find(t, g, "aws:cloudwatch/metricAlarm:MetricAlarm", name)
		if fmt.Sprint(a.Input("alarmActions")) != fmt.Sprintf("[%v]", topic.Output("arn")) {
			t.Errorf("%s notifies %v", name, a.Input("alarmActions"))
		}
	}
	if g.Find("aws:cloudwatch/metricAlarm:MetricAlarm", "mon-spot-cpu") != nil {
		t.Error("a queue worker got a CPU alarm")
	}
	if dlq := find(t, g, "aws:cloudwatch/metricAlarm:MetricAlarm", "mon-w-dlq"); dlq.Input("dimensions", "QueueName") != "test-unit-w-dlq" ||
		dlq.Input("metricName") != "NumberOfMessagesReceived" {
		t.Errorf("DLQ alarm watches %v %v", dlq.Input("metricName"), dlq.Input("dimensions"))
	}
	if d := find(t, g, "aws:cloudwatch/dashboard:Dashboard", "mon"); d.Input("dashboardName") != "test-unit-overview" {
		t.Errorf("dashboard %v, want <prefix>-overview", d.Input("dashboardName"))
	}
	var body struct{ Widgets []map[string]interface{} }
	jsonInput(t, find(t, g, "aws:cloudwatch/dashboard:Dashboard", "mon"), "dashboardBody", &body)
	var titles []string
	for _, w := range body.Widgets {
		titles = append(titles, w["properties"].(map[string]interface{})["title"].(string))
	}
	all := strings.Join(titles, "|")
	for _, want := range []string{"ECS: CPU", "ECS: memory", "Queues: depth", "age of oldest", "Dead-letter", "DynamoDB", "requests and 5xx", "response time", "Lambda: errors", "Lambda: duration"} {
		if !strings.Contains(all, want) {
			t.Errorf("dashboard lacks %q (has %s)", want, all)
		}
	}
}

func TestBudget(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error {
		if _, err := platform.NewBudget(ctx, "with-email", platform.BudgetArgs{MonthlyLimitUSD: 123.4, Emails: []string{"ops@example.com"}}); err != nil {
			return err
		}
		_, err := platform.NewBudget(ctx, "silent", platform.BudgetArgs{MonthlyLimitUSD: 5})
		return err
	})
	b := find(t, g, "aws:budgets/budget:Budget", "with-email")
	if b.Input("limitAmount") != "123.40" || b.Input("timeUnit") != "MONTHLY" || b.Input("budgetType") != "COST" {
		t.Errorf("budget %v", b.Inputs)
	}
	notes := b.Input("notifications").([]interface{})
	if len(notes) != 2 || fmt.Sprint(notes[0].(map[string]interface{})["threshold"], notes[1].(map[string]interface{})["threshold"]) != "80 100" {
		t.Errorf("notifications %v", notes)
	}
	if find(t, g, "aws:budgets/budget:Budget", "silent").Input("notifications") != nil {
		t.Error("notifications without subscribers")
	}
	for _, limit := range []float64{0, -1} {
		err := runErr(t, func(ctx *pulumi.Context) error {
			_, err := platform.NewBudget(ctx, "b", platform.BudgetArgs{MonthlyLimitUSD: limit})
			return err
		})
		if !strings.Contains(err.Error(), "must be positive") {
			t.Errorf("limit %v: %v", limit, err)
		}
	}
}

func TestContainerImage(t *testing.T) {
	g := run(t, func(ctx *pulumi.Context) error { _, err := newFixture(ctx); return err })
	repo := find(t, g, "aws:ecr/repository:Repository", "app")
	if repo.Input("imageScanningConfiguration", "scanOnPush") != true || repo.Input("name") != "test/unit/app" {
		t.Errorf("repository %v", repo.Inputs)
	}
	img := find(t, g, "awsx:ecr:Image", "app")
	if img.Input("repositoryUrl") != repo.Output("repositoryUrl") || img.Input("platform") != "linux/arm64" || img.Input("dockerfile") != "../app/Dockerfile" {
		t.Errorf("image %v", img.Inputs)
	}
	mustFail(t, func(ctx *pulumi.Context) error {
		_, err := platform.NewContainerImage(ctx, "app", platform.ContainerImageArgs{Context: "."})
		return err
	})
}

func TestParseRuntime(t *testing.T) {
	for _, ok := range []string{"lambda", "ecs"} {
		if r, err := platform.ParseRuntime(ok); err != nil || string(r) != ok {
			t.Errorf("%s: %v %v", ok, r, err)
		}
	}
	for _, bad := range []string{"", "Lambda", "fargate"} {
		if _, err := platform.ParseRuntime(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/buylink/buylink/pkg/catalog/dynamo"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/platform"
)

// RequiredTags are on every AWS resource (the provider's default tags).
var RequiredTags = []string{"project", "stack", "managed-by"}

// program is buylink on AWS: it composes the platform components from the
// stack configuration and the deployables pkg/deploy declares.
func program(ctx *pulumi.Context) error {
	cfg, err := loadConfig(ctx)
	if err != nil {
		return err
	}
	s, err := newStack(ctx, cfg)
	if err != nil {
		return err
	}
	if err := s.foundation(); err != nil {
		return err
	}
	for _, d := range deploy.All {
		if err := s.deployable(d); err != nil {
			return fmt.Errorf("%s: %w", d.Name, err)
		}
	}
	if err := s.operations(); err != nil {
		return err
	}
	s.export()
	return nil
}

// stack is one buylink stack while the program builds it: the shared
// resources first, then the deployables using them, then what watches them.
type stack struct {
	ctx  *pulumi.Context
	cfg  *Config
	root string // the repository root, relative to the working directory
	in   pulumi.ResourceOption
	// usEast1 is the provider in us-east-1 (CloudFront's certificate and
	// web ACL).
	usEast1 pulumi.ProviderResource
	// account is the AWS account id.
	account string

	net      *platform.Network
	cluster  *platform.Cluster
	table    *platform.Table
	media    *platform.MediaBucket
	topics   map[string]*platform.EventTopic
	secrets  *platform.Secrets
	web      *platform.LoadBalancer
	edge     *platform.Edge
	identity *platform.Identity

	// values are what the variables of each deploy.Source receive (the
	// queue-dependent ones are given per deployable).
	values        map[deploy.Source]pulumi.StringInput
	topicTemplate pulumi.StringOutput
	// consumerQueues are the queues of the deployables consuming events,
	// by consumer, in declaration order.
	consumerQueues []*platform.Queue

	// What monitoring watches, and the queue URLs exported.
	services  []platform.MonitoredService
	queues    []platform.MonitoredQueue
	functions []platform.MonitoredFunction
	queueURLs pulumi.StringMap
	mon       *platform.Monitoring
}

// newStack creates the AWS provider every resource uses: the stack's region
// and the required tags on everything.
func newStack(ctx *pulumi.Context, cfg *Config) (*stack, error) {
	root, err := projectRoot(ctx)
	if err != nil {
		return nil, err
	}
	tags := &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{
		"project": pulumi.String(ctx.Project()), "stack": pulumi.String(ctx.Stack()), "managed-by": pulumi.String("pulumi"),
	}}
	prov, err := aws.NewProvider(ctx, "aws", &aws.ProviderArgs{Region: pulumi.String(cfg.Region), DefaultTags: tags})
	if err != nil {
		return nil, err
	}
	east, err := aws.NewProvider(ctx, "aws-us-east-1", &aws.ProviderArgs{Region: pulumi.String("us-east-1"), DefaultTags: tags})
	if err != nil {
		return nil, err
	}
	ident, err := aws.GetCallerIdentity(ctx, nil, pulumi.Provider(prov))
	if err != nil {
		return nil, fmt.Errorf("read the AWS account (are credentials set?): %w", err)
	}
	return &stack{
		ctx: ctx, cfg: cfg, root: root, in: pulumi.Providers(prov), usEast1: east, account: ident.AccountId,
		topics: map[string]*platform.EventTopic{}, queueURLs: pulumi.StringMap{},
	}, nil
}

// foundation creates what the deployables share: network, cluster, table,
// bucket, topics, secrets, load balancer and identity.
func (s *stack) foundation() error {
	ctx, cfg, in := s.ctx, s.cfg, s.in
	var err error
	if s.net, err = platform.NewNetwork(ctx, "network", platform.NetworkArgs{Nat: cfg.Nat, InterfaceEndpoints: cfg.InterfaceEndpoints}, in); err != nil {
		return err
	}
	if s.cluster, err = platform.NewCluster(ctx, "cluster", platform.ClusterArgs{}, in); err != nil {
		return err
	}
	if s.table, err = platform.NewTable(ctx, "catalog", tableArgs(dynamo.TableSchema, cfg.Production), in); err != nil {
		return err
	}
	if s.media, err = platform.NewMediaBucket(ctx, "media", platform.MediaBucketArgs{ForceDestroy: !cfg.Production, ServedByEdge: true}, in); err != nil {
		return err
	}
	for _, et := range deploy.EventTypes {
		if s.topics[et], err = platform.NewEventTopic(ctx, deploy.TopicName(et), platform.EventTopicArgs{}, in); err != nil {
			return err
		}
	}
	values := map[string]pulumi.StringInput{}
	for name, v := range cfg.Secrets {
		values[name] = v
	}
	if s.secrets, err = platform.NewSecrets(ctx, "secrets", platform.SecretsArgs{Values: values, ForceDelete: !cfg.Production}, in); err != nil {
		return err
	}
	if s.web, err = platform.NewLoadBalancer(ctx, "web", platform.LoadBalancerArgs{
		VpcID: s.net.VpcID, SubnetIDs: s.net.PublicSubnetIDs, VpcCidr: s.net.CidrBlock,
		Domain: cfg.Domain, CertificateARN: cfg.CertificateARN, HostedZoneID: cfg.HostedZoneID, Fronted: true,
		DeletionProtection: cfg.Production,
	}, in); err != nil {
		return err
	}
	if s.edge, err = s.newEdge(); err != nil {
		return err
	}
	authPrefix := cfg.AuthDomainPrefix
	if authPrefix == "" {
		authPrefix = fmt.Sprintf("%s-%s-%s", ctx.Project(), ctx.Stack(), s.account)
	}
	if s.identity, err = platform.NewIdentity(ctx, "auth", platform.IdentityArgs{
		DomainPrefix: authPrefix,
		CallbackURLs: []string{"https://" + cfg.Domain + "/auth/callback"},
		LogoutURLs:   []string{"https://" + cfg.Domain + "/"},
		MFA:          cfg.MFA, DeletionProtection: cfg.Production,
	}, in); err != nil {
		return err
	}
	s.topicTemplate = topicURLTemplate(cfg.Region, s.topics)
	s.values = map[deploy.Source]pulumi.StringInput{
		deploy.FromRegion:        pulumi.String(cfg.Region),
		deploy.FromListenAddr:    pulumi.String(fmt.Sprintf(":%d", platform.DefaultPort)),
		deploy.FromPublicURL:     s.web.URL,
		deploy.FromStore:         pulumi.Sprintf("dynamodb://%s?region=%s", s.table.Name, cfg.Region),
		deploy.FromTopics:        s.topicTemplate,
		deploy.FromMedia:         pulumi.Sprintf("s3://%s?region=%s", s.media.Name, cfg.Region),
		deploy.FromLLMCache:      s.bucketURL(deploy.LLMCachePrefix),
		deploy.FromAuthIssuer:    s.identity.Issuer,
		deploy.FromAuthClientIDs: s.identity.ClientID,
		deploy.FromHostedUI:      s.identity.HostedUIURL,
		deploy.FromVPCCIDR:       pulumi.String(s.net.CidrBlock),
	}
	return nil
}

// newEdge creates the CDN in front of the load balancer and the media
// bucket, its paths as pkg/deploy declares them.
func (s *stack) newEdge() (*platform.Edge, error) {
	if err := deploy.ValidateEdge(deploy.EdgeRoutes); err != nil {
		return nil, err
	}
	caching := map[deploy.EdgeCaching]platform.EdgeCache{
		deploy.EdgeNever: platform.EdgeNever, deploy.EdgeByOrigin: platform.EdgeByOrigin, deploy.EdgeImmutable: platform.EdgeImmutable,
	}
	paths := make([]platform.EdgePath, len(deploy.EdgeRoutes))
	for i, r := range deploy.EdgeRoutes {
		paths[i] = platform.EdgePath{Pattern: r.Pattern, Cache: caching[r.Cache], Media: r.Media}
	}
	var limit platform.EdgeRateLimit
	if n := s.cfg.Edge.ClickRateLimit; n > 0 {
		limit = platform.EdgeRateLimit{Prefix: deploy.ClickPrefix, Requests: n}
	}
	return platform.NewEdge(s.ctx, "edge", platform.EdgeArgs{
		Domain: s.cfg.Domain, HostedZoneID: s.cfg.HostedZoneID, CertificateARN: s.cfg.EdgeCertificateARN,
		USEast1: s.usEast1, Origin: s.web.DNSName, OriginSecret: s.web.OriginSecret,
		Media: platform.EdgeMedia{
			Bucket: s.media, Mount: deploy.MediaMount, Prefixes: deploy.PublicMediaPrefixes, KeyPattern: deploy.MediaKeyShape,
		},
		Paths: paths, RateLimit: limit, PriceClass: s.cfg.Edge.PriceClass, ViewerAddressHeader: deploy.ViewerAddressHeader,
	}, s.in)
}

// runtime is where the stack runs a deployable: workers that may run on
// either follow buylink:workerRuntime.
func (s *stack) runtime(d deploy.Deployable) deploy.Runtime {
	if len(d.Runtimes) > 1 {
		return deploy.Runtime(s.cfg.WorkerRuntime)
	}
	return d.Runtimes[0]
}

// deployable creates one deployable on its runtime.
func (s *stack) deployable(d deploy.Deployable) error {
	rt := s.runtime(d)
	switch {
	case d.Kind == deploy.HTTP:
		return s.httpService(d)
	case d.Grants.DeadLetterQueues:
		return s.deadLetterConsumer(d)
	case d.Kind == deploy.Worker:
		return s.worker(d, rt)
	case d.Kind == deploy.Schedule:
		return s.scheduled(d)
	}
	return fmt.Errorf("no way to deploy a %s on %s", d.Kind, rt)
}

// environment is what a deployable's binary on rt receives: every variable
// d.AWSEnv names, from its source. Secrets are ECS secrets (variable ->
// ARN, injected by ECS) on ECS, and <NAME>_SECRET_ARN variables on Lambda.
// q is the deployable's own queue, nil when it consumes none.
func (s *stack) environment(d deploy.Deployable, rt deploy.Runtime, q *platform.Queue) (env, secrets map[string]pulumi.StringInput, err error) {
	env, secrets = map[string]pulumi.StringInput{}, map[string]pulumi.StringInput{}
	for name, v := range d.AWSEnv(rt, s.secrets.Has) {
		var val pulumi.StringInput
		switch v.AWS {
		case deploy.Fixed:
			val = pulumi.String(v.Value)
		case deploy.FromSecret:
			arn, err := s.secrets.ARN(v.Secret)
			if err != nil {
				return nil, nil, err
			}
			if rt == deploy.ECS {
				secrets[name] = arn
				continue
			}
			val = arn
		case deploy.FromQueue, deploy.FromDeadLetters:
			switch {
			case d.Grants.DeadLetterQueues:
				val = s.bucketURL(deploy.DeadLettersPrefix)
			case q == nil:
				return nil, nil, fmt.Errorf("%s needs the deployable's own queue", name)
			case v.AWS == deploy.FromQueue:
				val = q.SubscriptionURL
			default:
				val = q.DLQTopicURL
			}
		default:
			val = s.values[v.AWS]
		}
		if val == nil {
			return nil, nil, fmt.Errorf("the stack has no value for %s (source %q)", name, v.AWS)
		}
		env[name] = val
	}
	return env, secrets, nil
}

// statements are the grants of a deployable on rt, from its declaration.
// q is its own queue (nil when it consumes none): a consumer moves the
// messages it gives up on to the queue's DLQ. Logs, attaching to the VPC,
// pulling its image and consuming its own queue are its component's.
func (s *stack) statements(d deploy.Deployable, rt deploy.Runtime, q *platform.Queue) ([]platform.Statement, error) {
	var out []platform.Statement
	switch d.Grants.Table {
	case deploy.ReadWrite:
		out = append(out, s.table.ReadWrite())
	case deploy.Read:
		out = append(out, s.table.Read())
	}
	for _, g := range d.Grants.Media {
		grant := s.media.ReadPrefix
		if g.Write {
			grant = s.media.WritePrefix
		}
		st, err := grant(g.Prefix)
		if err != nil {
			return nil, err
		}
		out = append(out, st...)
	}
	for _, et := range d.Produces {
		out = append(out, s.topics[et].Publish())
	}
	if q != nil {
		out = append(out, q.SendToDLQ())
	}
	if rt == deploy.Lambda {
		var configured []string
		for _, sec := range d.Secrets() {
			if s.secrets.Has(sec) {
				configured = append(configured, sec)
			}
		}
		if len(configured) > 0 {
			read, err := s.secrets.Read(configured...)
			if err != nil {
				return nil, err
			}
			out = append(out, read)
		}
	}
	return out, nil
}

// httpService creates an HTTP service behind the load balancer (and the
// queue of its projector when it consumes events).
func (s *stack) httpService(d deploy.Deployable) error {
	var q *platform.Queue
	if len(d.Consumes) > 0 {
		var err error
		if q, err = platform.NewQueue(s.ctx, d.ConsumerName(), platform.QueueArgs{Topics: s.topicsOf(d.Consumes)}, s.in); err != nil {
			return err
		}
		s.watchQueue(d.ConsumerName(), q)
	}
	env, secrets, err := s.environment(d, deploy.ECS, q)
	if err != nil {
		return err
	}
	stmts, err := s.statements(d, deploy.ECS, q)
	if err != nil {
		return err
	}
	if q != nil {
		stmts = append([]platform.Statement{q.Consume()}, stmts...)
	}
	size := s.cfg.HTTP[d.Name]
	img, err := s.image(d.Name, platform.ArchARM64)
	if err != nil {
		return err
	}
	svc, err := platform.NewHTTPService(s.ctx, d.Name, platform.HTTPServiceArgs{
		ContainerArgs: platform.ContainerArgs{
			Image: img.ImageURI, ImageRepositoryARN: img.RepositoryARN, CPU: size.CPU, MemoryMB: size.MemoryMB,
			Environment: env, Secrets: secrets, Statements: stmts, LogRetentionDays: s.cfg.LogRetentionDays,
		},
		Cluster: s.cluster, VpcID: s.net.VpcID, SubnetIDs: s.net.PrivateSubnetIDs, Port: platform.DefaultPort,
		LoadBalancer: s.web, PathPatterns: d.Routes, Priority: routePriority(d),
		DesiredCount: size.DesiredCount, MaxCount: size.MaxCount,
	}, s.in)
	if err != nil {
		return err
	}
	s.services = append(s.services, platform.MonitoredService{Label: d.Name, ServiceName: svc.ServiceName})
	return nil
}

// routePriority orders the load balancer's rules: the catch-all "/*" last,
// every other service by its place in the declarations.
func routePriority(d deploy.Deployable) int {
	if slices.Contains(d.Routes, "/*") {
		return 1000
	}
	return 10 * (1 + slices.IndexFunc(deploy.All, func(x deploy.Deployable) bool { return x.Name == d.Name }))
}

// worker creates a queue worker on its runtime.
func (s *stack) worker(d deploy.Deployable, rt deploy.Runtime) error {
	size := s.cfg.workerSize(d.Name)
	args := platform.QueueWorkerArgs{
		Topics: s.topicsOf(d.Consumes), Runtime: platform.Runtime(rt), LogRetentionDays: s.cfg.LogRetentionDays,
		Bind: func(q *platform.Queue) (platform.QueueBinding, error) {
			env, secrets, err := s.environment(d, rt, q)
			if err != nil {
				return platform.QueueBinding{}, err
			}
			stmts, err := s.statements(d, rt, q)
			return platform.QueueBinding{Environment: env, Secrets: secrets, Statements: stmts}, err
		},
	}
	if rt == deploy.Lambda {
		args.Lambda = platform.LambdaWorkerArgs{
			Code: s.lambdaCode(d.Name), TimeoutSeconds: size.TimeoutSeconds, MemoryMB: size.MemoryMB, MaxConcurrency: size.MaxParallel,
			VpcID: s.net.VpcID, SubnetIDs: s.net.PrivateSubnetIDs,
		}
	} else {
		img, err := s.image(d.Name, platform.ArchX8664)
		if err != nil {
			return err
		}
		args.ECS = platform.ECSWorkerArgs{
			ContainerArgs: platform.ContainerArgs{
				Image: img.ImageURI, ImageRepositoryARN: img.RepositoryARN, CPU: size.CPU, MemoryMB: size.MemoryMB,
				Architecture: platform.ArchX8664,
			},
			Cluster: s.cluster, VpcID: s.net.VpcID, SubnetIDs: s.net.PrivateSubnetIDs,
			ProcessingTimeoutSeconds: size.TimeoutSeconds, MaxTasks: size.MaxParallel, MessagesPerTask: size.PerTask,
		}
	}
	qw, err := platform.NewQueueWorker(s.ctx, d.Name, args, s.in)
	if err != nil {
		return err
	}
	s.watchQueue(d.ConsumerName(), qw.Queue)
	if rt == deploy.Lambda {
		s.functions = append(s.functions, platform.MonitoredFunction{Label: d.Name, FunctionName: qw.FunctionName})
	} else {
		s.services = append(s.services, platform.MonitoredService{Label: d.Name, ServiceName: qw.ServiceName, Worker: true})
	}
	return nil
}

// scheduled creates a scheduled function: its schedule is declared, or
// buylink:ingestionSchedule for the scheduled ingestion, which exists only
// with an Apify token.
func (s *stack) scheduled(d deploy.Deployable) error {
	schedule, disabled := d.Schedule, false
	if schedule == "" {
		schedule = s.cfg.IngestionSchedule
		if !s.secrets.Has(apifySecret) {
			_ = s.ctx.Log.Warn(d.Name+": no buylink:apifyToken is set, so scheduled ingestion is not deployed", nil)
			return nil
		}
		if schedule == "off" {
			schedule, disabled = "rate(6 hours)", true // kept on the rule, which does not fire
		}
	}
	env, _, err := s.environment(d, deploy.Lambda, nil)
	if err != nil {
		return err
	}
	stmts, err := s.statements(d, deploy.Lambda, nil)
	if err != nil {
		return err
	}
	size := s.cfg.workerSize(d.Name)
	fn, err := platform.NewScheduledFunction(s.ctx, d.Name, platform.ScheduledFunctionArgs{
		FunctionArgs: platform.FunctionArgs{
			Code: s.lambdaCode(d.Name), TimeoutSeconds: size.TimeoutSeconds, MemoryMB: size.MemoryMB, Environment: env,
			Statements: stmts, LogRetentionDays: s.cfg.LogRetentionDays, VpcID: s.net.VpcID, SubnetIDs: s.net.PrivateSubnetIDs,
		},
		Schedule: schedule, Disabled: disabled,
	}, s.in)
	if err != nil {
		return err
	}
	s.functions = append(s.functions, platform.MonitoredFunction{Label: d.Name, FunctionName: fn.FunctionName})
	return nil
}

// deadLetterConsumer creates the function draining every consumer's DLQ
// into the dead-letter box.
func (s *stack) deadLetterConsumer(d deploy.Deployable) error {
	env, _, err := s.environment(d, deploy.Lambda, nil)
	if err != nil {
		return err
	}
	stmts, err := s.statements(d, deploy.Lambda, nil)
	if err != nil {
		return err
	}
	var dlqs []pulumi.StringInput
	for _, q := range s.consumerQueues {
		dlqs = append(dlqs, q.DLQARN)
	}
	size := s.cfg.workerSize(d.Name)
	fn, err := platform.NewQueueFunction(s.ctx, d.Name, platform.QueueFunctionArgs{
		FunctionArgs: platform.FunctionArgs{
			Code: s.lambdaCode(d.Name), TimeoutSeconds: size.TimeoutSeconds, MemoryMB: size.MemoryMB, Environment: env,
			Statements: stmts, LogRetentionDays: s.cfg.LogRetentionDays, VpcID: s.net.VpcID, SubnetIDs: s.net.PrivateSubnetIDs,
		},
		Queues: dlqs, MaxConcurrency: size.MaxParallel,
	}, s.in)
	if err != nil {
		return err
	}
	s.functions = append(s.functions, platform.MonitoredFunction{Label: d.Name, FunctionName: fn.FunctionName})
	return nil
}

// topicsOf returns the topics of event types.
func (s *stack) topicsOf(types []string) []*platform.EventTopic {
	out := make([]*platform.EventTopic, len(types))
	for i, et := range types {
		out[i] = s.topics[et]
	}
	return out
}

// watchQueue records a consumer's queue for monitoring, the exports and
// the dead-letter consumer.
func (s *stack) watchQueue(consumer string, q *platform.Queue) {
	s.queues = append(s.queues, platform.MonitoredQueue{Label: consumer, Queue: q})
	s.queueURLs[consumer] = q.URL
	s.consumerQueues = append(s.consumerQueues, q)
}

// operations creates the dashboard, the alarms and the budget.
func (s *stack) operations() error {
	var emails []string
	if s.cfg.AlertEmail != "" {
		emails = []string{s.cfg.AlertEmail}
	}
	var err error
	if s.mon, err = platform.NewMonitoring(s.ctx, "monitoring", platform.MonitoringArgs{
		AlertEmails: emails, ClusterName: s.cluster.Name, Services: s.services, Queues: s.queues, Functions: s.functions,
		TableName: s.table.Name, LoadBalancerARNSuffix: s.web.ARNSuffix, AppWidgets: appWidgets(),
		DeadLettersConsumed: true,
	}, s.in); err != nil {
		return err
	}
	_, err = platform.NewBudget(s.ctx, "budget", platform.BudgetArgs{MonthlyLimitUSD: s.cfg.MonthlyBudgetUSD, Emails: emails}, s.in)
	return err
}

// export sets the stack outputs.
func (s *stack) export() {
	s.ctx.Export("url", s.web.URL)
	s.ctx.Export("region", pulumi.String(s.cfg.Region))
	s.ctx.Export("loadBalancerDnsName", s.web.DNSName)
	s.ctx.Export("distributionId", s.edge.ID)
	s.ctx.Export("distributionDomainName", s.edge.DomainName)
	s.ctx.Export("userPoolId", s.identity.UserPoolID)
	s.ctx.Export("userPoolClientId", s.identity.ClientID)
	s.ctx.Export("authIssuer", s.identity.Issuer)
	s.ctx.Export("hostedUiUrl", s.identity.HostedUIURL)
	s.ctx.Export("tableName", s.table.Name)
	s.ctx.Export("mediaBucket", s.media.Name)
	s.ctx.Export("topicUrlTemplate", s.topicTemplate)
	s.ctx.Export("queueUrls", s.queueURLs)
	s.ctx.Export("deadLetterUrl", s.bucketURL(deploy.DeadLettersPrefix))
	// What `buylink monitor --services/--errors` reads (services/buylink README).
	s.ctx.Export("clusterName", s.cluster.Name)
	serviceNames, functionNames, logGroups := pulumi.StringMap{}, pulumi.StringMap{}, pulumi.StringMap{}
	for _, m := range s.services {
		serviceNames[m.Label] = m.ServiceName
	}
	for _, f := range s.functions {
		functionNames[f.Label] = f.FunctionName
		logGroups[f.Label] = pulumi.Sprintf("/aws/lambda/%s", f.FunctionName)
	}
	s.ctx.Export("serviceNames", serviceNames)
	s.ctx.Export("functionNames", functionNames)
	s.ctx.Export("logGroups", logGroups)
	s.ctx.Export("dashboardUrl", s.mon.DashboardURL)
	s.ctx.Export("alarmTopicArn", s.mon.AlarmTopicARN)
}

// bucketURL is the media bucket as a gocloud.dev blob URL rooted at prefix.
func (s *stack) bucketURL(prefix string) pulumi.StringOutput {
	return pulumi.Sprintf("s3://%s?region=%s&prefix=%s", s.media.Name, s.cfg.Region, prefix)
}

// image builds services/<service>/Dockerfile (context: the repository
// root) for the deployable's name.
func (s *stack) image(name, arch string) (*platform.ContainerImage, error) {
	plat := "linux/arm64"
	if arch == platform.ArchX8664 {
		plat = "linux/amd64"
	}
	return platform.NewContainerImage(s.ctx, name, platform.ContainerImageArgs{
		Context:     s.root,
		Dockerfile:  filepath.Join(s.root, "services", name, "Dockerfile"),
		Platform:    plat,
		ForceDelete: !s.cfg.Production,
	}, s.in)
}

// lambdaCode packages bin/lambda/<name>/bootstrap (make build-lambdas).
func (s *stack) lambdaCode(name string) pulumi.Archive {
	return pulumi.NewAssetArchive(map[string]interface{}{
		"bootstrap": pulumi.NewFileAsset(filepath.Join(s.root, "bin", "lambda", name, "bootstrap")),
	})
}

// tableArgs turns the catalog's key schema into the Table's arguments.
func tableArgs(s dynamo.Schema, production bool) platform.TableArgs {
	args := platform.TableArgs{
		HashKey: s.HashKey.Name, RangeKey: s.RangeKey.Name, TTLAttribute: s.TTLAttribute, DeletionProtection: production,
	}
	for _, a := range s.Attributes() {
		args.Attributes = append(args.Attributes, platform.KeyAttribute{Name: a.Name, Type: a.Type})
	}
	for _, ix := range s.Indexes {
		args.Indexes = append(args.Indexes, platform.GlobalIndex{Name: ix.Name, HashKey: ix.HashKey.Name, RangeKey: ix.RangeKey.Name})
	}
	return args
}

// topicURLTemplate is TOPIC_URL_TEMPLATE: the topics' common ARN prefix with
// "{name}" for the event's dashed name, as a gocloud.dev awssns URL. It fails
// if a topic's ARN does not end in its name (the template would miss it).
func topicURLTemplate(region string, topics map[string]*platform.EventTopic) pulumi.StringOutput {
	types := make([]string, 0, len(topics))
	for t := range topics {
		types = append(types, t)
	}
	sort.Strings(types)
	arns := make([]interface{}, len(types))
	for i, t := range types {
		arns[i] = topics[t].ARN
	}
	return pulumi.All(arns...).ApplyT(func(v []interface{}) (string, error) {
		prefix := ""
		for i, t := range types {
			arn := v[i].(string)
			p, ok := strings.CutSuffix(arn, deploy.TopicName(t))
			if !ok || (prefix != "" && p != prefix) {
				return "", fmt.Errorf("topic %s (%s) does not follow the <prefix>{name} pattern of the other topics", t, arn)
			}
			prefix = p
		}
		return "awssns:///" + prefix + "{name}?region=" + region, nil
	}).(pulumi.StringOutput)
}

// projectRoot is the directory of Pulumi.yaml relative to the working
// directory (Pulumi runs the program in stacks/), so asset paths and docker
// contexts stay relative and the plan does not depend on the checkout path.
func projectRoot(ctx *pulumi.Context) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	root := ctx.RootDirectory()
	if root == "" {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil {
				root = dir
				break
			}
			if filepath.Dir(dir) == dir {
				return "", fmt.Errorf("no Pulumi.yaml in %s or above", wd)
			}
		}
	}
	return filepath.Rel(wd, root)
}

// appWidgets chart the metrics the services and workers write in embedded
// metric format (pkg/metrics), whatever their dimensions.
func appWidgets() []platform.AppWidget {
	search := func(names ...string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = fmt.Sprintf(`Namespace="%s" MetricName="%s"`, metrics.Namespace, n)
		}
		return out
	}
	return []platform.AppWidget{
		{Title: "Events processed", Stat: "Sum", Searches: search(metrics.EventsProcessed)},
		{Title: "Event failures and dead letters", Stat: "Sum", Searches: search(metrics.EventFailures, metrics.DeadLetters)},
		{Title: "Handler latency p95 (ms)", Stat: "p95", Searches: search(metrics.HandlerLatency)},
		{Title: "LLM calls and tokens", Stat: "Sum", Searches: search(metrics.LLMCalls, metrics.LLMPromptTokens, metrics.LLMCompletionTokens)},
		{Title: "LLM cost (USD)", Stat: "Sum", Searches: search(metrics.LLMCostUSD)},
		{Title: "Thumbnail time p95 (ms)", Stat: "p95", Searches: search(metrics.ThumbnailTime)},
		{Title: "Buy-link clicks", Stat: "Sum", Searches: search(metrics.Clicks)},
	}
}

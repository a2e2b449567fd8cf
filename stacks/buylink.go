package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/buylink/buylink/pkg/catalog/dynamo"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/platform"
)

// RequiredTags are on every AWS resource (the provider's default tags).
var RequiredTags = []string{"project", "stack", "managed-by"}

// Service names: the ECS services, Lambda functions, queues, log groups and
// images of the stack are named after them.
const (
	svcIngestionAPI       = "ingestion-api"
	svcProductService     = "product-service"
	svcCaptionParser      = "caption-parser"
	svcAutoTagger         = "auto-tagger"
	svcThumbnailGenerator = "thumbnail-generator"
	fnScheduledIngestion  = "scheduled-ingestion"
	queueProjector        = "projector"
)

// Media bucket prefixes: LLM answers cached by input hash, and permanent
// failures of the Lambda workers (their dead-letter box).
const (
	llmCachePrefix   = "llm-cache/"
	deadLetterPrefix = "deadletters/"
)

// yoloModelPath is where the thumbnail-generator image holds the YOLOv8n
// model (services/thumbnail-generator/Dockerfile).
const yoloModelPath = "/opt/models/yolov8n.onnx"

// eventTypes are the events with a topic each.
var eventTypes = []string{events.TypeVideoPosted, events.TypeCaptionParsed, events.TypeThumbnailsGenerated, events.TypeProductTagged}

// topicName is an event type's topic name, the "{name}" of bus.ExpandURL
// (dots become dashes).
func topicName(eventType string) string { return strings.ReplaceAll(eventType, ".", "-") }

// program is buylink on AWS: it composes the platform components from the
// stack configuration.
func program(ctx *pulumi.Context) error {
	cfg, err := loadConfig(ctx)
	if err != nil {
		return err
	}
	s, err := newStack(ctx, cfg)
	if err != nil {
		return err
	}
	for _, part := range []func() error{s.foundation, s.httpServices, s.llmWorkers, s.thumbnailGenerator, s.scheduledIngestion, s.operations} {
		if err := part(); err != nil {
			return err
		}
	}
	s.export()
	return nil
}

// stack is one buylink stack while the program builds it: the shared
// resources first, then the services using them, then what watches them.
type stack struct {
	ctx  *pulumi.Context
	cfg  *Config
	root string // the repository root, relative to the working directory
	in   pulumi.ResourceOption
	// account is the AWS account id.
	account string

	net      *platform.Network
	cluster  *platform.Cluster
	table    *platform.Table
	media    *platform.MediaBucket
	topics   map[string]*platform.EventTopic
	secrets  *platform.Secrets
	web      *platform.LoadBalancer
	identity *platform.Identity

	// The environment the services share (README, "What the services receive").
	storeURL, mediaURL, mediaPublicURL, topicTemplate pulumi.StringOutput

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
	prov, err := aws.NewProvider(ctx, "aws", &aws.ProviderArgs{
		Region: pulumi.String(cfg.Region),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{
			"project": pulumi.String(ctx.Project()), "stack": pulumi.String(ctx.Stack()), "managed-by": pulumi.String("pulumi"),
		}},
	})
	if err != nil {
		return nil, err
	}
	ident, err := aws.GetCallerIdentity(ctx, nil, pulumi.Provider(prov))
	if err != nil {
		return nil, fmt.Errorf("read the AWS account (are credentials set?): %w", err)
	}
	return &stack{
		ctx: ctx, cfg: cfg, root: root, in: pulumi.Providers(prov), account: ident.AccountId,
		topics: map[string]*platform.EventTopic{}, queueURLs: pulumi.StringMap{},
	}, nil
}

// foundation creates what the services share: network, cluster, table,
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
	if s.media, err = platform.NewMediaBucket(ctx, "media", platform.MediaBucketArgs{ForceDestroy: !cfg.Production}, in); err != nil {
		return err
	}
	for _, et := range eventTypes {
		if s.topics[et], err = platform.NewEventTopic(ctx, topicName(et), platform.EventTopicArgs{}, in); err != nil {
			return err
		}
	}
	// The secrets set in the configuration, plus a generated signing key.
	values := map[string]pulumi.StringInput{}
	for name, v := range cfg.Secrets {
		values[name] = v
	}
	if s.secrets, err = platform.NewSecrets(ctx, "secrets", platform.SecretsArgs{
		Values: values, Generated: []string{secretJWT}, ForceDelete: !cfg.Production,
	}, in); err != nil {
		return err
	}
	if s.web, err = platform.NewLoadBalancer(ctx, "web", platform.LoadBalancerArgs{
		VpcID: s.net.VpcID, SubnetIDs: s.net.PublicSubnetIDs, VpcCidr: s.net.CidrBlock,
		Domain: cfg.Domain, CertificateARN: cfg.CertificateARN, HostedZoneID: cfg.HostedZoneID,
		DeletionProtection: cfg.Production,
	}, in); err != nil {
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
	s.storeURL = pulumi.Sprintf("dynamodb://%s?region=%s", s.table.Name, cfg.Region)
	s.mediaURL = pulumi.Sprintf("s3://%s?region=%s", s.media.Name, cfg.Region)
	s.mediaPublicURL = pulumi.Sprintf("%s/media", s.web.URL)
	s.topicTemplate = topicURLTemplate(cfg.Region, s.topics)
	return nil
}

// httpServices creates ingestion-api and product-service behind the load
// balancer, and the projector queue product-service consumes.
func (s *stack) httpServices() error {
	projector, err := platform.NewQueue(s.ctx, queueProjector, platform.QueueArgs{
		Topics: []*platform.EventTopic{s.topics[events.TypeCaptionParsed], s.topics[events.TypeThumbnailsGenerated], s.topics[events.TypeProductTagged]},
	}, s.in)
	if err != nil {
		return err
	}
	s.queues = append(s.queues, platform.MonitoredQueue{Label: queueProjector, Queue: projector})
	s.queueURLs[queueProjector] = projector.URL
	auth := map[string]pulumi.StringInput{
		"AUTH_ISSUER": s.identity.Issuer, "AUTH_CLIENT_IDS": s.identity.ClientID, "PUBLIC_URL": s.web.URL, "AUTH_HOSTED_UI_URL": s.identity.HostedUIURL,
	}

	ingestEnv := map[string]pulumi.StringInput{"STORE_URL": s.storeURL, "TOPIC_URL_TEMPLATE": s.topicTemplate}
	if err := s.httpService(svcIngestionAPI, s.cfg.IngestionAPI, 10, []string{"/api/videos*", "/api/sellers*"},
		merge(ingestEnv, auth), s.secrets.Env(secretJWT, secretAdminHash, secretApify),
		[]platform.Statement{s.table.ReadWrite(), s.topics[events.TypeVideoPosted].Publish()}); err != nil {
		return err
	}
	mediaRead, err := s.media.ReadPrefix("")
	if err != nil {
		return err
	}
	productEnv := map[string]pulumi.StringInput{
		"STORE_URL": s.storeURL, "MEDIA_BUCKET_URL": s.mediaURL, "MEDIA_PUBLIC_URL": s.mediaPublicURL,
		"SUBSCRIPTION_URL": projector.SubscriptionURL,
	}
	// Everything not routed elsewhere: /s/*, /r/*, /api/shops*, /api/products*,
	// /media/*, /openapi.json, /healthz...
	return s.httpService(svcProductService, s.cfg.ProductService, 1000, []string{"/*"},
		merge(productEnv, auth), s.secrets.Env(secretJWT, secretAdminHash),
		append([]platform.Statement{s.table.ReadWrite(), projector.Consume()}, mediaRead...))
}

// llmWorkers creates caption-parser and auto-tagger on the configured runtime.
func (s *stack) llmWorkers() error {
	for _, lw := range []struct{ name, consumes, produces string }{
		{svcCaptionParser, events.TypeVideoPosted, events.TypeCaptionParsed},
		{svcAutoTagger, events.TypeCaptionParsed, events.TypeProductTagged},
	} {
		env := s.workerEnv(map[string]pulumi.StringInput{"LLM_CACHE_URL": s.bucketURL(llmCachePrefix)})
		prefixes := []string{llmCachePrefix}
		var ecsSecrets map[string]pulumi.StringInput
		if s.cfg.WorkerRuntime == platform.RuntimeLambda {
			// A Lambda keeps its permanent failures in the bucket; on ECS
			// the queue's DLQ does.
			env["DEADLETTER_URL"] = s.bucketURL(deadLetterPrefix + lw.name + "/")
			prefixes = append(prefixes, deadLetterPrefix+lw.name+"/")
			s.lambdaSecrets(env, secretOpenRouter)
		} else {
			ecsSecrets = s.secrets.Env(secretOpenRouter)
		}
		bucketWrite, err := s.bucketGrants(prefixes...)
		if err != nil {
			return err
		}
		if err := s.worker(workerSpec{
			name: lw.name, runtime: s.cfg.WorkerRuntime, topic: s.topics[lw.consumes], env: env, secrets: ecsSecrets,
			stmts:   append([]platform.Statement{s.table.ReadWrite(), s.topics[lw.produces].Publish()}, bucketWrite...),
			timeout: s.cfg.Workers.TimeoutSeconds, container: platform.ContainerArgs{CPU: 256, MemoryMB: s.cfg.Workers.MemoryMB},
			maxParallel: s.cfg.Workers.MaxConcurrency, perTask: 10,
		}); err != nil {
			return err
		}
	}
	return nil
}

// thumbnailGenerator creates the thumbnail worker on Fargate Spot (x86_64:
// OpenCV is built natively).
func (s *stack) thumbnailGenerator() error {
	thumbsWrite, err := s.bucketGrants("thumbs/")
	if err != nil {
		return err
	}
	tg := s.cfg.ThumbnailGenerator
	return s.worker(workerSpec{
		name: svcThumbnailGenerator, runtime: platform.RuntimeECS, topic: s.topics[events.TypeVideoPosted],
		env: s.workerEnv(map[string]pulumi.StringInput{
			"MEDIA_BUCKET_URL": s.mediaURL, "MEDIA_PUBLIC_URL": s.mediaPublicURL, "YOLO_MODEL_PATH": pulumi.String(yoloModelPath),
		}),
		stmts:   append([]platform.Statement{s.table.ReadWrite(), s.topics[events.TypeThumbnailsGenerated].Publish()}, thumbsWrite...),
		timeout: tg.TimeoutSeconds, container: platform.ContainerArgs{CPU: tg.CPU, MemoryMB: tg.MemoryMB, Architecture: platform.ArchX8664},
		maxParallel: tg.MaxTasks, perTask: tg.MessagesPerTask,
	})
}

// scheduledIngestion creates the Lambda the schedule runs to scrape sellers'
// new videos.
func (s *stack) scheduledIngestion() error {
	deadLetters := deadLetterPrefix + fnScheduledIngestion + "/"
	write, err := s.bucketGrants(deadLetters)
	if err != nil {
		return err
	}
	env := s.workerEnv(map[string]pulumi.StringInput{"DEADLETTER_URL": s.bucketURL(deadLetters)})
	s.lambdaSecrets(env, secretApify)
	schedule, disabled := s.cfg.IngestionSchedule, s.cfg.IngestionSchedule == "off"
	if disabled {
		schedule = "rate(6 hours)" // kept on the rule, which does not fire
	}
	sched, err := platform.NewScheduledFunction(s.ctx, fnScheduledIngestion, platform.ScheduledFunctionArgs{
		FunctionArgs: platform.FunctionArgs{
			Code: s.lambdaCode(fnScheduledIngestion), TimeoutSeconds: 300, MemoryMB: 256, Environment: env,
			Statements:       append([]platform.Statement{s.table.ReadWrite(), s.topics[events.TypeVideoPosted].Publish()}, write...),
			LogRetentionDays: s.cfg.LogRetentionDays,
		},
		Schedule: schedule,
		Disabled: disabled,
	}, s.in)
	if err != nil {
		return err
	}
	s.functions = append(s.functions, platform.MonitoredFunction{Label: fnScheduledIngestion, FunctionName: sched.FunctionName})
	return nil
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
	}, s.in); err != nil {
		return err
	}
	_, err = platform.NewBudget(s.ctx, "budget", platform.BudgetArgs{MonthlyLimitUSD: s.cfg.MonthlyBudgetUSD, Emails: emails}, s.in)
	return err
}

// export sets the stack outputs.
func (s *stack) export() {
	s.ctx.Export("url", s.web.URL)
	s.ctx.Export("loadBalancerDnsName", s.web.DNSName)
	s.ctx.Export("userPoolId", s.identity.UserPoolID)
	s.ctx.Export("userPoolClientId", s.identity.ClientID)
	s.ctx.Export("authIssuer", s.identity.Issuer)
	s.ctx.Export("hostedUiUrl", s.identity.HostedUIURL)
	s.ctx.Export("tableName", s.table.Name)
	s.ctx.Export("mediaBucket", s.media.Name)
	s.ctx.Export("topicUrlTemplate", s.topicTemplate)
	s.ctx.Export("queueUrls", s.queueURLs)
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

// workerEnv is the environment of a worker: the store, the topics, JSON logs
// and extra.
func (s *stack) workerEnv(extra map[string]pulumi.StringInput) map[string]pulumi.StringInput {
	return merge(map[string]pulumi.StringInput{
		"STORE_URL": s.storeURL, "TOPIC_URL_TEMPLATE": s.topicTemplate, "LOG_FORMAT": pulumi.String("json"),
	}, extra)
}

// lambdaSecrets copies the configured secrets among names into a function's
// environment: Lambda cannot inject from Secrets Manager, so the value goes
// in the environment (encrypted at rest, secret in the state and plans).
func (s *stack) lambdaSecrets(env map[string]pulumi.StringInput, names ...string) {
	for _, n := range names {
		if v, ok := s.cfg.Secrets[n]; ok {
			env[platform.EnvName(n)] = v
		}
	}
}

// bucketGrants grants reading and writing the media bucket under prefixes.
func (s *stack) bucketGrants(prefixes ...string) ([]platform.Statement, error) {
	var out []platform.Statement
	for _, p := range prefixes {
		st, err := s.media.WritePrefix(p)
		if err != nil {
			return nil, err
		}
		out = append(out, st...)
	}
	return out, nil
}

// bucketURL is the media bucket as a gocloud.dev blob URL rooted at prefix.
func (s *stack) bucketURL(prefix string) pulumi.StringOutput {
	return pulumi.Sprintf("s3://%s?region=%s&prefix=%s", s.media.Name, s.cfg.Region, prefix)
}

// image builds services/<name>/Dockerfile (context: the repository root).
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

// httpService creates an HTTP service from its image, routed by paths.
func (s *stack) httpService(name string, size HTTPServiceConfig, priority int, paths []string,
	env, secrets map[string]pulumi.StringInput, stmts []platform.Statement,
) error {
	img, err := s.image(name, platform.ArchARM64)
	if err != nil {
		return err
	}
	env = merge(env, map[string]pulumi.StringInput{"LOG_FORMAT": pulumi.String("json"), "AWS_REGION": pulumi.String(s.cfg.Region)})
	svc, err := platform.NewHTTPService(s.ctx, name, platform.HTTPServiceArgs{
		ContainerArgs: platform.ContainerArgs{
			Image: img.ImageURI, ImageRepositoryARN: img.RepositoryARN, CPU: size.CPU, MemoryMB: size.MemoryMB,
			Environment: env, Secrets: secrets, Statements: stmts, LogRetentionDays: s.cfg.LogRetentionDays,
		},
		Cluster: s.cluster, VpcID: s.net.VpcID, SubnetIDs: s.net.PrivateSubnetIDs,
		LoadBalancer: s.web, PathPatterns: paths, Priority: priority,
		DesiredCount: size.DesiredCount, MaxCount: size.MaxCount,
	}, s.in)
	if err != nil {
		return err
	}
	s.services = append(s.services, platform.MonitoredService{Label: name, ServiceName: svc.ServiceName})
	return nil
}

// workerSpec describes one queue worker of the stack.
type workerSpec struct {
	name    string
	runtime platform.Runtime
	topic   *platform.EventTopic
	env     map[string]pulumi.StringInput
	// secrets are injected from Secrets Manager (ECS only: variable -> ARN).
	secrets map[string]pulumi.StringInput
	stmts   []platform.Statement
	// timeout bounds one batch (Lambda) or one message (ECS).
	timeout int
	// container sizes the ECS task (ecs runtime); its memory is the
	// function's on Lambda.
	container platform.ContainerArgs
	// maxParallel caps Lambda concurrency or ECS tasks; perTask is the
	// backlog one ECS task takes.
	maxParallel, perTask int
}

// worker creates a queue worker and records what monitoring watches.
func (s *stack) worker(w workerSpec) error {
	args := platform.QueueWorkerArgs{
		Topics: []*platform.EventTopic{w.topic}, Runtime: w.runtime, Environment: w.env, Statements: w.stmts,
		LogRetentionDays: s.cfg.LogRetentionDays,
	}
	if w.runtime == platform.RuntimeLambda {
		args.Lambda = platform.LambdaWorkerArgs{
			Code: s.lambdaCode(w.name), TimeoutSeconds: w.timeout, MemoryMB: w.container.MemoryMB, MaxConcurrency: w.maxParallel,
		}
	} else {
		c := w.container
		img, err := s.image(w.name, orDefault(c.Architecture, platform.ArchARM64))
		if err != nil {
			return err
		}
		c.Image, c.ImageRepositoryARN, c.Secrets = img.ImageURI, img.RepositoryARN, w.secrets
		args.Environment = merge(w.env, map[string]pulumi.StringInput{"AWS_REGION": pulumi.String(s.cfg.Region)})
		args.ECS = platform.ECSWorkerArgs{
			ContainerArgs: c, Cluster: s.cluster, VpcID: s.net.VpcID, SubnetIDs: s.net.PrivateSubnetIDs,
			ProcessingTimeoutSeconds: w.timeout, MaxTasks: w.maxParallel, MessagesPerTask: w.perTask,
		}
	}
	qw, err := platform.NewQueueWorker(s.ctx, w.name, args, s.in)
	if err != nil {
		return err
	}
	s.queues = append(s.queues, platform.MonitoredQueue{Label: w.name, Queue: qw.Queue})
	s.queueURLs[w.name] = qw.QueueURL
	if w.runtime == platform.RuntimeLambda {
		s.functions = append(s.functions, platform.MonitoredFunction{Label: w.name, FunctionName: qw.FunctionName})
	} else {
		s.services = append(s.services, platform.MonitoredService{Label: w.name, ServiceName: qw.ServiceName, Worker: true})
	}
	return nil
}

// merge returns a new map with a's entries, then b's.
func merge(a, b map[string]pulumi.StringInput) map[string]pulumi.StringInput {
	out := make(map[string]pulumi.StringInput, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
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
			p, ok := strings.CutSuffix(arn, topicName(t))
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

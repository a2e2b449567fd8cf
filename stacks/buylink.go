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
	root, err := projectRoot(ctx)
	if err != nil {
		return err
	}
	prov, err := aws.NewProvider(ctx, "aws", &aws.ProviderArgs{
		Region: pulumi.String(cfg.Region),
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{
			"project": pulumi.String(ctx.Project()), "stack": pulumi.String(ctx.Stack()), "managed-by": pulumi.String("pulumi"),
		}},
	})
	if err != nil {
		return err
	}
	in := pulumi.Providers(prov)
	ident, err := aws.GetCallerIdentity(ctx, nil, pulumi.Provider(prov))
	if err != nil {
		return fmt.Errorf("read the AWS account (are credentials set?): %w", err)
	}
	b := &builder{ctx: ctx, cfg: cfg, root: root, in: in, region: cfg.Region}

	net, err := platform.NewNetwork(ctx, "network", platform.NetworkArgs{Nat: cfg.Nat, InterfaceEndpoints: cfg.InterfaceEndpoints}, in)
	if err != nil {
		return err
	}
	cluster, err := platform.NewCluster(ctx, "cluster", platform.ClusterArgs{}, in)
	if err != nil {
		return err
	}
	table, err := platform.NewTable(ctx, "catalog", tableArgs(dynamo.TableSchema, cfg.Production), in)
	if err != nil {
		return err
	}
	media, err := platform.NewMediaBucket(ctx, "media", platform.MediaBucketArgs{ForceDestroy: !cfg.Production}, in)
	if err != nil {
		return err
	}
	topics := map[string]*platform.EventTopic{}
	for _, et := range eventTypes {
		if topics[et], err = platform.NewEventTopic(ctx, topicName(et), platform.EventTopicArgs{}, in); err != nil {
			return err
		}
	}
	// Secrets set in the configuration, plus a generated signing key.
	values := map[string]pulumi.StringInput{}
	for name, v := range cfg.Secrets {
		values[name] = v
	}
	secrets, err := platform.NewSecrets(ctx, "secrets", platform.SecretsArgs{
		Values: values, Generated: []string{secretJWT}, ForceDelete: !cfg.Production,
	}, in)
	if err != nil {
		return err
	}
	web, err := platform.NewLoadBalancer(ctx, "web", platform.LoadBalancerArgs{
		VpcID: net.VpcID, SubnetIDs: net.PublicSubnetIDs, VpcCidr: net.CidrBlock,
		Domain: cfg.Domain, CertificateARN: cfg.CertificateARN, HostedZoneID: cfg.HostedZoneID,
		DeletionProtection: cfg.Production,
	}, in)
	if err != nil {
		return err
	}
	authPrefix := cfg.AuthDomainPrefix
	if authPrefix == "" {
		authPrefix = fmt.Sprintf("%s-%s-%s", ctx.Project(), ctx.Stack(), ident.AccountId)
	}
	identity, err := platform.NewIdentity(ctx, "auth", platform.IdentityArgs{
		DomainPrefix: authPrefix,
		CallbackURLs: []string{"https://" + cfg.Domain + "/auth/callback"},
		LogoutURLs:   []string{"https://" + cfg.Domain + "/"},
		MFA:          cfg.MFA, DeletionProtection: cfg.Production,
	}, in)
	if err != nil {
		return err
	}

	// The environment every service reads (README, "Infrastructure").
	storeURL := pulumi.Sprintf("dynamodb://%s?region=%s", table.Name, cfg.Region)
	mediaURL := pulumi.Sprintf("s3://%s?region=%s", media.Name, cfg.Region)
	topicTemplate := topicURLTemplate(cfg.Region, topics)
	mediaPublicURL := pulumi.Sprintf("%s/media", web.URL)
	// lambdaSecrets copies the configured secrets among names into a
	// function's environment (Lambda cannot inject from Secrets Manager;
	// the values stay secret in the state and are encrypted at rest).
	lambdaSecrets := func(env map[string]pulumi.StringInput, names ...string) {
		for _, n := range names {
			if v, ok := cfg.Secrets[n]; ok {
				env[platform.EnvName(n)] = v
			}
		}
	}
	grants := func(prefixes ...string) ([]platform.Statement, error) {
		var out []platform.Statement
		for _, p := range prefixes {
			s, err := media.WritePrefix(p)
			if err != nil {
				return nil, err
			}
			out = append(out, s...)
		}
		return out, nil
	}
	thumbsWrite, err := grants("thumbs/")
	if err != nil {
		return err
	}
	schedWrite, err := grants(deadLetterPrefix + fnScheduledIngestion + "/")
	if err != nil {
		return err
	}
	mediaRead, err := media.ReadPrefix("")
	if err != nil {
		return err
	}
	bucketURL := func(prefix string) pulumi.StringOutput {
		return pulumi.Sprintf("s3://%s?region=%s&prefix=%s", media.Name, cfg.Region, prefix)
	}

	// HTTP services behind the load balancer.
	projector, err := platform.NewQueue(ctx, queueProjector, platform.QueueArgs{
		Topics: []*platform.EventTopic{topics[events.TypeCaptionParsed], topics[events.TypeThumbnailsGenerated], topics[events.TypeProductTagged]},
	}, in)
	if err != nil {
		return err
	}
	ingestEnv := map[string]pulumi.StringInput{
		"STORE_URL": storeURL, "TOPIC_URL_TEMPLATE": topicTemplate,
		"AUTH_ISSUER": identity.Issuer, "AUTH_CLIENT_ID": identity.ClientID, "PUBLIC_BASE_URL": web.URL,
	}
	ingestion, err := b.httpService(svcIngestionAPI, cluster, net, web, cfg.IngestionAPI, 10,
		[]string{"/api/videos*", "/api/sellers*"}, ingestEnv, secrets.Env(secretJWT, secretAdminHash, secretApify),
		[]platform.Statement{table.ReadWrite(), topics[events.TypeVideoPosted].Publish()})
	if err != nil {
		return err
	}
	productEnv := map[string]pulumi.StringInput{
		"STORE_URL": storeURL, "MEDIA_BUCKET_URL": mediaURL, "MEDIA_PUBLIC_URL": mediaPublicURL,
		"SUBSCRIPTION_URL": projector.SubscriptionURL,
		"AUTH_ISSUER":      identity.Issuer, "AUTH_CLIENT_ID": identity.ClientID, "PUBLIC_BASE_URL": web.URL,
	}
	product, err := b.httpService(svcProductService, cluster, net, web, cfg.ProductService, 1000,
		[]string{"/*"}, productEnv, secrets.Env(secretJWT, secretAdminHash),
		append([]platform.Statement{table.ReadWrite(), projector.Consume()}, mediaRead...))
	if err != nil {
		return err
	}

	// Workers.
	workerEnv := func(extra map[string]pulumi.StringInput) map[string]pulumi.StringInput {
		env := map[string]pulumi.StringInput{"STORE_URL": storeURL, "TOPIC_URL_TEMPLATE": topicTemplate, "LOG_FORMAT": pulumi.String("json")}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	llmWorkers := []struct {
		name     string
		consumes string
		produces string
	}{
		{svcCaptionParser, events.TypeVideoPosted, events.TypeCaptionParsed},
		{svcAutoTagger, events.TypeCaptionParsed, events.TypeProductTagged},
	}
	var queues []platform.MonitoredQueue
	var functions []platform.MonitoredFunction
	services := []platform.MonitoredService{
		{Label: svcIngestionAPI, ServiceName: ingestion.ServiceName},
		{Label: svcProductService, ServiceName: product.ServiceName},
	}
	queueURLs := pulumi.StringMap{queueProjector: projector.URL}
	for _, lw := range llmWorkers {
		env := workerEnv(map[string]pulumi.StringInput{"LLM_CACHE_URL": bucketURL(llmCachePrefix)})
		prefixes := []string{llmCachePrefix}
		var ecsSecrets map[string]pulumi.StringInput
		if cfg.WorkerRuntime == platform.RuntimeLambda {
			// A Lambda keeps its permanent failures in the bucket; on ECS
			// the queue's DLQ does.
			env["DEADLETTER_URL"] = bucketURL(deadLetterPrefix + lw.name + "/")
			prefixes = append(prefixes, deadLetterPrefix+lw.name+"/")
			lambdaSecrets(env, secretOpenRouter)
		} else {
			ecsSecrets = secrets.Env(secretOpenRouter)
		}
		bucketWrite, err := grants(prefixes...)
		if err != nil {
			return err
		}
		w, err := b.worker(cluster, net, workerSpec{
			name: lw.name, runtime: cfg.WorkerRuntime, topic: topics[lw.consumes], env: env, secrets: ecsSecrets,
			stmts:   append([]platform.Statement{table.ReadWrite(), topics[lw.produces].Publish()}, bucketWrite...),
			timeout: cfg.Workers.TimeoutSeconds, container: platform.ContainerArgs{CPU: 256, MemoryMB: cfg.Workers.MemoryMB},
			maxParallel: cfg.Workers.MaxConcurrency, perTask: 10,
		})
		if err != nil {
			return err
		}
		queues = append(queues, platform.MonitoredQueue{Label: lw.name, Queue: w.Queue})
		queueURLs[lw.name] = w.QueueURL
		if cfg.WorkerRuntime == platform.RuntimeLambda {
			functions = append(functions, platform.MonitoredFunction{Label: lw.name, FunctionName: w.FunctionName})
		} else {
			services = append(services, platform.MonitoredService{Label: lw.name, ServiceName: w.ServiceName})
		}
	}
	thumbEnv := workerEnv(map[string]pulumi.StringInput{
		"MEDIA_BUCKET_URL": mediaURL, "MEDIA_PUBLIC_URL": mediaPublicURL, "YOLO_MODEL_PATH": pulumi.String(yoloModelPath),
	})
	tg := cfg.ThumbnailGenerator
	thumbs, err := b.worker(cluster, net, workerSpec{
		name: svcThumbnailGenerator, runtime: platform.RuntimeECS, topic: topics[events.TypeVideoPosted], env: thumbEnv,
		stmts:   append([]platform.Statement{table.ReadWrite(), topics[events.TypeThumbnailsGenerated].Publish()}, thumbsWrite...),
		timeout: tg.TimeoutSeconds, container: platform.ContainerArgs{CPU: tg.CPU, MemoryMB: tg.MemoryMB, Architecture: platform.ArchX8664},
		maxParallel: tg.MaxTasks, perTask: tg.MessagesPerTask,
	})
	if err != nil {
		return err
	}
	queues = append(queues, platform.MonitoredQueue{Label: svcThumbnailGenerator, Queue: thumbs.Queue}, platform.MonitoredQueue{Label: queueProjector, Queue: projector})
	services = append(services, platform.MonitoredService{Label: svcThumbnailGenerator, ServiceName: thumbs.ServiceName})
	queueURLs[svcThumbnailGenerator] = thumbs.QueueURL

	// Scheduled ingestion.
	schedEnv := workerEnv(map[string]pulumi.StringInput{"DEADLETTER_URL": bucketURL(deadLetterPrefix + fnScheduledIngestion + "/")})
	lambdaSecrets(schedEnv, secretApify)
	schedule, disabled := cfg.IngestionSchedule, cfg.IngestionSchedule == "off"
	if disabled {
		schedule = "rate(6 hours)" // kept on the rule, which does not fire
	}
	sched, err := platform.NewScheduledFunction(ctx, fnScheduledIngestion, platform.ScheduledFunctionArgs{
		FunctionArgs: platform.FunctionArgs{
			Code: b.lambdaCode(fnScheduledIngestion), TimeoutSeconds: 300, MemoryMB: 256, Environment: schedEnv,
			Statements:       append([]platform.Statement{table.ReadWrite(), topics[events.TypeVideoPosted].Publish()}, schedWrite...),
			LogRetentionDays: cfg.LogRetentionDays,
		},
		Schedule: schedule,
		Disabled: disabled,
	}, in)
	if err != nil {
		return err
	}
	functions = append(functions, platform.MonitoredFunction{Label: fnScheduledIngestion, FunctionName: sched.FunctionName})

	var emails []string
	if cfg.AlertEmail != "" {
		emails = []string{cfg.AlertEmail}
	}
	mon, err := platform.NewMonitoring(ctx, "monitoring", platform.MonitoringArgs{
		AlertEmails: emails, ClusterName: cluster.Name, Services: services, Queues: queues, Functions: functions,
		TableName: table.Name, LoadBalancerARNSuffix: web.ARNSuffix,
	}, in)
	if err != nil {
		return err
	}
	if _, err := platform.NewBudget(ctx, "budget", platform.BudgetArgs{MonthlyLimitUSD: cfg.MonthlyBudgetUSD, Emails: emails}, in); err != nil {
		return err
	}

	ctx.Export("url", web.URL)
	ctx.Export("loadBalancerDnsName", web.DNSName)
	ctx.Export("userPoolId", identity.UserPoolID)
	ctx.Export("userPoolClientId", identity.ClientID)
	ctx.Export("authIssuer", identity.Issuer)
	ctx.Export("hostedUiUrl", identity.HostedUIURL)
	ctx.Export("tableName", table.Name)
	ctx.Export("mediaBucket", media.Name)
	ctx.Export("topicUrlTemplate", topicTemplate)
	ctx.Export("queueUrls", queueURLs)
	ctx.Export("dashboardUrl", mon.DashboardURL)
	ctx.Export("alarmTopicArn", mon.AlarmTopicARN)
	return nil
}

// builder holds what every service of the stack shares.
type builder struct {
	ctx    *pulumi.Context
	cfg    *Config
	root   string
	in     pulumi.ResourceOption
	region string
}

// image builds services/<name>/Dockerfile (context: the repository root).
func (b *builder) image(name, arch string) (*platform.ContainerImage, error) {
	plat := "linux/arm64"
	if arch == platform.ArchX8664 {
		plat = "linux/amd64"
	}
	return platform.NewContainerImage(b.ctx, name, platform.ContainerImageArgs{
		Context:     b.root,
		Dockerfile:  filepath.Join(b.root, "services", name, "Dockerfile"),
		Platform:    plat,
		ForceDelete: !b.cfg.Production,
	}, b.in)
}

// lambdaCode packages bin/lambda/<name>/bootstrap (make build-lambdas).
func (b *builder) lambdaCode(name string) pulumi.Archive {
	return pulumi.NewAssetArchive(map[string]interface{}{
		"bootstrap": pulumi.NewFileAsset(filepath.Join(b.root, "bin", "lambda", name, "bootstrap")),
	})
}

func (b *builder) httpService(name string, cluster *platform.Cluster, net *platform.Network, web *platform.LoadBalancer,
	size HTTPServiceConfig, priority int, paths []string, env, secrets map[string]pulumi.StringInput, stmts []platform.Statement,
) (*platform.HTTPService, error) {
	img, err := b.image(name, platform.ArchARM64)
	if err != nil {
		return nil, err
	}
	env["LOG_FORMAT"] = pulumi.String("json")
	env["AWS_REGION"] = pulumi.String(b.region)
	return platform.NewHTTPService(b.ctx, name, platform.HTTPServiceArgs{
		ContainerArgs: platform.ContainerArgs{
			Image: img.ImageURI, ImageRepositoryARN: img.RepositoryARN, CPU: size.CPU, MemoryMB: size.MemoryMB,
			Environment: env, Secrets: secrets, Statements: stmts, LogRetentionDays: b.cfg.LogRetentionDays,
		},
		Cluster: cluster, VpcID: net.VpcID, SubnetIDs: net.PrivateSubnetIDs,
		LoadBalancer: web, PathPatterns: paths, Priority: priority,
		DesiredCount: size.DesiredCount, MaxCount: size.MaxCount,
	}, b.in)
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
	// container sizes the ECS task (ecs runtime); memory is the function's
	// on Lambda.
	container platform.ContainerArgs
	// maxParallel caps Lambda concurrency or ECS tasks; perTask is the
	// backlog one ECS task takes.
	maxParallel, perTask int
}

// worker deploys a queue worker.
func (b *builder) worker(cluster *platform.Cluster, net *platform.Network, w workerSpec) (*platform.QueueWorker, error) {
	args := platform.QueueWorkerArgs{
		Topics: []*platform.EventTopic{w.topic}, Runtime: w.runtime, Environment: w.env, Statements: w.stmts,
		LogRetentionDays: b.cfg.LogRetentionDays,
	}
	if w.runtime == platform.RuntimeLambda {
		args.Lambda = platform.LambdaWorkerArgs{
			Code: b.lambdaCode(w.name), TimeoutSeconds: w.timeout, MemoryMB: w.container.MemoryMB, MaxConcurrency: w.maxParallel,
		}
		return platform.NewQueueWorker(b.ctx, w.name, args, b.in)
	}
	c := w.container
	img, err := b.image(w.name, orDefault(c.Architecture, platform.ArchARM64))
	if err != nil {
		return nil, err
	}
	c.Image, c.ImageRepositoryARN, c.Secrets = img.ImageURI, img.RepositoryARN, w.secrets
	w.env["AWS_REGION"] = pulumi.String(b.region)
	args.ECS = platform.ECSWorkerArgs{
		ContainerArgs: c, Cluster: cluster, VpcID: net.VpcID, SubnetIDs: net.PrivateSubnetIDs,
		ProcessingTimeoutSeconds: w.timeout, MaxTasks: w.maxParallel, MessagesPerTask: w.perTask,
	}
	return platform.NewQueueWorker(b.ctx, w.name, args, b.in)
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

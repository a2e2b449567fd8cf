package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/platform"
)

// HTTPServiceConfig sizes an HTTP service (buylink:ingestionApi,
// buylink:productService).
type HTTPServiceConfig struct {
	// DesiredCount is the minimum number of tasks, MaxCount the ceiling
	// CPU autoscaling may reach.
	DesiredCount int `json:"desiredCount"`
	MaxCount     int `json:"maxCount"`
	// CPU units and MemoryMB of a task (a valid Fargate pair).
	CPU      int `json:"cpu"`
	MemoryMB int `json:"memoryMb"`
}

// ThumbnailConfig sizes the thumbnail-generator (buylink:thumbnailGenerator).
type ThumbnailConfig struct {
	// MaxTasks caps the Spot service; it runs ceil(backlog/MessagesPerTask)
	// tasks and none when idle.
	MaxTasks        int `json:"maxTasks"`
	MessagesPerTask int `json:"messagesPerTask"`
	// TimeoutSeconds bounds one video's processing; the queue's visibility
	// is 6 times it.
	TimeoutSeconds int `json:"timeoutSeconds"`
	CPU            int `json:"cpu"`
	MemoryMB       int `json:"memoryMb"`
}

// WorkerConfig sizes caption-parser and auto-tagger (buylink:workers).
type WorkerConfig struct {
	// TimeoutSeconds bounds one batch (Lambda) or one message (ECS).
	TimeoutSeconds int `json:"timeoutSeconds"`
	// MemoryMB of the function or task.
	MemoryMB int `json:"memoryMb"`
	// MaxConcurrency caps concurrent Lambda invocations (lambda runtime) or
	// tasks (ecs runtime).
	MaxConcurrency int `json:"maxConcurrency"`
}

// EdgeConfig tunes the CDN in front of the load balancer (buylink:edge).
type EdgeConfig struct {
	// ClickRateLimit blocks (429) a client address making more than this
	// many requests to the click redirect in 5 minutes (a WAF web ACL);
	// 0: no web ACL.
	ClickRateLimit int `json:"clickRateLimit"`
	// PriceClass is CloudFront's: PriceClass_100 (North America, Europe),
	// PriceClass_200 or PriceClass_All.
	PriceClass string `json:"priceClass"`
}

// Config is a stack's configuration (Pulumi.<stack>.yaml, namespace
// "buylink"), validated: every error names its key.
type Config struct {
	Region string
	// Production turns on deletion protection, longer recovery windows and
	// makes an alert e-mail mandatory.
	Production bool
	// Domain is served over HTTPS; the certificate is CertificateARN or one
	// validated in HostedZoneID (which also gets the alias record).
	Domain         string
	HostedZoneID   string
	CertificateARN string
	// EdgeCertificateARN is a us-east-1 certificate for Domain for the CDN;
	// empty: one is validated in HostedZoneID.
	EdgeCertificateARN string
	Edge               EdgeConfig
	Nat                platform.NatStrategy
	// WorkerRuntime runs caption-parser and auto-tagger.
	WorkerRuntime platform.Runtime
	// HTTP sizes the HTTP services, by deployable name.
	HTTP               map[string]HTTPServiceConfig
	ThumbnailGenerator ThumbnailConfig
	Workers            WorkerConfig
	LogRetentionDays   int
	AlertEmail         string
	MonthlyBudgetUSD   float64
	// IngestionSchedule is an EventBridge expression; "off" keeps the
	// scheduled ingestion deployed but disabled.
	IngestionSchedule string
	MFA               string
	// AuthDomainPrefix names the Cognito hosted UI; default
	// "<project>-<stack>-<account id>".
	AuthDomainPrefix   string
	InterfaceEndpoints []string
	// Secrets holds the secret keys that are set, by secret name.
	Secrets map[string]pulumi.StringOutput
}

// Secret configuration keys and the Secrets Manager secrets they fill (the
// secrets the deployables' variables name, see pkg/deploy).
var secretKeys = []struct{ key, secret string }{
	{"openrouterApiKey", "openrouter-api-key"},
	{"apifyToken", apifySecret},
}

// apifySecret is the Apify token's secret: without it the scheduled
// ingestion is not deployed.
const apifySecret = "apify-token"

// removedKeys are configuration keys that no longer do anything, with what
// to do instead: a stack still setting one fails, so nothing is silently
// ignored.
var removedKeys = map[string]string{
	"adminPasswordHash": "removed: on AWS admins sign in through Cognito (add the user to the admins group, README step 6); the password login is devstack's",
}

// size is how a worker or function is sized and scaled.
type size struct {
	TimeoutSeconds, MemoryMB, CPU int
	// MaxParallel caps Lambda concurrency or ECS tasks; PerTask is the
	// backlog one ECS task takes.
	MaxParallel, PerTask int
}

// workerSize sizes a worker or function by its deployable's name.
func (c *Config) workerSize(name string) size {
	switch name {
	case deploy.ThumbnailGenerator:
		t := c.ThumbnailGenerator
		return size{TimeoutSeconds: t.TimeoutSeconds, MemoryMB: t.MemoryMB, CPU: t.CPU, MaxParallel: t.MaxTasks, PerTask: t.MessagesPerTask}
	case deploy.CaptionParser, deploy.AutoTagger:
		w := c.Workers
		return size{TimeoutSeconds: w.TimeoutSeconds, MemoryMB: w.MemoryMB, CPU: workerCPU, MaxParallel: w.MaxConcurrency, PerTask: 10}
	case deploy.ScheduledIngestion:
		return size{TimeoutSeconds: 300, MemoryMB: 256}
	}
	// The sweeper and the dead-letter consumer: short store work (30 s
	// fits six times in the shortest queue visibility, 180 s).
	return size{TimeoutSeconds: 30, MemoryMB: 256, MaxParallel: 2}
}

// workerCPU is the Fargate CPU of caption-parser and auto-tagger tasks
// (workerRuntime ecs); buylink:workers' memoryMb must fit it.
const workerCPU = 256

// logRetentionValues are the retention periods CloudWatch Logs accepts.
var logRetentionValues = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// fargateSizes maps valid Fargate CPU units to their memory range (MB).
var fargateSizes = map[int][2]int{256: {512, 2048}, 512: {1024, 4096}, 1024: {2048, 8192}, 2048: {4096, 16384}, 4096: {8192, 30720}}

var (
	domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$`)
	zoneRE   = regexp.MustCompile(`^Z[A-Z0-9]{4,32}$`)
)

// loadConfig reads and validates the stack configuration.
func loadConfig(ctx *pulumi.Context) (*Config, error) {
	c := config.New(ctx, "")
	aws := config.New(ctx, "aws")
	var errs []error
	fail := func(key, format string, args ...interface{}) {
		errs = append(errs, fmt.Errorf("%s: %s", fullKey(ctx, key), fmt.Sprintf(format, args...)))
	}
	cfg := &Config{
		Region:             aws.Get("region"),
		Domain:             c.Get("domain"),
		HostedZoneID:       c.Get("hostedZoneId"),
		CertificateARN:     c.Get("certificateArn"),
		EdgeCertificateARN: c.Get("edgeCertificateArn"),
		AlertEmail:         c.Get("alertEmail"),
		IngestionSchedule:  orDefault(c.Get("ingestionSchedule"), "rate(6 hours)"),
		MFA:                strings.ToUpper(orDefault(c.Get("mfa"), platform.MFAOptional)),
		AuthDomainPrefix:   c.Get("authDomainPrefix"),
		Secrets:            map[string]pulumi.StringOutput{},
	}
	if cfg.Region == "" {
		errs = append(errs, errors.New("aws:region: required (pulumi config set aws:region us-east-1)"))
	}
	var err error
	if cfg.Production, err = boolKey(c, "production", false); err != nil {
		fail("production", "%v", err)
	}
	switch {
	case cfg.Domain == "":
		fail("domain", "required: the public host name served over HTTPS (shop.example.com)")
	case !domainRE.MatchString(cfg.Domain):
		fail("domain", "%q is not a lower-case DNS name", cfg.Domain)
	}
	if cfg.CertificateARN == "" && cfg.HostedZoneID == "" {
		fail("hostedZoneId", "required unless certificateArn is set: the Route 53 zone the certificate is validated in")
	}
	if cfg.HostedZoneID != "" && !zoneRE.MatchString(cfg.HostedZoneID) {
		fail("hostedZoneId", "%q is not a Route 53 zone id (Z...)", cfg.HostedZoneID)
	}
	if cfg.CertificateARN != "" && !strings.HasPrefix(cfg.CertificateARN, "arn:aws:acm:") {
		fail("certificateArn", "%q is not an ACM certificate ARN", cfg.CertificateARN)
	}
	switch {
	case cfg.EdgeCertificateARN == "" && cfg.HostedZoneID == "":
		fail("edgeCertificateArn", "required unless hostedZoneId is set: a us-east-1 certificate for the domain, for CloudFront")
	case cfg.EdgeCertificateARN != "" && !strings.HasPrefix(cfg.EdgeCertificateARN, "arn:aws:acm:us-east-1:"):
		fail("edgeCertificateArn", "%q is not an ACM certificate ARN in us-east-1 (CloudFront takes no other region's)", cfg.EdgeCertificateARN)
	}
	cfg.Edge = EdgeConfig{PriceClass: "PriceClass_100"}
	if err := objectKey(c, "edge", &cfg.Edge); err != nil {
		fail("edge", "%v", err)
	} else {
		if n := cfg.Edge.ClickRateLimit; n != 0 && (n < 10 || n > 2000000000) {
			fail("edge", "clickRateLimit must be 0 (off) or 10..2000000000 requests per 5 minutes (got %d)", n)
		}
		switch cfg.Edge.PriceClass {
		case "PriceClass_100", "PriceClass_200", "PriceClass_All":
		default:
			fail("edge", "priceClass must be PriceClass_100, PriceClass_200 or PriceClass_All (got %q)", cfg.Edge.PriceClass)
		}
	}
	switch nat := platform.NatStrategy(orDefault(c.Get("natStrategy"), string(platform.NatSingle))); nat {
	case platform.NatSingle, platform.NatOnePerAZ:
		cfg.Nat = nat
		if cfg.Production && nat != platform.NatOnePerAZ {
			fail("natStrategy", "production stacks need %q (a NAT gateway per availability zone), got %q", platform.NatOnePerAZ, nat)
		}
	default:
		fail("natStrategy", "unknown NAT strategy %q (want %q or %q)", nat, platform.NatSingle, platform.NatOnePerAZ)
	}
	if cfg.WorkerRuntime, err = platform.ParseRuntime(orDefault(c.Get("workerRuntime"), string(platform.RuntimeLambda))); err != nil {
		fail("workerRuntime", "%v", err)
	}

	cfg.HTTP = map[string]HTTPServiceConfig{}
	for _, hs := range []struct{ key, name string }{{"ingestionApi", deploy.IngestionAPI}, {"productService", deploy.ProductService}} {
		key := hs.key
		svc := &HTTPServiceConfig{DesiredCount: 1, MaxCount: 4, CPU: 256, MemoryMB: 512}
		cfg.HTTP[hs.name] = *svc
		if err := objectKey(c, key, svc); err != nil {
			fail(key, "%v", err)
			continue
		}
		cfg.HTTP[hs.name] = *svc
		switch {
		case svc.DesiredCount < 1:
			fail(key, "desiredCount must be at least 1 (got %d)", svc.DesiredCount)
		case svc.MaxCount < svc.DesiredCount:
			fail(key, "maxCount %d is below desiredCount %d", svc.MaxCount, svc.DesiredCount)
		}
		if err := fargateSize(svc.CPU, svc.MemoryMB); err != nil {
			fail(key, "%v", err)
		}
	}
	cfg.ThumbnailGenerator = ThumbnailConfig{MaxTasks: 2, MessagesPerTask: 10, TimeoutSeconds: 300, CPU: 1024, MemoryMB: 2048}
	if err := objectKey(c, "thumbnailGenerator", &cfg.ThumbnailGenerator); err != nil {
		fail("thumbnailGenerator", "%v", err)
	} else {
		if cfg.ThumbnailGenerator.MaxTasks < 1 || cfg.ThumbnailGenerator.MaxTasks > 50 {
			fail("thumbnailGenerator", "maxTasks must be in 1..50 (got %d)", cfg.ThumbnailGenerator.MaxTasks)
		}
		if cfg.ThumbnailGenerator.MessagesPerTask < 1 {
			fail("thumbnailGenerator", "messagesPerTask must be at least 1 (got %d)", cfg.ThumbnailGenerator.MessagesPerTask)
		}
		if t := cfg.ThumbnailGenerator.TimeoutSeconds; t < 1 || t > 7200 {
			fail("thumbnailGenerator", "timeoutSeconds must be in 1..7200 (got %d)", t)
		}
		if err := fargateSize(cfg.ThumbnailGenerator.CPU, cfg.ThumbnailGenerator.MemoryMB); err != nil {
			fail("thumbnailGenerator", "%v", err)
		}
	}
	cfg.Workers = WorkerConfig{TimeoutSeconds: 60, MemoryMB: 512, MaxConcurrency: 5}
	if err := objectKey(c, "workers", &cfg.Workers); err != nil {
		fail("workers", "%v", err)
	} else {
		w := cfg.Workers
		if w.TimeoutSeconds < 1 || w.TimeoutSeconds > 900 {
			fail("workers", "timeoutSeconds must be in 1..900, Lambda's limit (got %d)", w.TimeoutSeconds)
		}
		if w.MemoryMB < 128 || w.MemoryMB > 10240 {
			fail("workers", "memoryMb must be in 128..10240 (got %d)", w.MemoryMB)
		}
		if w.MaxConcurrency < 2 || w.MaxConcurrency > 1000 {
			fail("workers", "maxConcurrency must be in 2..1000 (got %d)", w.MaxConcurrency)
		}
		if cfg.WorkerRuntime == platform.RuntimeECS {
			if err := fargateSize(workerCPU, w.MemoryMB); err != nil {
				fail("workers", "with workerRuntime ecs the tasks have %d CPU units: %v", workerCPU, err)
			}
		}
	}

	if cfg.LogRetentionDays, err = intKey(c, "logRetentionDays", 30); err != nil {
		fail("logRetentionDays", "%v", err)
	} else if !containsInt(logRetentionValues, cfg.LogRetentionDays) {
		fail("logRetentionDays", "%d is not a CloudWatch retention period (one of %v)", cfg.LogRetentionDays, logRetentionValues)
	}
	switch {
	case cfg.AlertEmail == "" && cfg.Production:
		fail("alertEmail", "required in production: alarms and budget notifications go there")
	case cfg.AlertEmail != "":
		if a, err := mail.ParseAddress(cfg.AlertEmail); err != nil || a.Address != cfg.AlertEmail {
			fail("alertEmail", "%q is not an e-mail address", cfg.AlertEmail)
		}
	}
	budget := c.Get("monthlyBudgetUsd")
	if budget == "" {
		fail("monthlyBudgetUsd", "required: the monthly cost limit in USD the budget alerts on")
	} else if cfg.MonthlyBudgetUSD, err = strconv.ParseFloat(budget, 64); err != nil {
		fail("monthlyBudgetUsd", "%q is not a number", budget)
	} else if cfg.MonthlyBudgetUSD <= 0 {
		fail("monthlyBudgetUsd", "must be greater than 0 (got %s)", budget)
	}
	if cfg.MFA != platform.MFAOff && cfg.MFA != platform.MFAOptional && cfg.MFA != platform.MFAOn {
		fail("mfa", "must be OFF, OPTIONAL or ON (got %q)", c.Get("mfa"))
	}
	if s := cfg.IngestionSchedule; s != "off" {
		if err := platform.ValidSchedule(s); err != nil {
			fail("ingestionSchedule", "%v (or off)", err)
		}
	}
	for key, why := range removedKeys {
		if c.Get(key) != "" {
			fail(key, "%s", why)
		}
	}
	if err := objectKey(c, "interfaceEndpoints", &cfg.InterfaceEndpoints); err != nil {
		fail("interfaceEndpoints", "%v", err)
	}
	for _, s := range secretKeys {
		if v, err := c.TrySecret(s.key); err == nil {
			cfg.Secrets[s.secret] = v
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid stack configuration:\n  %w", errors.Join(errs...))
	}
	return cfg, nil
}

func fullKey(ctx *pulumi.Context, key string) string { return ctx.Project() + ":" + key }

// objectKey decodes a structured key into v (left as is when unset),
// refusing unknown fields.
func objectKey(c *config.Config, key string, v interface{}) error {
	raw := c.Get(key)
	if raw == "" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("cannot read %s: %w", raw, err)
	}
	return nil
}

func intKey(c *config.Config, key string, def int) (int, error) {
	raw := c.Get(key)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", raw)
	}
	return n, nil
}

func boolKey(c *config.Config, key string, def bool) (bool, error) {
	raw := c.Get(key)
	if raw == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		return false, fmt.Errorf("%q is not true or false", raw)
	}
	return b, nil
}

func fargateSize(cpu, mem int) error {
	r, ok := fargateSizes[cpu]
	if !ok {
		return fmt.Errorf("cpu %d is not a Fargate size (256, 512, 1024, 2048 or 4096)", cpu)
	}
	if mem < r[0] || mem > r[1] || mem%1024 != 0 && mem != 512 {
		return fmt.Errorf("memoryMb %d does not fit cpu %d (Fargate allows %d..%d in GB steps)", mem, cpu, r[0], r[1])
	}
	return nil
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

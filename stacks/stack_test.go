package main

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/buylink/buylink/platform/pulumitest"
)

// stacks are the committed stacks; every test covers each.
var stacks = []string{"dev", "staging", "prod"}

var graphs sync.Map // stack -> *pulumitest.Graph

// graphOf runs the program for a committed stack once per test binary.
func graphOf(t *testing.T, stack string) *pulumitest.Graph {
	t.Helper()
	if g, ok := graphs.Load(stack); ok {
		return g.(*pulumitest.Graph)
	}
	g := mustRun(t, stack, nil)
	graphs.Store(stack, g)
	return g
}

func mustRun(t *testing.T, stack string, override map[string]string) *pulumitest.Graph {
	t.Helper()
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	g, err := runOffline(root, stack, override)
	if err != nil {
		t.Fatalf("stack %s: the program fails: %v", stack, err)
	}
	return g
}

func runErr(t *testing.T, stack string, override map[string]string) error {
	t.Helper()
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	_, err = runOffline(root, stack, override)
	return err
}

func TestEveryStackLoadsAndRuns(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			g := graphOf(t, stack)
			// Every service of DESIGN.md is there.
			for _, want := range []struct{ typ, name string }{
				{"buylink:platform:HTTPService", svcIngestionAPI},
				{"buylink:platform:HTTPService", svcProductService},
				{"buylink:platform:QueueWorker", svcCaptionParser},
				{"buylink:platform:QueueWorker", svcAutoTagger},
				{"buylink:platform:QueueWorker", svcThumbnailGenerator},
				{"buylink:platform:ScheduledFunction", fnScheduledIngestion},
				{"buylink:platform:Queue", queueProjector},
				{"buylink:platform:Network", "network"},
				{"buylink:platform:Cluster", "cluster"},
				{"buylink:platform:LoadBalancer", "web"},
				{"buylink:platform:Table", "catalog"},
				{"buylink:platform:MediaBucket", "media"},
				{"buylink:platform:Identity", "auth"},
				{"buylink:platform:Secrets", "secrets"},
				{"buylink:platform:Monitoring", "monitoring"},
				{"buylink:platform:Budget", "budget"},
			} {
				if g.Find(want.typ, want.name) == nil {
					t.Errorf("no %s %q", want.typ, want.name)
				}
			}
			for _, et := range eventTypes {
				if g.Find("buylink:platform:EventTopic", topicName(et)) == nil {
					t.Errorf("no topic for %s", et)
				}
			}
			t.Logf("%s: %d resources", stack, len(g.All()))
		})
	}
}

// The table is built from pkg/catalog/dynamo's schema, not a copy of it.
func TestTableFollowsCatalogSchema(t *testing.T) {
	g := graphOf(t, "prod")
	tbl := g.Find("aws:dynamodb/table:Table", "catalog")
	if tbl == nil {
		t.Fatal("no catalog table")
	}
	if tbl.Input("hashKey") != "pk" || tbl.Input("rangeKey") != "sk" {
		t.Errorf("keys %v/%v, want pk/sk", tbl.Input("hashKey"), tbl.Input("rangeKey"))
	}
	if tbl.Input("ttl", "attributeName") != "expiresAt" || tbl.Input("ttl", "enabled") != true {
		t.Errorf("ttl %v", tbl.Input("ttl"))
	}
	gsis, _ := tbl.Input("globalSecondaryIndexes").([]interface{})
	names := map[string]bool{}
	for _, ix := range gsis {
		m := ix.(map[string]interface{})
		names[m["name"].(string)] = true
		if m["projectionType"] != "ALL" {
			t.Errorf("index %v projects %v", m["name"], m["projectionType"])
		}
	}
	if !names["gsi1"] || !names["gsi2"] || len(names) != 2 {
		t.Errorf("indexes %v, want gsi1 and gsi2", names)
	}
	attrs, _ := tbl.Input("attributes").([]interface{})
	if len(attrs) != 6 {
		t.Errorf("%d attribute definitions, want 6 (pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk)", len(attrs))
	}
	if tbl.Input("deletionProtectionEnabled") != true {
		t.Error("prod table without deletion protection")
	}
	if dev := graphOf(t, "dev").Find("aws:dynamodb/table:Table", "catalog"); dev.Input("deletionProtectionEnabled") != false {
		t.Error("dev table with deletion protection")
	}
}

func TestBadConfigNamesTheKey(t *testing.T) {
	for _, tc := range []struct {
		name, stack string
		override    map[string]string
		key         string
	}{
		{"unknown runtime", "dev", map[string]string{"buylink:workerRuntime": "fargate"}, "buylink:workerRuntime"},
		{"prod without alert email", "prod", map[string]string{"buylink:alertEmail": ""}, "buylink:alertEmail"},
		{"budget zero", "staging", map[string]string{"buylink:monthlyBudgetUsd": "0"}, "buylink:monthlyBudgetUsd"},
		{"budget negative", "dev", map[string]string{"buylink:monthlyBudgetUsd": "-20"}, "buylink:monthlyBudgetUsd"},
		{"budget not a number", "dev", map[string]string{"buylink:monthlyBudgetUsd": "lots"}, "buylink:monthlyBudgetUsd"},
		{"budget missing", "dev", map[string]string{"buylink:monthlyBudgetUsd": ""}, "buylink:monthlyBudgetUsd"},
		{"unknown NAT strategy", "dev", map[string]string{"buylink:natStrategy": "none"}, "buylink:natStrategy"},
		{"prod with one NAT", "prod", map[string]string{"buylink:natStrategy": "single"}, "buylink:natStrategy"},
		{"bad alert email", "staging", map[string]string{"buylink:alertEmail": "ops at example"}, "buylink:alertEmail"},
		{"bad log retention", "dev", map[string]string{"buylink:logRetentionDays": "10"}, "buylink:logRetentionDays"},
		{"missing domain", "dev", map[string]string{"buylink:domain": ""}, "buylink:domain"},
		{"no certificate source", "dev", map[string]string{"buylink:hostedZoneId": ""}, "buylink:hostedZoneId"},
		{"unknown field", "dev", map[string]string{"buylink:ingestionApi": `{"desiredCount":1,"replicas":3}`}, "buylink:ingestionApi"},
		{"bad fargate size", "dev", map[string]string{"buylink:productService": `{"desiredCount":1,"maxCount":2,"cpu":256,"memoryMb":4096}`}, "buylink:productService"},
		{"max below desired", "prod", map[string]string{"buylink:ingestionApi": `{"desiredCount":3,"maxCount":2,"cpu":256,"memoryMb":512}`}, "buylink:ingestionApi"},
		{"bad MFA", "dev", map[string]string{"buylink:mfa": "sometimes"}, "buylink:mfa"},
		{"bad schedule", "dev", map[string]string{"buylink:ingestionSchedule": "hourly"}, "buylink:ingestionSchedule"},
		{"worker timeout above Lambda's", "dev", map[string]string{"buylink:workers": `{"timeoutSeconds":1200,"memoryMb":512,"maxConcurrency":2}`}, "buylink:workers"},
		{"no region", "dev", map[string]string{"aws:region": ""}, "aws:region"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := runErr(t, tc.stack, tc.override)
			if err == nil {
				t.Fatalf("%v accepted", tc.override)
			}
			if !strings.Contains(err.Error(), tc.key+":") {
				t.Errorf("error does not name %s: %v", tc.key, err)
			}
		})
	}
}

// All errors are reported at once, each with its key.
func TestBadConfigReportsEveryError(t *testing.T) {
	err := runErr(t, "prod", map[string]string{
		"buylink:workerRuntime": "k8s", "buylink:alertEmail": "", "buylink:monthlyBudgetUsd": "0",
	})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, key := range []string{"buylink:workerRuntime", "buylink:alertEmail", "buylink:monthlyBudgetUsd"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}

// With workerRuntime ecs, caption-parser and auto-tagger run as Fargate Spot
// services with images instead of functions.
func TestECSWorkerRuntime(t *testing.T) {
	g := mustRun(t, "staging", map[string]string{"buylink:workerRuntime": "ecs"})
	for _, name := range []string{svcCaptionParser, svcAutoTagger} {
		w := g.Find("buylink:platform:QueueWorker", name)
		if w == nil {
			t.Fatalf("no worker %s", name)
		}
		var svc, fn *pulumitest.Resource
		for _, r := range g.All() {
			if g.Ancestor(w, r) {
				switch r.Type {
				case "aws:ecs/service:Service":
					svc = r
				case "aws:lambda/function:Function":
					fn = r
				}
			}
		}
		if svc == nil || fn != nil {
			t.Fatalf("%s: want an ECS service and no function (service %v, function %v)", name, svc, fn)
		}
		if cp := capacityProvider(svc); cp != "FARGATE_SPOT" {
			t.Errorf("%s runs on %s, want FARGATE_SPOT", name, cp)
		}
		if g.Find("buylink:platform:ContainerImage", name) == nil {
			t.Errorf("%s has no image", name)
		}
	}
	checkPolicies(t, g, "staging")
}

// Secrets set in the configuration reach ECS tasks by ARN (injected by ECS)
// and Lambda functions by value (kept secret); unset ones are not created
// and their features stay off (no LLM key: rule-based parsing; no Apify
// token: no scraping).
func TestSecretsReachTheirServices(t *testing.T) {
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	sf, err := readStack(root, "dev")
	if err != nil {
		t.Fatal(err)
	}
	sf.Config["buylink:openrouterApiKey"] = "sk-or-test"
	delete(sf.Config, "buylink:apifyToken")
	delete(sf.Config, "buylink:adminPasswordHash")
	g, err := pulumitest.Run(program, pulumitest.Options{
		Project: sf.Project, Stack: "dev", Region: sf.Config["aws:region"], Config: sf.Config,
		SecretKeys: []string{"buylink:openrouterApiKey"}, RootDirectory: root,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{secretOpenRouter: true, secretJWT: true, secretApify: false, secretAdminHash: false} {
		if (g.Find("aws:secretsmanager/secret:Secret", name) != nil) != want {
			t.Errorf("secret %s: created %v, want %v", name, !want, want)
		}
		if v := g.Find("aws:secretsmanager/secretVersion:SecretVersion", name); v != nil && v.Input("secretString") != pulumitest.Redacted {
			t.Errorf("secret %s: value %v is not kept secret", name, v.Input("secretString"))
		}
	}
	fn := g.Find("aws:lambda/function:Function", svcCaptionParser)
	if fn.Input("environment", "variables", "OPENROUTER_API_KEY") != pulumitest.Redacted {
		t.Errorf("caption-parser's key: %v", fn.Input("environment", "variables", "OPENROUTER_API_KEY"))
	}
	if sched := g.Find("aws:lambda/function:Function", fnScheduledIngestion); sched.Input("environment", "variables", "APIFY_TOKEN") != nil {
		t.Error("an unset Apify token reached the scheduled ingestion")
	}
	snap, err := g.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(snap), "sk-or-test") {
		t.Error("the key is in the plan")
	}
	var defs []struct {
		Secrets []struct{ Name, ValueFrom string }
	}
	td := g.Find("aws:ecs/taskDefinition:TaskDefinition", svcIngestionAPI)
	if err := json.Unmarshal([]byte(td.Input("containerDefinitions").(string)), &defs); err != nil {
		t.Fatal(err)
	}
	jwtARN := g.Find("aws:secretsmanager/secret:Secret", secretJWT).Output("arn")
	if len(defs[0].Secrets) != 1 || defs[0].Secrets[0].Name != "JWT_SECRET" || defs[0].Secrets[0].ValueFrom != jwtARN {
		t.Errorf("ingestion-api secrets %+v, want JWT_SECRET from %v only", defs[0].Secrets, jwtARN)
	}
}

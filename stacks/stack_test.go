package main

import (
	"encoding/json"
	"github.com/buylink/buylink/pkg/deploy"
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
				{"buylink:platform:HTTPService", deploy.IngestionAPI},
				{"buylink:platform:HTTPService", deploy.ProductService},
				{"buylink:platform:QueueWorker", deploy.CaptionParser},
				{"buylink:platform:QueueWorker", deploy.AutoTagger},
				{"buylink:platform:QueueWorker", deploy.ThumbnailGenerator},
				{"buylink:platform:ScheduledFunction", deploy.ScheduledIngestion},
				{"buylink:platform:ScheduledFunction", deploy.Sweeper},
				{"buylink:platform:QueueFunction", deploy.DeadLetters},
				{"buylink:platform:Queue", "projector"},
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
			for _, et := range deploy.EventTypes {
				if g.Find("buylink:platform:EventTopic", deploy.TopicName(et)) == nil {
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
		{"plural rate of one", "dev", map[string]string{"buylink:ingestionSchedule": "rate(1 hours)"}, "buylink:ingestionSchedule"},
		{"five-field cron", "prod", map[string]string{"buylink:ingestionSchedule": "cron(0 6 * * *)"}, "buylink:ingestionSchedule"},
		{"ECS worker memory that fits no Fargate size", "dev", map[string]string{"buylink:workerRuntime": "ecs",
			"buylink:workers": `{"timeoutSeconds":60,"memoryMb":3000,"maxConcurrency":2}`}, "buylink:workers"},
		{"removed admin password", "prod", map[string]string{"buylink:adminPasswordHash": "$2a$12$abc"}, "buylink:adminPasswordHash"},
		{"worker timeout above Lambda's", "dev", map[string]string{"buylink:workers": `{"timeoutSeconds":1200,"memoryMb":512,"maxConcurrency":2}`}, "buylink:workers"},
		{"no region", "dev", map[string]string{"aws:region": ""}, "aws:region"},
		{"edge certificate outside us-east-1", "prod", map[string]string{"buylink:edgeCertificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/x"}, "buylink:edgeCertificateArn"},
		{"no edge certificate source", "dev", map[string]string{"buylink:hostedZoneId": "", "buylink:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x"}, "buylink:edgeCertificateArn"},
		{"click rate limit below WAF's", "prod", map[string]string{"buylink:edge": `{"clickRateLimit":5}`}, "buylink:edge"},
		{"unknown price class", "dev", map[string]string{"buylink:edge": `{"priceClass":"cheap"}`}, "buylink:edge"},
		{"unknown edge field", "dev", map[string]string{"buylink:edge": `{"waf":true}`}, "buylink:edge"},
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
	for _, name := range []string{deploy.CaptionParser, deploy.AutoTagger} {
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
// and Lambda functions as the ARN of their secret, read at cold start: no
// value is ever in a function's environment. Unset ones are not created and
// their features stay off (no LLM key: rule-based parsing; no Apify token:
// no scheduled ingestion at all).
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
	for _, runtime := range []string{"lambda", "ecs"} {
		sf.Config["buylink:workerRuntime"] = runtime
		g, err := pulumitest.Run(program, pulumitest.Options{
			Project: sf.Project, Stack: "dev", Region: sf.Config["aws:region"], Config: sf.Config,
			SecretKeys: []string{"buylink:openrouterApiKey"}, RootDirectory: root,
		})
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]bool{"openrouter-api-key": true, apifySecret: false} {
			if (g.Find("aws:secretsmanager/secret:Secret", name) != nil) != want {
				t.Errorf("secret %s: created %v, want %v", name, !want, want)
			}
			if v := g.Find("aws:secretsmanager/secretVersion:SecretVersion", name); v != nil && v.Input("secretString") != pulumitest.Redacted {
				t.Errorf("secret %s: value %v is not kept secret", name, v.Input("secretString"))
			}
		}
		keyARN := g.Find("aws:secretsmanager/secret:Secret", "openrouter-api-key").Output("arn")
		if runtime == "lambda" {
			fn := g.Find("aws:lambda/function:Function", deploy.CaptionParser)
			vars, _ := fn.Input("environment", "variables").(map[string]interface{})
			if vars["OPENROUTER_API_KEY"] != nil || vars["OPENROUTER_API_KEY_SECRET_ARN"] != keyARN {
				t.Errorf("caption-parser's environment %v, want the key's ARN %v and no value", vars, keyARN)
			}
		} else {
			var defs []struct {
				Secrets []struct{ Name, ValueFrom string }
			}
			td := g.Find("aws:ecs/taskDefinition:TaskDefinition", deploy.CaptionParser)
			if err := json.Unmarshal([]byte(td.Input("containerDefinitions").(string)), &defs); err != nil {
				t.Fatal(err)
			}
			if len(defs[0].Secrets) != 1 || defs[0].Secrets[0].Name != "OPENROUTER_API_KEY" || defs[0].Secrets[0].ValueFrom != keyARN {
				t.Errorf("caption-parser task secrets %+v, want OPENROUTER_API_KEY from %v only", defs[0].Secrets, keyARN)
			}
		}
		if g.Find("buylink:platform:ScheduledFunction", deploy.ScheduledIngestion) != nil {
			t.Error("scheduled ingestion is deployed without an Apify token")
		}
		snap, err := g.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(snap), "sk-or-test") {
			t.Error("the key is in the plan")
		}
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/platform/pulumitest"
)

// contractCases are the plans the contract holds on: every committed
// stack, and one with the LLM workers on ECS.
var contractCases = []struct {
	name, stack string
	override    map[string]string
}{
	{"dev", "dev", nil},
	{"staging", "staging", nil},
	{"prod", "prod", nil},
	{"staging-ecs", "staging", map[string]string{"buylink:workerRuntime": "ecs"}},
}

// The deployment contract: for every deployable in every plan, the
// environment its binary receives is exactly what pkg/deploy declares it
// reads on its runtime (nothing missing, nothing unread), and its role's
// grants are exactly those its declaration implies.
func TestDeploymentContract(t *testing.T) {
	for _, tc := range contractCases {
		t.Run(tc.name, func(t *testing.T) {
			g := graphOf(t, tc.stack)
			if tc.override != nil {
				g = mustRun(t, tc.stack, tc.override)
			}
			for _, v := range contractViolations(g) {
				t.Error(v)
			}
		})
	}
}

// Each kind of drift between plan and declarations is caught.
func TestDeploymentContractCatchesViolations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(t *testing.T, g *pulumitest.Graph)
		want  string
	}{
		{"a variable nothing reads", func(t *testing.T, g *pulumitest.Graph) {
			setLambdaEnv(t, g, deploy.CaptionParser, "MEDIA_BUCKET_URL", "s3://x")
		}, "caption-parser (lambda): sets MEDIA_BUCKET_URL, which it does not read"},
		{"a secret's value in a function", func(t *testing.T, g *pulumitest.Graph) {
			setLambdaEnv(t, g, deploy.AutoTagger, "OPENROUTER_API_KEY", "sk-or-leaked")
		}, "auto-tagger (lambda): sets OPENROUTER_API_KEY, which it does not read"},
		{"a required variable missing", func(t *testing.T, g *pulumitest.Graph) {
			editContainer(t, g, deploy.ProductService, func(c map[string]interface{}) {
				c["environment"] = dropName(c["environment"], "STORE_URL")
			})
		}, "product-service (ecs): does not set STORE_URL"},
		{"an injected secret nothing reads", func(t *testing.T, g *pulumitest.Graph) {
			editContainer(t, g, deploy.IngestionAPI, func(c map[string]interface{}) {
				c["secrets"] = []interface{}{map[string]interface{}{"name": "JWT_SECRET", "valueFrom": "arn:aws:secretsmanager:x"}}
			})
		}, "ingestion-api (ecs): sets JWT_SECRET, which it does not read"},
		{"a grant it does not declare", func(t *testing.T, g *pulumitest.Graph) {
			bucket := g.Find("aws:s3/bucketV2:BucketV2", "media").Output("arn")
			addStatement(t, g, deploy.CaptionParser, []string{"s3:PutObject"}, fmt.Sprint(bucket)+"/"+deploy.ThumbsPrefix+"*")
		}, "caption-parser (lambda): granted media:thumbs/:write"},
		{"a declared grant missing", func(t *testing.T, g *pulumitest.Graph) {
			editPolicy(t, g, deploy.ScheduledIngestion, func(st []map[string]interface{}) []map[string]interface{} {
				return slices.DeleteFunc(st, func(s map[string]interface{}) bool { return fmt.Sprint(s["Action"]) == "[sns:Publish]" })
			})
		}, "scheduled-ingestion (lambda): not granted publish:video.posted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := mustRun(t, "prod", nil)
			tc.plant(t, g)
			v := contractViolations(g)
			if !slices.ContainsFunc(v, func(s string) bool { return strings.Contains(s, tc.want) }) {
				t.Errorf("want %q among the violations %q", tc.want, v)
			}
		})
	}
}

// contractViolations checks every deployable of a plan.
func contractViolations(g *pulumitest.Graph) []string {
	var out []string
	secrets := map[string]bool{}
	for _, s := range g.OfType("aws:secretsmanager/secret:Secret") {
		secrets[s.Name] = true
	}
	for _, d := range deploy.All {
		rt, env, role := deployed(g, d)
		if rt == "" {
			if d.Name == deploy.ScheduledIngestion && !secrets[apifySecret] {
				continue // not deployed without an Apify token
			}
			out = append(out, d.Name+": not in the plan")
			continue
		}
		who := fmt.Sprintf("%s (%s)", d.Name, rt)
		want := d.AWSEnv(rt, func(s string) bool { return secrets[s] })
		for name := range env {
			if _, ok := want[name]; !ok {
				out = append(out, fmt.Sprintf("%s: sets %s, which it does not read", who, name))
			}
		}
		for name := range want {
			if _, ok := env[name]; !ok {
				out = append(out, fmt.Sprintf("%s: does not set %s (%s)", who, name, want[name].Doc))
			}
		}
		for _, v := range d.Environment(rt) {
			if v.Required && v.AWS == deploy.Unset {
				out = append(out, fmt.Sprintf("%s: %s is required and the stack never sets it", who, v.Name))
			}
		}
		have, err := grantsOf(g, role)
		if err != nil {
			out = append(out, who+": "+err.Error())
			continue
		}
		expected := declaredGrants(d, rt, secrets)
		for _, k := range sortedSet(have) {
			if !expected[k] {
				out = append(out, fmt.Sprintf("%s: granted %s, which it does not declare", who, k))
			}
		}
		for _, k := range sortedSet(expected) {
			if !have[k] {
				out = append(out, fmt.Sprintf("%s: not granted %s, which it declares", who, k))
			}
		}
	}
	return out
}

// deployed finds a deployable in the plan: its runtime, the environment
// its binary receives (names; ECS secrets included) and its role's policy.
func deployed(g *pulumitest.Graph, d deploy.Deployable) (deploy.Runtime, map[string]bool, *pulumitest.Resource) {
	env := map[string]bool{}
	if fn := g.Find("aws:lambda/function:Function", d.Name); fn != nil {
		vars, _ := fn.Input("environment", "variables").(map[string]interface{})
		for k := range vars {
			env[k] = true
		}
		return deploy.Lambda, env, g.Find("aws:iam/rolePolicy:RolePolicy", d.Name)
	}
	td := g.Find("aws:ecs/taskDefinition:TaskDefinition", d.Name)
	if td == nil {
		return "", nil, nil
	}
	for _, c := range containers(td) {
		for _, key := range []string{"environment", "secrets"} {
			list, _ := c[key].([]interface{})
			for _, e := range list {
				env[fmt.Sprint(e.(map[string]interface{})["name"])] = true
			}
		}
	}
	return deploy.ECS, env, g.Find("aws:iam/rolePolicy:RolePolicy", d.Name+"-task")
}

// grantsOf classifies every (action, resource) a role policy allows as a
// grant key ("table:write", "media:thumbs/:read", "publish:video.posted",
// "consume:projector", ...). An action on a resource outside the stack's
// known ones is an error.
func grantsOf(g *pulumitest.Graph, policy *pulumitest.Resource) (map[string]bool, error) {
	out := map[string]bool{}
	if policy == nil {
		return out, nil
	}
	arn := func(typ, name string) string {
		if r := g.Find(typ, name); r != nil {
			return fmt.Sprint(r.Output("arn"))
		}
		return "(none)"
	}
	table, bucket := arn("aws:dynamodb/table:Table", "catalog"), arn("aws:s3/bucketV2:BucketV2", "media")
	for _, st := range statements(policy.Input("policy")) {
		for _, res := range st.Resources {
			for _, a := range st.Actions {
				key, err := grantKey(g, table, bucket, a, res)
				if err != nil {
					return nil, err
				}
				if key != "" {
					out[key] = true
				}
			}
		}
	}
	return out, nil
}

func grantKey(g *pulumitest.Graph, table, bucket, action, res string) (string, error) {
	svc, verb, _ := strings.Cut(action, ":")
	switch {
	case svc == "logs" || slices.Contains(awsRequiresStar, action) && res == "*":
		return "", nil // its own logs; attaching to the VPC
	case res == table || res == table+"/index/*":
		if slices.Contains([]string{"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"}, verb) {
			return "table:write", nil
		}
		return "table:read", nil
	case res == bucket && action == "s3:ListBucket":
		return "media:list", nil
	case strings.HasPrefix(res, bucket+"/"):
		prefix := strings.TrimSuffix(strings.TrimPrefix(res, bucket+"/"), "*")
		if action == "s3:PutObject" {
			return "media:" + prefix + ":write", nil
		}
		return "media:" + prefix + ":read", nil
	}
	for _, et := range deploy.EventTypes {
		if res == fmt.Sprint(g.Find("aws:sns/topic:Topic", deploy.TopicName(et)).Output("arn")) {
			return "publish:" + et, nil
		}
	}
	for _, q := range g.OfType("aws:sqs/queue:Queue") {
		if res != fmt.Sprint(q.Output("arn")) {
			continue
		}
		if consumer, ok := strings.CutSuffix(q.Name, "-dlq"); ok {
			switch action {
			case "sqs:SendMessage":
				return "dead-letter:" + consumer, nil
			case "sqs:GetQueueUrl":
				return "", nil // part of sending and of consuming
			}
			return "consume-dlq:" + consumer, nil
		}
		return "consume:" + q.Name, nil
	}
	for _, s := range g.OfType("aws:secretsmanager/secret:Secret") {
		if res == fmt.Sprint(s.Output("arn")) {
			return "secret:" + s.Name, nil
		}
	}
	return "", fmt.Errorf("%s on %s: a resource the contract does not know", action, res)
}

// declaredGrants are the grant keys a deployable's declaration implies on
// rt, given the configured secrets.
func declaredGrants(d deploy.Deployable, rt deploy.Runtime, secrets map[string]bool) map[string]bool {
	out := map[string]bool{}
	switch d.Grants.Table {
	case deploy.ReadWrite:
		out["table:read"], out["table:write"] = true, true
	case deploy.Read:
		out["table:read"] = true
	}
	for _, m := range d.Grants.Media {
		out["media:list"], out["media:"+m.Prefix+":read"] = true, true
		if m.Write {
			out["media:"+m.Prefix+":write"] = true
		}
	}
	for _, et := range d.Produces {
		out["publish:"+et] = true
	}
	if len(d.Consumes) > 0 {
		out["consume:"+d.ConsumerName()], out["dead-letter:"+d.ConsumerName()] = true, true
	}
	if d.Grants.DeadLetterQueues {
		for _, c := range deploy.All {
			if len(c.Consumes) > 0 {
				out["consume-dlq:"+c.ConsumerName()] = true
			}
		}
	}
	if rt == deploy.Lambda {
		for _, s := range d.Secrets() {
			if secrets[s] {
				out["secret:"+s] = true
			}
		}
	}
	return out
}

// containers decodes a task definition's container definitions.
func containers(td *pulumitest.Resource) []map[string]interface{} {
	var defs []map[string]interface{}
	_ = json.Unmarshal([]byte(fmt.Sprint(td.Input("containerDefinitions"))), &defs)
	return defs
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Plants for the violation tests: each edits recorded inputs as a bad
// change to the program would.

func setLambdaEnv(t *testing.T, g *pulumitest.Graph, fn, name, value string) {
	t.Helper()
	r := g.Find("aws:lambda/function:Function", fn)
	if r == nil {
		t.Fatalf("no function %s", fn)
	}
	env, _ := r.Input("environment").(map[string]interface{})
	vars, _ := env["variables"].(map[string]interface{})
	vars[name] = value
	setInput(g, "aws:lambda/function:Function", fn, "environment", map[string]interface{}{"variables": vars})
}

func editContainer(t *testing.T, g *pulumitest.Graph, name string, edit func(map[string]interface{})) {
	t.Helper()
	td := g.Find("aws:ecs/taskDefinition:TaskDefinition", name)
	if td == nil {
		t.Fatalf("no task definition %s", name)
	}
	defs := containers(td)
	edit(defs[0])
	b, err := json.Marshal(defs)
	if err != nil {
		t.Fatal(err)
	}
	setInput(g, "aws:ecs/taskDefinition:TaskDefinition", name, "containerDefinitions", string(b))
}

func dropName(list interface{}, name string) []interface{} {
	l, _ := list.([]interface{})
	return slices.DeleteFunc(l, func(e interface{}) bool { return e.(map[string]interface{})["name"] == name })
}

func editPolicy(t *testing.T, g *pulumitest.Graph, role string, edit func([]map[string]interface{}) []map[string]interface{}) {
	t.Helper()
	p := g.Find("aws:iam/rolePolicy:RolePolicy", role)
	if p == nil {
		t.Fatalf("no role policy %s", role)
	}
	var doc map[string]interface{}
	if err := json.Unmarshal([]byte(fmt.Sprint(p.Input("policy"))), &doc); err != nil {
		t.Fatal(err)
	}
	var st []map[string]interface{}
	for _, s := range doc["Statement"].([]interface{}) {
		st = append(st, s.(map[string]interface{}))
	}
	doc["Statement"] = edit(st)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	setInput(g, "aws:iam/rolePolicy:RolePolicy", role, "policy", string(b))
}

func addStatement(t *testing.T, g *pulumitest.Graph, role string, actions []string, resource string) {
	t.Helper()
	editPolicy(t, g, role, func(st []map[string]interface{}) []map[string]interface{} {
		return append(st, map[string]interface{}{"Effect": "Allow", "Action": actions, "Resource": resource})
	})
}

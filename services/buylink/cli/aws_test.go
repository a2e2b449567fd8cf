package cli

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// run executes a command line as the binary does and returns its output.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code = Execute(ctx, args, strings.NewReader(stdin), &out, &errb)
	if strings.Contains(errb.String(), "goroutine ") || strings.Contains(errb.String(), "panic:") {
		t.Fatalf("a stack trace reached the user:\n%s", errb.String())
	}
	return out.String(), errb.String(), code
}

// lineWith returns the output line that matches all the patterns.
func lineWith(t *testing.T, out string, parts ...string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		ok := true
		for _, p := range parts {
			if !regexp.MustCompile(p).MatchString(l) {
				ok = false
				break
			}
		}
		if ok {
			return l
		}
	}
	t.Fatalf("no line matching %q in:\n%s", parts, out)
	return ""
}

const videoPosted = `{"id":"e11640408d3a2053f650a28f7f26bfd0","type":"video.posted","version":1,"occurredAt":"2025-07-07T14:58:13Z","correlationId":"1ce156a1","seller":"meenitech","videoId":"7524354452762037512","data":{"pageUrl":"https://www.tiktok.com/@meenitech/video/7524354452762037512","postedAt":"2025-07-07T14:58:13Z","attempt":1}}`

// pipelineFake has the queues of a deployment: caption-parser with its DLQ
// found through the redrive policy, thumbnail-generator with its DLQ in the
// stack file.
func pipelineFake(t *testing.T) (*fakeAWS, map[string]any) {
	f := newFakeAWS(t)
	capDLQ := f.addQueue("buylink-caption-parser-dlq", nil, videoPosted, videoPosted, "<html>502</html>")
	capQ := f.addQueue("buylink-caption-parser", capDLQ, videoPosted, videoPosted, videoPosted, videoPosted)
	capQ.received["in-flight"] = fakeMsg{ID: "x", Body: videoPosted}
	thDLQ := f.addQueue("buylink-thumbnail-generator-dlq", nil)
	thQ := f.addQueue("buylink-thumbnail-generator", thDLQ)
	f.metric = func(ns, name string, dims map[string]string, stat string) []float64 {
		if ns == "AWS/SQS" && name == "ApproximateAgeOfOldestMessage" && dims["QueueName"] == "buylink-caption-parser" && stat == "Maximum" {
			return []float64{754, 700, 640}
		}
		return nil
	}
	stack := map[string]any{
		"url": f.srv.URL, "region": "eu-west-1", "userPoolId": "eu-west-1_AbCdEf123",
		"queueUrls": map[string]string{"caption-parser": capQ.url, "thumbnail-generator": thQ.url},
		"dlqUrls":   map[string]string{"thumbnail-generator": thDLQ.url},
	}
	return f, stack
}

func TestMonitorQueuesOnAWS(t *testing.T) {
	awsEnv(t)
	f, stack := pipelineFake(t)
	out, errOut, code := run(t, "", "monitor", "--queues", "--stack", stackFile(t, stack), "--endpoint-url", f.srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lineWith(t, out, `QUEUE\s+DEPTH\s+IN FLIGHT\s+OLDEST\s+DLQ`)
	lineWith(t, out, `^\s+caption-parser\s+4\s+1\s+12m34s\s+3$`)
	lineWith(t, out, `^\s+thumbnail-generator\s+0\s+0\s+-\s+0$`)
	if f.called("sqs:GetQueueUrl") != 1 || f.called("cloudwatch:GetMetricData") != 1 {
		t.Fatalf("calls: %v", f.calls)
	}
}

func TestMonitorServicesOnAWS(t *testing.T) {
	awsEnv(t)
	f := newFakeAWS(t)
	f.health["/readyz"] = 503
	f.ecsServices["buylink-product-service"] = ecsService("buylink", "buylink-product-service", 2, 2, 0, "COMPLETED", "(service buylink-product-service) has reached a steady state.")
	f.ecsServices["buylink-thumbnail-generator"] = ecsService("buylink", "buylink-thumbnail-generator", 2, 1, 1, "IN_PROGRESS", "(service buylink-thumbnail-generator) has started 1 tasks.")
	f.functions["buylink-caption-parser"] = lambdaConfig("buylink-caption-parser", "Active")
	f.metric = func(ns, name string, dims map[string]string, stat string) []float64 {
		if ns == "AWS/Lambda" && dims["FunctionName"] == "buylink-caption-parser" && stat == "Sum" {
			return map[string][]float64{"Invocations": {120}, "Errors": {2}, "Throttles": {0}}[name]
		}
		return nil
	}
	stack := map[string]any{
		"url": f.srv.URL, "region": "eu-west-1", "clusterName": "buylink",
		"serviceNames":  map[string]string{"product-service": "buylink-product-service", "thumbnail-generator": "buylink-thumbnail-generator", "ingestion-api": "buylink-ingestion-api"},
		"functionNames": []string{"buylink-caption-parser"},
	}
	out, errOut, code := run(t, "", "monitor", "--services", "--stack", stackFile(t, stack), "--endpoint-url", f.srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lineWith(t, out, `ecs\s+product-service\s+2/2 running\s+rollout completed; last event: .*steady state`)
	lineWith(t, out, `ecs\s+thumbnail-generator\s+1/2 running !\s+1 pending; rollout in_progress`)
	lineWith(t, out, `ecs\s+.*service/buylink/buylink-ingestion-api\s+missing !\s+MISSING`)
	lineWith(t, out, `lambda\s+buylink-caption-parser\s+Active !\s+last hour: 120 invocations, 2 errors, 0 throttles`)
	lineWith(t, out, `http\s+/healthz\s+200 OK`)
	lineWith(t, out, `http\s+/readyz\s+503 Service Unavailable !`)
}

func TestMonitorErrorsOnAWS(t *testing.T) {
	awsEnv(t)
	f := newFakeAWS(t)
	f.logRows = [][]map[string]string{
		{{"field": "@timestamp", "value": "2025-07-07 14:58:13.000"}, {"field": "@log", "value": account + ":/aws/lambda/buylink-caption-parser"},
			{"field": "@message", "value": `{"time":"2025-07-07T14:58:13.000Z","level":"ERROR","msg":"message dead-lettered","service":"caption-parser","worker":"caption-parser","event":"video.posted","reason":"upstream timeout"}`},
			{"field": "@ptr", "value": "CmAKJQohMTIzNDU2Nzg5MDEyOi9hd3MvbGFtYmRhL2J1eWxpbmsQBxI1GhgCBmZf"}},
		{{"field": "@timestamp", "value": "2025-07-07 14:50:01.250"}, {"field": "@log", "value": account + ":/ecs/buylink-thumbnail-generator"},
			{"field": "@message", "value": "panic: runtime error: invalid memory address or nil pointer dereference"}},
	}
	stack := map[string]any{"region": "eu-west-1", "logGroups": map[string]string{"caption-parser": "/aws/lambda/buylink-caption-parser", "thumbnail-generator": "/ecs/buylink-thumbnail-generator"}}
	out, errOut, code := run(t, "", "monitor", "--errors", "--since", "2h", "--limit", "5", "--stack", stackFile(t, stack), "--endpoint-url", f.srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lineWith(t, out, `2025-07-07 14:58:13\s+/aws/lambda/buylink-caption-parser\s+message dead-lettered worker=caption-parser event=video.posted reason=upstream timeout`)
	lineWith(t, out, `2025-07-07 14:50:01\s+/ecs/buylink-thumbnail-generator\s+panic: runtime error`)
	q := f.lastQuery
	if !strings.Contains(fmt.Sprint(q["queryString"]), `level = "ERROR"`) || !strings.Contains(fmt.Sprint(q["queryString"]), "limit 5") ||
		fmt.Sprint(q["logGroupNames"]) != "[/aws/lambda/buylink-caption-parser /ecs/buylink-thumbnail-generator]" {
		t.Fatalf("query: %v", q)
	}
	if span := q["endTime"].(float64) - q["startTime"].(float64); span != 7200 {
		t.Fatalf("query window %vs, want 7200", span)
	}
	if f.logsPolls != 2 {
		t.Fatalf("polled %d times, want 2 (Running, then Complete)", f.logsPolls)
	}
}

func TestMonitorMetricsOnAWS(t *testing.T) {
	awsEnv(t)
	f := newFakeAWS(t)
	cp := map[string]string{"Service": "caption-parser", "Worker": "caption-parser", "EventType": "video.posted"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range cp {
			m[a] = b
		}
		return m
	}
	f.listed = []fakeMetric{
		{"EventsProcessed", cp}, {"EventFailures", with("Kind", "retryable")}, {"EventFailures", with("Kind", "panic")},
		{"DeadLetters", cp}, {"HandlerLatency", cp},
		{"LLMPromptTokens", map[string]string{"Service": "caption-parser", "Worker": "caption-parser"}},
		{"LLMCostUSD", map[string]string{"Service": "caption-parser", "Worker": "caption-parser"}},
		{"Clicks", map[string]string{"Service": "product-service"}},
		{"ThumbnailTime", map[string]string{"Service": "thumbnail-generator"}},
		{"SomethingElse", map[string]string{"Service": "x"}},
	}
	f.metric = func(ns, name string, dims map[string]string, stat string) []float64 {
		if ns != "buylink" {
			return nil
		}
		switch name + "/" + stat + "/" + dims["Kind"] {
		case "EventsProcessed/Sum/":
			return []float64{30, 12}
		case "EventFailures/Sum/retryable":
			return []float64{4}
		case "EventFailures/Sum/panic":
			return []float64{1}
		case "DeadLetters/Sum/":
			return []float64{2}
		case "HandlerLatency/SampleCount/":
			return []float64{47}
		case "HandlerLatency/p50/":
			return []float64{85}
		case "HandlerLatency/p99/":
			return []float64{1900}
		case "LLMPromptTokens/Sum/":
			return []float64{5200}
		case "LLMCostUSD/Sum/":
			return []float64{0.0184}
		case "Clicks/Sum/":
			return []float64{310}
		case "ThumbnailTime/SampleCount/":
			return []float64{9}
		case "ThumbnailTime/p50/":
			return []float64{2400}
		case "ThumbnailTime/p99/":
			return []float64{7100}
		}
		t.Errorf("unexpected query %s %v %s", name, dims, stat)
		return nil
	}
	stack := map[string]any{"region": "eu-west-1", "queueUrls": map[string]string{"caption-parser": "https://sqs.eu-west-1.amazonaws.com/" + account + "/buylink-caption-parser"}}
	out, errOut, code := run(t, "", "monitor", "--metrics", "--stack", stackFile(t, stack), "--endpoint-url", f.srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lineWith(t, out, `last 1h0m0s \(CloudWatch, namespace buylink\)`)
	lineWith(t, out, `caption-parser\s+video.posted\s+42\s+4\s+0\s+1\s+2\s+85\s+1900`)
	lineWith(t, out, `caption-parser\s+0\s+0\s+0\s+5200\s+0\s+0.0184`)
	lineWith(t, out, `clicks 310\s+thumbnail time p50 2400 ms, p99 7100 ms`)
}

func TestMonitorLiveRedrawsUntilTheFrameBound(t *testing.T) {
	awsEnv(t)
	f, stack := pipelineFake(t)
	stack["logGroups"] = []string{"/ecs/buylink-thumbnail-generator"}
	stack["clusterName"] = "buylink"
	stack["serviceNames"] = []string{"buylink-thumbnail-generator"}
	f.ecsServices["buylink-thumbnail-generator"] = ecsService("buylink", "buylink-thumbnail-generator", 1, 1, 0, "COMPLETED", "steady")
	out, errOut, code := run(t, "", "monitor", "--frames", "2", "--interval", "1s", "--stack", stackFile(t, stack), "--endpoint-url", f.srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "\x1b[H\x1b[2J"); n != 2 {
		t.Fatalf("%d screen clears, want 2", n)
	}
	for _, s := range []string{"QUEUES", "SERVICES", "RECENT ERRORS", "METRICS", "Ctrl-C to stop"} {
		if strings.Count(out, s) != 2 {
			t.Fatalf("section %s not drawn twice:\n%s", s, out)
		}
	}
	// Queues are read for every frame; the billed Logs Insights query once a minute.
	if q, l := f.called("sqs:GetQueueAttributes"), f.called("logs:StartQuery"); q < 8 || l != 1 {
		t.Fatalf("%d GetQueueAttributes and %d StartQuery calls for two frames", q, l)
	}
}

func TestDLQListOnAWS(t *testing.T) {
	awsEnv(t)
	f, stack := pipelineFake(t)
	out, errOut, code := run(t, "", "dlq", "list", "--show", "5", "--stack", stackFile(t, stack), "--endpoint-url", f.srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lineWith(t, out, `^caption-parser\s+3\s+0\s+.*/buylink-caption-parser-dlq$`)
	lineWith(t, out, `^thumbnail-generator\s+0\s+0\s+.*/buylink-thumbnail-generator-dlq$`)
	lineWith(t, out, `buylink-caption-parser-dlq-0\s+video.posted e11640408d3a2053f650a28f7f26bfd0 seller meenitech video 7524354452762037512`)
	lineWith(t, out, `buylink-caption-parser-dlq-2\s+not an event`)
	// A peek leaves the messages where they were.
	out, _, _ = run(t, "", "dlq", "list", "--worker", "caption-parser", "--stack", stackFile(t, stack), "--endpoint-url", f.srv.URL)
	lineWith(t, out, `^caption-parser\s+3\s+0\s`)
}

func TestDLQRedriveWithAMoveTask(t *testing.T) {
	awsEnv(t)
	f, stack := pipelineFake(t)
	out, errOut, code := run(t, "", "dlq", "redrive", "--worker", "caption-parser", "--poll-interval", "10ms", "--stack", stackFile(t, stack), "--endpoint-url", f.srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lineWith(t, out, `caption-parser: 3 dead letters moved back to the queue`)
	lineWith(t, errOut, `move task eyJ0YXNrSWQiOiJk... started`)
	lineWith(t, errOut, `redrive caption-parser \[#+\.+\] 1/3`)
	lineWith(t, errOut, `redrive caption-parser \[#{30}\] 3/3`)
	m := f.move
	if m.startedWith["SourceArn"] != "arn:aws:sqs:eu-west-1:"+account+":buylink-caption-parser-dlq" ||
		m.startedWith["DestinationArn"] != "arn:aws:sqs:eu-west-1:"+account+":buylink-caption-parser" {
		t.Fatalf("move task started with %v", m.startedWith)
	}
	if len(m.src.msgs) != 0 || len(m.dst.msgs) != 7 {
		t.Fatalf("after the move: %d in the DLQ, %d in the queue", len(m.src.msgs), len(m.dst.msgs))
	}
	// Nothing left: nothing to do.
	out, _, code = run(t, "", "dlq", "redrive", "--worker", "caption-parser", "--stack", stackFile(t, stack), "--endpoint-url", f.srv.URL)
	if code != 0 || !strings.Contains(out, "caption-parser: no dead letters") {
		t.Fatalf("second redrive: %d %s", code, out)
	}
}

func TestDLQRedriveFallsBackToResend(t *testing.T) {
	awsEnv(t)
	f, stack := pipelineFake(t)
	f.moveRefusal = "UnsupportedOperation"
	out, errOut, code := run(t, "", "dlq", "redrive", "--all", "--stack", stackFile(t, stack), "--endpoint-url", f.srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lineWith(t, errOut, `caption-parser: SQS StartMessageMoveTask: (AWS.SimpleQueueService.)?UnsupportedOperation: .*; receiving and re-sending instead`)
	lineWith(t, out, `caption-parser: 3 dead letters re-sent to the queue`)
	lineWith(t, out, `thumbnail-generator: no dead letters`)
	var dlq, q *fakeQueue
	for _, x := range f.queues {
		switch x.name {
		case "buylink-caption-parser-dlq":
			dlq = x
		case "buylink-caption-parser":
			q = x
		}
	}
	if len(dlq.msgs) != 0 || len(dlq.received) != 0 || len(q.msgs) != 7 {
		t.Fatalf("after resend: DLQ %d visible %d received, queue %d", len(dlq.msgs), len(dlq.received), len(q.msgs))
	}
	last := q.msgs[len(q.msgs)-3]
	if last.Body != videoPosted || last.Attrs["type"]["StringValue"] != "video.posted" {
		t.Fatalf("re-sent message lost its body or attributes: %+v", last)
	}
}

func TestDLQRedriveMoveOnlyReportsTheRefusal(t *testing.T) {
	awsEnv(t)
	f, stack := pipelineFake(t)
	f.moveRefusal = "UnsupportedOperation"
	_, errOut, code := run(t, "", "dlq", "redrive", "--worker", "caption-parser", "--method", "move", "--stack", stackFile(t, stack), "--endpoint-url", f.srv.URL)
	if code != ExitError || !regexp.MustCompile(`^buylink: caption-parser: SQS StartMessageMoveTask: (AWS.SimpleQueueService.)?UnsupportedOperation`).MatchString(errOut) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

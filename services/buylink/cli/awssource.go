package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/buylink/buylink/pkg/metrics"
)

// awsSource reads a deployed stack through the AWS APIs.
type awsSource struct {
	c *awsClients
	o *options

	mu   sync.Mutex
	dlqs map[string]string // worker -> DLQ URL, resolved once
}

func (s *awsSource) describe() string {
	if s.c.out.file != "" {
		return "stack " + s.c.out.file
	}
	return "AWS"
}

// queueAttrs reads the attributes of one queue.
func (s *awsSource) queueAttrs(ctx context.Context, queueURL string, names ...sqstypes.QueueAttributeName) (map[string]string, error) {
	ctx, cancel := s.o.withTimeout(ctx)
	defer cancel()
	out, err := s.c.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queueURL), AttributeNames: names})
	if err != nil {
		return nil, apiError("SQS GetQueueAttributes "+queueURL, err)
	}
	return out.Attributes, nil
}

// dlqURL returns a worker's dead-letter queue: from dlqUrls, or from the
// queue's redrive policy.
func (s *awsSource) dlqURL(ctx context.Context, worker string) (string, error) {
	if u := s.c.out.DLQURLs[worker]; u != "" {
		return u, nil
	}
	s.mu.Lock()
	u, ok := s.dlqs[worker]
	s.mu.Unlock()
	if ok {
		return u, nil
	}
	q := s.c.out.QueueURLs[worker]
	if q == "" {
		return "", s.unknownWorker(worker)
	}
	attrs, err := s.queueAttrs(ctx, q, sqstypes.QueueAttributeNameRedrivePolicy)
	if err != nil {
		return "", err
	}
	var rp struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	if attrs[string(sqstypes.QueueAttributeNameRedrivePolicy)] == "" {
		return "", fmt.Errorf("queue %s of %s has no redrive policy, so no dead-letter queue: pass --dlq-url %s=URL", q, worker, worker)
	}
	if err := json.Unmarshal([]byte(attrs[string(sqstypes.QueueAttributeNameRedrivePolicy)]), &rp); err != nil || rp.DeadLetterTargetArn == "" {
		return "", fmt.Errorf("queue %s of %s: unreadable redrive policy %q", q, worker, attrs["RedrivePolicy"])
	}
	// arn:aws:sqs:<region>:<account>:<name>
	parts := strings.Split(rp.DeadLetterTargetArn, ":")
	if len(parts) != 6 {
		return "", fmt.Errorf("queue %s of %s: redrive policy names %q, not an SQS ARN", q, worker, rp.DeadLetterTargetArn)
	}
	cctx, cancel := s.o.withTimeout(ctx)
	defer cancel()
	out, err := s.c.sqs.GetQueueUrl(cctx, &sqs.GetQueueUrlInput{QueueName: aws.String(parts[5]), QueueOwnerAWSAccountId: aws.String(parts[4])})
	if err != nil {
		return "", apiError("SQS GetQueueUrl "+parts[5], err)
	}
	s.mu.Lock()
	s.dlqs[worker] = aws.ToString(out.QueueUrl)
	s.mu.Unlock()
	return aws.ToString(out.QueueUrl), nil
}

func (s *awsSource) unknownWorker(worker string) error {
	if len(s.c.out.QueueURLs) == 0 {
		return s.c.out.missingKey("queueUrls", "--queue-url WORKER=URL")
	}
	return fmt.Errorf("no queue for worker %q (queues: %s)", worker, strings.Join(sortedKeys(s.c.out.QueueURLs), ", "))
}

func attrInt(attrs map[string]string, name sqstypes.QueueAttributeName) *int64 {
	v, err := strconv.ParseInt(attrs[string(name)], 10, 64)
	if err != nil {
		return nil
	}
	return &v
}

// queueName is the last path segment of a queue URL.
func queueName(queueURL string) string { return queueURL[strings.LastIndexByte(queueURL, '/')+1:] }

func (s *awsSource) queues(ctx context.Context) ([]queueRow, error) {
	if len(s.c.out.QueueURLs) == 0 {
		return nil, s.c.out.missingKey("queueUrls", "--queue-url WORKER=URL")
	}
	workers := sortedKeys(s.c.out.QueueURLs)
	rows := make([]queueRow, len(workers))
	var queries []cwQuery
	for i, w := range workers {
		attrs, err := s.queueAttrs(ctx, s.c.out.QueueURLs[w], sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)
		if err != nil {
			return nil, err
		}
		rows[i] = queueRow{Worker: w, Depth: attrInt(attrs, sqstypes.QueueAttributeNameApproximateNumberOfMessages),
			InFlight: attrInt(attrs, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)}
		dlq, err := s.dlqURL(ctx, w)
		if err != nil {
			return nil, err
		}
		dattrs, err := s.queueAttrs(ctx, dlq, sqstypes.QueueAttributeNameApproximateNumberOfMessages)
		if err != nil {
			return nil, err
		}
		rows[i].DLQ = attrInt(dattrs, sqstypes.QueueAttributeNameApproximateNumberOfMessages)
		queries = append(queries, cwQuery{id: fmt.Sprintf("age%d", i), namespace: "AWS/SQS", name: "ApproximateAgeOfOldestMessage",
			dims: map[string]string{"QueueName": queueName(s.c.out.QueueURLs[w])}, stat: "Maximum", period: 60})
	}
	// The age of the oldest message is a CloudWatch metric only.
	end := time.Now()
	res, err := s.metricData(ctx, queries, end.Add(-15*time.Minute), end)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		if vals := res[fmt.Sprintf("age%d", i)]; len(vals) > 0 {
			d := time.Duration(vals[0]) * time.Second // newest first
			rows[i].Oldest = &d
		}
	}
	return rows, nil
}

func (s *awsSource) services(ctx context.Context) ([]serviceRow, error) {
	out := s.c.out
	if len(out.ServiceNames) == 0 && len(out.FunctionNames) == 0 && out.URL == "" {
		return nil, out.missingKey("serviceNames", "--ecs-service, --function or --api-url (or export functionNames or url)")
	}
	var rows []serviceRow
	if len(out.ServiceNames) > 0 {
		if out.ClusterName == "" {
			return nil, out.missingKey("clusterName", "--cluster")
		}
		r, err := s.ecsRows(ctx)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	if len(out.FunctionNames) > 0 {
		r, err := s.lambdaRows(ctx)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	if out.URL != "" {
		hc := &http.Client{Timeout: s.o.timeout}
		for _, p := range []string{"/healthz", "/readyz"} {
			code, took, err := getStatus(ctx, hc, strings.TrimRight(out.URL, "/")+p)
			row := serviceRow{Kind: "http", Name: p}
			if err != nil {
				row.Status, row.Detail, row.Bad = "unreachable", oneLine(unwrapURLError(err)), true
			} else {
				row.Status, row.Detail, row.Bad = fmt.Sprintf("%d %s", code, http.StatusText(code)), fmt.Sprintf("%d ms", took.Milliseconds()), code != http.StatusOK
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

func (s *awsSource) ecsRows(ctx context.Context) ([]serviceRow, error) {
	out := s.c.out
	labels := out.ServiceNames.sorted()
	byName := map[string]string{}
	for _, l := range labels {
		byName[out.ServiceNames[l]] = l
	}
	var rows []serviceRow
	for start := 0; start < len(labels); start += 10 { // DescribeServices takes 10 at most
		var svcNames []string
		for _, l := range labels[start:min(start+10, len(labels))] {
			svcNames = append(svcNames, out.ServiceNames[l])
		}
		cctx, cancel := s.o.withTimeout(ctx)
		res, err := s.c.ecs.DescribeServices(cctx, &ecs.DescribeServicesInput{Cluster: aws.String(out.ClusterName), Services: svcNames})
		cancel()
		if err != nil {
			return nil, apiError("ECS DescribeServices in cluster "+out.ClusterName, err)
		}
		for _, f := range res.Failures {
			rows = append(rows, serviceRow{Kind: "ecs", Name: aws.ToString(f.Arn), Status: "missing", Detail: aws.ToString(f.Reason), Bad: true})
		}
		for _, svc := range res.Services {
			name := aws.ToString(svc.ServiceName)
			if l := byName[name]; l != "" {
				name = l
			}
			row := serviceRow{Kind: "ecs", Name: name,
				Status: fmt.Sprintf("%d/%d running", svc.RunningCount, svc.DesiredCount),
				Bad:    svc.RunningCount < svc.DesiredCount || aws.ToString(svc.Status) != "ACTIVE"}
			var detail []string
			if svc.PendingCount > 0 {
				detail = append(detail, fmt.Sprintf("%d pending", svc.PendingCount))
			}
			for _, d := range svc.Deployments {
				if aws.ToString(d.Status) == "PRIMARY" && d.RolloutState != "" {
					detail = append(detail, "rollout "+strings.ToLower(string(d.RolloutState)))
					if d.RolloutState == "FAILED" {
						row.Bad = true
					}
				}
			}
			if len(svc.Events) > 0 {
				detail = append(detail, "last event: "+aws.ToString(svc.Events[0].Message))
			}
			row.Detail = strings.Join(detail, "; ")
			rows = append(rows, row)
		}
	}
	return rows, nil
}

func (s *awsSource) lambdaRows(ctx context.Context) ([]serviceRow, error) {
	out := s.c.out
	labels := out.FunctionNames.sorted()
	var queries []cwQuery
	for i, l := range labels {
		for _, m := range []string{"Invocations", "Errors", "Throttles"} {
			queries = append(queries, cwQuery{id: fmt.Sprintf("%s%d", strings.ToLower(m), i), namespace: "AWS/Lambda", name: m,
				dims: map[string]string{"FunctionName": out.FunctionNames[l]}, stat: "Sum", period: 3600})
		}
	}
	end := time.Now()
	res, err := s.metricData(ctx, queries, end.Add(-time.Hour), end)
	if err != nil {
		return nil, err
	}
	var rows []serviceRow
	for i, l := range labels {
		cctx, cancel := s.o.withTimeout(ctx)
		fn, err := s.c.lambda.GetFunction(cctx, &lambda.GetFunctionInput{FunctionName: aws.String(out.FunctionNames[l])})
		cancel()
		if err != nil {
			return nil, apiError("Lambda GetFunction "+out.FunctionNames[l], err)
		}
		cfg := fn.Configuration
		status := string(cfg.State)
		if cfg.LastUpdateStatus != "" && cfg.LastUpdateStatus != "Successful" {
			status += ", update " + strings.ToLower(string(cfg.LastUpdateStatus))
		}
		sum := func(id string) float64 {
			var t float64
			for _, v := range res[fmt.Sprintf("%s%d", id, i)] {
				t += v
			}
			return t
		}
		inv, errs, thr := sum("invocations"), sum("errors"), sum("throttles")
		rows = append(rows, serviceRow{Kind: "lambda", Name: l, Status: status,
			Detail: fmt.Sprintf("last hour: %s invocations, %s errors, %s throttles", count(inv), count(errs), count(thr)),
			Bad:    cfg.State != "Active" || errs > 0 || thr > 0})
	}
	return rows, nil
}

// errorsQuery finds error lines: buylink logs JSON with "level":"ERROR"
// (Logs Insights discovers the field); the runtimes' own crash lines are
// matched by text.
const errorsQuery = `fields @timestamp, @log, @message
| filter level = "ERROR" or @message like /(?i)(panic:|task timed out|Runtime\.[A-Za-z]+Error)/
| sort @timestamp desc
| limit %d`

func (s *awsSource) errors(ctx context.Context, since time.Duration, limit int) ([]errorLine, error) {
	groups := s.c.out.LogGroups
	if len(groups) == 0 {
		return nil, s.c.out.missingKey("logGroups", "--log-group NAME")
	}
	var names []string
	for _, l := range groups.sorted() {
		names = append(names, groups[l])
	}
	if len(names) > 50 {
		return nil, fmt.Errorf("logs Insights queries at most 50 log groups (%d given)", len(names))
	}
	ctx, cancel := s.o.withTimeout(ctx)
	defer cancel()
	end := time.Now()
	start, err := s.c.logs.StartQuery(ctx, &cloudwatchlogs.StartQueryInput{
		LogGroupNames: names, StartTime: aws.Int64(end.Add(-since).Unix()), EndTime: aws.Int64(end.Unix()),
		QueryString: aws.String(fmt.Sprintf(errorsQuery, limit)), Limit: aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, apiError("CloudWatch Logs StartQuery", err)
	}
	for {
		res, err := s.c.logs.GetQueryResults(ctx, &cloudwatchlogs.GetQueryResultsInput{QueryId: start.QueryId})
		if err != nil {
			return nil, apiError("CloudWatch Logs GetQueryResults", err)
		}
		switch res.Status {
		case logtypes.QueryStatusComplete:
			return errorLines(res.Results), nil
		case logtypes.QueryStatusFailed, logtypes.QueryStatusCancelled, logtypes.QueryStatusTimeout, logtypes.QueryStatusUnknown:
			return nil, fmt.Errorf("logs Insights query %s ended %s", aws.ToString(start.QueryId), res.Status)
		}
		select {
		case <-ctx.Done():
			_, _ = s.c.logs.StopQuery(context.WithoutCancel(ctx), &cloudwatchlogs.StopQueryInput{QueryId: start.QueryId})
			return nil, fmt.Errorf("logs Insights query did not finish within %s (raise --timeout)", s.o.timeout)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// errorLines reads Logs Insights rows: @timestamp ("2006-01-02 15:04:05.000",
// UTC), @log ("<account>:<log group>") and @message (a JSON log record or
// plain text).
func errorLines(rows [][]logtypes.ResultField) []errorLine {
	var out []errorLine
	for _, row := range rows {
		var l errorLine
		for _, f := range row {
			v := aws.ToString(f.Value)
			switch aws.ToString(f.Field) {
			case "@timestamp":
				l.At, _ = time.Parse("2006-01-02 15:04:05.000", v)
			case "@log":
				l.Source = v[strings.IndexByte(v, ':')+1:]
			case "@message":
				l.Message = logMessage(v)
			}
		}
		out = append(out, l)
	}
	return out
}

// logMessage shortens a JSON log record to its message and the attributes
// an operator reads first.
func logMessage(raw string) string {
	var rec map[string]any
	if json.Unmarshal([]byte(raw), &rec) != nil {
		return strings.TrimSpace(raw)
	}
	msg, _ := rec["msg"].(string)
	parts := []string{msg}
	for _, k := range []string{"worker", "function", "event", "video_id", "reason", "err"} {
		if v, ok := rec[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.Join(parts, " ")
}

// metricNames are the buylink metrics the monitor reads.
var metricNames = map[string]bool{
	metrics.EventsProcessed: true, metrics.EventFailures: true, metrics.DeadLetters: true, metrics.HandlerLatency: true,
	metrics.LLMCalls: true, metrics.LLMCacheHits: true, metrics.LLMFailures: true, metrics.LLMPromptTokens: true,
	metrics.LLMCompletionTokens: true, metrics.LLMCostUSD: true, metrics.ThumbnailTime: true, metrics.Clicks: true,
}

// summaryNames are the metrics read as percentiles.
var summaryNames = map[string]bool{metrics.HandlerLatency: true, metrics.ThumbnailTime: true}

func (s *awsSource) metrics(ctx context.Context, since time.Duration) (metricsView, error) {
	// ListMetrics gives every dimension combination that exists, so each
	// series is read exactly.
	in := &cloudwatch.ListMetricsInput{Namespace: aws.String(metrics.Namespace)}
	if since <= 3*time.Hour {
		in.RecentlyActive = cwtypes.RecentlyActivePt3h
	}
	var listed []cwtypes.Metric
	p := cloudwatch.NewListMetricsPaginator(s.c.cw, in)
	for p.HasMorePages() {
		cctx, cancel := s.o.withTimeout(ctx)
		page, err := p.NextPage(cctx)
		cancel()
		if err != nil {
			return metricsView{}, apiError("CloudWatch ListMetrics", err)
		}
		for _, m := range page.Metrics {
			if metricNames[aws.ToString(m.MetricName)] {
				listed = append(listed, m)
			}
		}
	}
	period := int32((since + time.Minute - 1) / time.Minute * 60)
	var queries []cwQuery
	for i, m := range listed {
		dims := map[string]string{}
		for _, d := range m.Dimensions {
			dims[aws.ToString(d.Name)] = aws.ToString(d.Value)
		}
		q := cwQuery{namespace: metrics.Namespace, name: aws.ToString(m.MetricName), dims: dims, period: period}
		if summaryNames[q.name] {
			for _, stat := range []string{"SampleCount", "p50", "p99"} {
				q.id, q.stat = fmt.Sprintf("m%d_%s", i, stat), stat
				queries = append(queries, q)
			}
			continue
		}
		q.id, q.stat = fmt.Sprintf("m%d_Sum", i), "Sum"
		queries = append(queries, q)
	}
	end := time.Now()
	res, err := s.metricData(ctx, queries, end.Add(-since), end)
	if err != nil {
		return metricsView{}, err
	}
	// Shape the answers as a registry snapshot, so one grouping serves both runtimes.
	var snap metrics.Snapshot
	first := func(id string) (float64, bool) {
		v := res[id]
		if len(v) == 0 {
			return 0, false
		}
		return v[0], true
	}
	for i, m := range listed {
		name := aws.ToString(m.MetricName)
		dims := map[string]string{}
		for _, d := range m.Dimensions {
			dims[aws.ToString(d.Name)] = aws.ToString(d.Value)
		}
		if summaryNames[name] {
			n, _ := first(fmt.Sprintf("m%d_SampleCount", i))
			p50, _ := first(fmt.Sprintf("m%d_p50", i))
			p99, _ := first(fmt.Sprintf("m%d_p99", i))
			snap.Summaries = append(snap.Summaries, metrics.SummaryValue{Name: name, Dims: dims, Count: int64(n), P50: p50, P99: p99})
			continue
		}
		var total float64
		for _, v := range res[fmt.Sprintf("m%d_Sum", i)] {
			total += v
		}
		snap.Counters = append(snap.Counters, metrics.CounterValue{Name: name, Dims: dims, Value: total})
	}
	v := viewOfSnapshot(snap)
	v.Window = "last " + since.String() + " (CloudWatch, namespace " + metrics.Namespace + ")"
	return v, nil
}

// cwQuery is one GetMetricData query.
type cwQuery struct {
	id, namespace, name, stat string
	dims                      map[string]string
	period                    int32
}

// metricData runs queries (500 per call, as GetMetricData allows) and
// returns each query's values, newest first.
func (s *awsSource) metricData(ctx context.Context, queries []cwQuery, start, end time.Time) (map[string][]float64, error) {
	out := map[string][]float64{}
	for from := 0; from < len(queries); from += 500 {
		var mq []cwtypes.MetricDataQuery
		for _, q := range queries[from:min(from+500, len(queries))] {
			var dims []cwtypes.Dimension
			for _, k := range sortedKeys(q.dims) {
				dims = append(dims, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(q.dims[k])})
			}
			mq = append(mq, cwtypes.MetricDataQuery{Id: aws.String(q.id), ReturnData: aws.Bool(true), MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String(q.namespace), MetricName: aws.String(q.name), Dimensions: dims},
				Period: aws.Int32(q.period), Stat: aws.String(q.stat),
			}})
		}
		p := cloudwatch.NewGetMetricDataPaginator(s.c.cw, &cloudwatch.GetMetricDataInput{
			StartTime: aws.Time(start), EndTime: aws.Time(end), MetricDataQueries: mq, ScanBy: cwtypes.ScanByTimestampDescending,
		})
		for p.HasMorePages() {
			cctx, cancel := s.o.withTimeout(ctx)
			page, err := p.NextPage(cctx)
			cancel()
			if err != nil {
				return nil, apiError("CloudWatch GetMetricData", err)
			}
			for _, r := range page.MetricDataResults {
				out[aws.ToString(r.Id)] = append(out[aws.ToString(r.Id)], r.Values...)
			}
		}
	}
	return out, nil
}

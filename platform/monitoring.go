package platform

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MonitoredService is an ECS service on the dashboard.
type MonitoredService struct {
	Label       string
	ServiceName pulumi.StringInput
	// Worker marks a queue worker: it runs hot by design while it has a
	// backlog, so it gets no CPU alarm (its queue's age alarm covers it).
	Worker bool
}

// MonitoredQueue is a queue (and its DLQ) on the dashboard and alarms.
type MonitoredQueue struct {
	Label string
	Queue *Queue
}

// MonitoredFunction is a Lambda function on the dashboard and alarms.
type MonitoredFunction struct {
	Label        string
	FunctionName pulumi.StringInput
}

// MonitoringArgs configures Monitoring.
type MonitoringArgs struct {
	// AlertEmails subscribe to the alarm topic (each confirms by e-mail).
	AlertEmails []string
	// What to watch.
	ClusterName           pulumi.StringInput
	Services              []MonitoredService
	Queues                []MonitoredQueue
	Functions             []MonitoredFunction
	TableName             pulumi.StringInput
	LoadBalancerARNSuffix pulumi.StringInput
	// MaxQueueAgeSeconds alarms when a queue's oldest message is older;
	// default 900.
	MaxQueueAgeSeconds int
	// MaxLatencyP95Seconds alarms when the load balancer's p95 target
	// response time stays above it for 15 minutes; default 1.
	MaxLatencyP95Seconds float64
	// Max5xxPer5Minutes alarms on more 5xx answers in 5 minutes; default 10.
	Max5xxPer5Minutes int
	// MaxQueueDepth alarms when a queue holds more visible messages for 15
	// minutes (the consumers are not keeping up); default 1000.
	MaxQueueDepth int
	// MaxMemoryPercent alarms when an ECS service's memory stays above it
	// for 15 minutes (an OOM kill is near); default 90.
	MaxMemoryPercent float64
	// DeadLettersConsumed says a consumer drains the DLQs (and keeps each
	// letter elsewhere): their alarm fires on messages arriving, and on a
	// message left there 15 minutes (the consumer is failing), instead of
	// on messages sitting there.
	DeadLettersConsumed bool
	// DashboardName names the dashboard "<project>-<stack>-<name>";
	// default "overview".
	DashboardName string
	// AppWidgets chart the application's own metrics (embedded metric
	// format) below the AWS ones.
	AppWidgets []AppWidget
}

// AppWidget is a dashboard graph of application metrics found by CloudWatch
// search expressions (SEARCH('<search>', stat, 300)), one line per
// dimension combination found.
type AppWidget struct {
	Title string
	// Stat is the statistic: Sum, Average, p95, ...
	Stat string
	// Searches are search terms such as `Namespace="buylink" MetricName="Clicks"`.
	Searches []string
}

// Monitoring is a CloudWatch dashboard (ECS CPU and memory, SQS depth and
// age, DLQs, DynamoDB, ALB requests, latency and 5xx, Lambda errors and
// duration) and alarms publishing to an encrypted SNS topic that e-mails
// the alert addresses.
type Monitoring struct {
	pulumi.ResourceState

	AlarmTopicARN pulumi.StringOutput `pulumi:"alarmTopicArn"`
	DashboardName pulumi.StringOutput `pulumi:"dashboardName"`
	DashboardURL  pulumi.StringOutput `pulumi:"dashboardUrl"`
}

// NewMonitoring creates Monitoring.
func NewMonitoring(ctx *pulumi.Context, name string, args MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	m := &Monitoring{}
	if err := ctx.RegisterComponentResource(typeToken("Monitoring"), name, m, opts...); err != nil {
		return nil, err
	}
	opt := pulumi.Parent(m)
	account, region, err := accountRegion(ctx, m)
	if err != nil {
		return nil, err
	}

	// CloudWatch cannot publish to a topic under the AWS-managed SNS key,
	// so the alarm topic has its own key that CloudWatch may use.
	keyPolicy, _ := json.Marshal(map[string]interface{}{
		"Version": "2012-10-17",
		"Statement": []map[string]interface{}{
			{
				"Sid": "AccountAdministersKey", "Effect": "Allow",
				"Principal": map[string]string{"AWS": "arn:aws:iam::" + account + ":root"},
				"Action":    "kms:*", "Resource": "*",
			},
			// AWS's documented statement letting CloudWatch alarms publish
			// to a topic encrypted under the key, as it is: CloudWatch does
			// not send aws:SourceAccount to KMS, so a condition on it would
			// refuse every alarm notification. (The topic's own policy
			// scopes publishing to this account's alarms.)
			{
				"Sid": "CloudWatchPublishesAlarms", "Effect": "Allow",
				"Principal": map[string]string{"Service": "cloudwatch.amazonaws.com"},
				"Action":    []string{"kms:Decrypt", "kms:GenerateDataKey*"}, "Resource": "*",
			},
		},
	})
	key, err := kms.NewKey(ctx, name+"-alarms", &kms.KeyArgs{
		Description:          pulumi.String("encrypts " + physicalName(ctx, name) + " alarm notifications"),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(7),
		Policy:               pulumi.String(string(keyPolicy)),
	}, opt)
	if err != nil {
		return nil, err
	}
	if _, err := kms.NewAlias(ctx, name+"-alarms", &kms.AliasArgs{
		Name: pulumi.String("alias/" + physicalName(ctx, name) + "-alarms"), TargetKeyId: key.KeyId,
	}, opt, named); err != nil {
		return nil, err
	}
	topic, err := sns.NewTopic(ctx, name+"-alarms", &sns.TopicArgs{
		Name: pulumi.String(physicalName(ctx, name) + "-alarms"), KmsMasterKeyId: key.Arn,
	}, opt, named)
	if err != nil {
		return nil, err
	}
	if _, err := sns.NewTopicPolicy(ctx, name+"-alarms", &sns.TopicPolicyArgs{
		Arn: topic.Arn,
		Policy: topic.Arn.ApplyT(func(arn string) (string, error) {
			b, err := json.Marshal(map[string]interface{}{
				"Version": "2012-10-17",
				"Statement": []map[string]interface{}{{
					"Sid": "CloudWatchPublishesAlarms", "Effect": "Allow",
					"Principal": map[string]string{"Service": "cloudwatch.amazonaws.com"},
					"Action":    "sns:Publish", "Resource": arn,
					"Condition": map[string]interface{}{"StringEquals": map[string]string{"aws:SourceAccount": account}},
				}},
			})
			return string(b), err
		}).(pulumi.StringOutput),
	}, opt); err != nil {
		return nil, err
	}
	for i, email := range args.AlertEmails {
		if _, err := sns.NewTopicSubscription(ctx, fmt.Sprintf("%s-alarms-email-%d", name, i), &sns.TopicSubscriptionArgs{
			Topic: topic.Arn, Protocol: pulumi.String("email"), Endpoint: pulumi.String(email),
		}, opt); err != nil {
			return nil, err
		}
	}

	a := alarms{ctx: ctx, opt: opt, topic: topic.Arn}
	for _, q := range args.Queues {
		dim := pulumi.StringMap{"QueueName": q.Queue.DLQName}
		if args.DeadLettersConsumed {
			a.add(name+"-"+q.Label+"-dlq", q.Label+": messages were dead-lettered (their videos are marked failed)", "AWS/SQS", "NumberOfMessagesReceived", "Sum", dim, 0, 1, 300)
			a.add(name+"-"+q.Label+"-dlq-age", q.Label+": a dead letter was not consumed for 15 minutes", "AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum", dim, 900, 1, 300)
		} else {
			a.add(name+"-"+q.Label+"-dlq", q.Label+": messages in the dead-letter queue", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", dim, 0, 1, 300)
		}
		dim = pulumi.StringMap{"QueueName": q.Queue.Name}
		a.add(name+"-"+q.Label+"-age", q.Label+": oldest message waits too long", "AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum", dim, float64(orInt(args.MaxQueueAgeSeconds, 900)), 1, 300)
		a.add(name+"-"+q.Label+"-depth", q.Label+": backlog above its limit for 15 minutes", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", dim, float64(orInt(args.MaxQueueDepth, 1000)), 3, 300)
	}
	for _, f := range args.Functions {
		a.add(name+"-"+f.Label+"-errors", f.Label+": function errors (crashes, timeouts)", "AWS/Lambda", "Errors", "Sum", pulumi.StringMap{"FunctionName": f.FunctionName}, 0, 1, 300)
	}
	maxMem := args.MaxMemoryPercent
	if maxMem == 0 {
		maxMem = 90
	}
	for _, s := range args.Services {
		a.add(name+"-"+s.Label+"-memory", s.Label+fmt.Sprintf(": memory above %.0f%% for 15 minutes (an out-of-memory kill is near)", maxMem), "AWS/ECS", "MemoryUtilization", "Maximum",
			pulumi.StringMap{"ClusterName": args.ClusterName, "ServiceName": s.ServiceName}, maxMem, 3, 300)
		if s.Worker {
			continue
		}
		a.add(name+"-"+s.Label+"-cpu", s.Label+": CPU above 90% for 15 minutes (autoscaling at its ceiling?)", "AWS/ECS", "CPUUtilization", "Average",
			pulumi.StringMap{"ClusterName": args.ClusterName, "ServiceName": s.ServiceName}, 90, 3, 300)
	}
	if args.LoadBalancerARNSuffix != nil {
		lbDim := pulumi.StringMap{"LoadBalancer": args.LoadBalancerARNSuffix}
		a.addExpr(name+"-5xx", "load balancer: too many 5xx answers", "elb + target",
			map[string]string{"elb": "HTTPCode_ELB_5XX_Count", "target": "HTTPCode_Target_5XX_Count"}, "AWS/ApplicationELB", "Sum", lbDim,
			float64(orInt(args.Max5xxPer5Minutes, 10)))
		lat := args.MaxLatencyP95Seconds
		if lat == 0 {
			lat = 1
		}
		a.add(name+"-latency", "load balancer: p95 response time too high for 15 minutes", "AWS/ApplicationELB", "TargetResponseTime", "p95", lbDim, lat, 3, 300)
	}
	if args.TableName != nil {
		a.addExpr(name+"-table-throttles", "table: throttled requests", "reads + writes",
			map[string]string{"reads": "ReadThrottleEvents", "writes": "WriteThrottleEvents"}, "AWS/DynamoDB", "Sum",
			pulumi.StringMap{"TableName": args.TableName}, 0)
	}
	if a.err != nil {
		return nil, a.err
	}

	dashName := physicalName(ctx, orString(args.DashboardName, "overview"))
	dash, err := cloudwatch.NewDashboard(ctx, name, &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(dashName), DashboardBody: dashboardBody(region, args),
	}, opt, named)
	if err != nil {
		return nil, err
	}
	m.AlarmTopicARN, m.DashboardName = topic.Arn, dash.DashboardName
	m.DashboardURL = pulumi.String(fmt.Sprintf("https://%s.console.aws.amazon.com/cloudwatch/home?region=%s#dashboards:name=%s", region, region, dashName)).ToStringOutput()
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{
		"alarmTopicArn": m.AlarmTopicARN, "dashboardName": m.DashboardName, "dashboardUrl": m.DashboardURL,
	})
}

// alarms creates metric alarms notifying one topic, keeping the first error.
type alarms struct {
	ctx   *pulumi.Context
	opt   pulumi.ResourceOption
	topic pulumi.StringOutput
	err   error
}

// add alarms when stat of metric exceeds threshold for periods periods.
func (a *alarms) add(name, description, namespace, metric, stat string, dims pulumi.StringMap, threshold float64, periods, period int) {
	if a.err != nil {
		return
	}
	args := &cloudwatch.MetricAlarmArgs{
		AlarmDescription: pulumi.String(description), Namespace: pulumi.String(namespace), MetricName: pulumi.String(metric),
		Dimensions: dims, Period: pulumi.Int(period), EvaluationPeriods: pulumi.Int(periods), Threshold: pulumi.Float64(threshold),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"), TreatMissingData: pulumi.String("notBreaching"),
		AlarmActions: pulumi.Array{a.topic}, OkActions: pulumi.Array{a.topic},
	}
	if stat[0] == 'p' {
		args.ExtendedStatistic = pulumi.String(stat)
	} else {
		args.Statistic = pulumi.String(stat)
	}
	_, a.err = cloudwatch.NewMetricAlarm(a.ctx, name, args, a.opt)
}

// addExpr alarms when a metric-math expression over metrics (id -> metric
// name, all with the same stat and dimensions) exceeds threshold in 5 minutes.
func (a *alarms) addExpr(name, description, expr string, metrics map[string]string, namespace, stat string, dims pulumi.StringMap, threshold float64) {
	if a.err != nil {
		return
	}
	var qs cloudwatch.MetricAlarmMetricQueryArray
	for _, id := range sortedKeys(metrics) {
		qs = append(qs, &cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String(id), Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
			Namespace: pulumi.String(namespace), MetricName: pulumi.String(metrics[id]), Dimensions: dims, Period: pulumi.Int(300), Stat: pulumi.String(stat),
		}})
	}
	qs = append(qs, &cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("total"), Expression: pulumi.String(expr), ReturnData: pulumi.Bool(true), Label: pulumi.String(description)})
	_, a.err = cloudwatch.NewMetricAlarm(a.ctx, name, &cloudwatch.MetricAlarmArgs{
		AlarmDescription: pulumi.String(description), MetricQueries: qs, EvaluationPeriods: pulumi.Int(1), Threshold: pulumi.Float64(threshold),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"), TreatMissingData: pulumi.String("notBreaching"),
		AlarmActions: pulumi.Array{a.topic}, OkActions: pulumi.Array{a.topic},
	}, a.opt)
}

// dashboardBody renders the dashboard JSON once every name it shows is known.
func dashboardBody(region string, args MonitoringArgs) pulumi.StringOutput {
	// Collect the outputs in a fixed order; the apply maps them back.
	var inputs []interface{}
	idx := func(in pulumi.StringInput) int {
		inputs = append(inputs, in)
		return len(inputs) - 1
	}
	type labelled struct {
		label string
		at    int
	}
	type queueRef struct {
		label      string
		queue, dlq int
	}
	var services, functions []labelled
	var queues []queueRef
	for _, s := range args.Services {
		services = append(services, labelled{s.Label, idx(s.ServiceName)})
	}
	for _, f := range args.Functions {
		functions = append(functions, labelled{f.Label, idx(f.FunctionName)})
	}
	for _, q := range args.Queues {
		queues = append(queues, queueRef{q.Label, idx(q.Queue.Name), idx(q.Queue.DLQName)})
	}
	cluster, table, alb := -1, -1, -1
	if args.ClusterName != nil {
		cluster = idx(args.ClusterName)
	}
	if args.TableName != nil {
		table = idx(args.TableName)
	}
	if args.LoadBalancerARNSuffix != nil {
		alb = idx(args.LoadBalancerARNSuffix)
	}
	return pulumi.All(inputs...).ApplyT(func(v []interface{}) (string, error) {
		s := func(i int) string { return v[i].(string) }
		var widgets []map[string]interface{}
		add := func(title, stat string, metrics [][]interface{}) {
			if len(metrics) == 0 {
				return
			}
			n := len(widgets)
			widgets = append(widgets, map[string]interface{}{
				"type": "metric", "x": (n % 2) * 12, "y": (n / 2) * 6, "width": 12, "height": 6,
				"properties": map[string]interface{}{"title": title, "region": region, "stat": stat, "period": 300, "view": "timeSeries", "metrics": metrics},
			})
		}
		if alb >= 0 {
			add("Load balancer: requests and 5xx", "Sum", [][]interface{}{
				{"AWS/ApplicationELB", "RequestCount", "LoadBalancer", s(alb)},
				{"AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", s(alb)},
				{"AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", s(alb)},
			})
			add("Load balancer: response time", "p95", [][]interface{}{
				{"AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", s(alb), map[string]string{"stat": "p50"}},
				{"AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", s(alb), map[string]string{"stat": "p95"}},
				{"AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", s(alb), map[string]string{"stat": "p99"}},
			})
		}
		if cluster >= 0 {
			var cpu, mem [][]interface{}
			for _, svc := range services {
				cpu = append(cpu, []interface{}{"AWS/ECS", "CPUUtilization", "ClusterName", s(cluster), "ServiceName", s(svc.at), map[string]string{"label": svc.label}})
				mem = append(mem, []interface{}{"AWS/ECS", "MemoryUtilization", "ClusterName", s(cluster), "ServiceName", s(svc.at), map[string]string{"label": svc.label}})
			}
			add("ECS: CPU %", "Average", cpu)
			add("ECS: memory %", "Average", mem)
		}
		var depth, age, dlq [][]interface{}
		for _, q := range queues {
			depth = append(depth, []interface{}{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", s(q.queue), map[string]string{"label": q.label}})
			age = append(age, []interface{}{"AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", s(q.queue), map[string]string{"label": q.label}})
			dlq = append(dlq, []interface{}{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", s(q.dlq), map[string]string{"label": q.label + " DLQ"}})
		}
		add("Queues: depth", "Maximum", depth)
		add("Queues: age of oldest message (s)", "Maximum", age)
		add("Dead-letter queues", "Maximum", dlq)
		if table >= 0 {
			add("DynamoDB", "Sum", [][]interface{}{
				{"AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName", s(table)},
				{"AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", s(table)},
				{"AWS/DynamoDB", "ReadThrottleEvents", "TableName", s(table)},
				{"AWS/DynamoDB", "WriteThrottleEvents", "TableName", s(table)},
			})
		}
		var errs, dur [][]interface{}
		for _, f := range functions {
			errs = append(errs, []interface{}{"AWS/Lambda", "Errors", "FunctionName", s(f.at), map[string]string{"label": f.label}})
			dur = append(dur, []interface{}{"AWS/Lambda", "Duration", "FunctionName", s(f.at), map[string]string{"label": f.label}})
		}
		add("Lambda: errors", "Sum", errs)
		add("Lambda: duration p95 (ms)", "p95", dur)
		for _, w := range args.AppWidgets {
			var exprs [][]interface{}
			for i, q := range w.Searches {
				exprs = append(exprs, []interface{}{map[string]string{
					"expression": fmt.Sprintf("SEARCH('%s', '%s', 300)", strings.ReplaceAll(q, "'", "\\'"), w.Stat),
					"id":         fmt.Sprintf("e%d", i+1),
				}})
			}
			add(w.Title, w.Stat, exprs)
		}
		b, err := json.Marshal(map[string]interface{}{"widgets": widgets})
		return string(b), err
	}).(pulumi.StringOutput)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

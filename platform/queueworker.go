package platform

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Runtime is where a QueueWorker runs its handler.
type Runtime string

// Worker runtimes: a Lambda function fed by an SQS event source mapping, or
// an ECS service on Fargate Spot long-polling the queue.
const (
	RuntimeLambda Runtime = "lambda"
	RuntimeECS    Runtime = "ecs"
)

// ParseRuntime validates a runtime name.
func ParseRuntime(s string) (Runtime, error) {
	switch Runtime(s) {
	case RuntimeLambda, RuntimeECS:
		return Runtime(s), nil
	}
	return "", fmt.Errorf("unknown worker runtime %q (want %q or %q)", s, RuntimeLambda, RuntimeECS)
}

// VisibilityFactor is how many processing timeouts a received message stays
// hidden: AWS's advice for Lambda event sources, so a batch retried by the
// poller is not redelivered while a first attempt still runs.
const VisibilityFactor = 6

// QueueWorkerArgs configures a QueueWorker.
type QueueWorkerArgs struct {
	// Topics feed the worker's queue.
	Topics []*EventTopic
	// Runtime is RuntimeLambda (default) or RuntimeECS.
	Runtime Runtime
	// Environment and Statements of the worker, whatever its runtime;
	// consuming its own queue is granted on top.
	Environment map[string]pulumi.StringInput
	Statements  []Statement
	// Bind, when set, adds what depends on the worker's own queue (its
	// subscription URL, its DLQ): called once the queue exists.
	Bind func(q *Queue) (QueueBinding, error)
	// LogRetentionDays of the worker's logs; default 30.
	LogRetentionDays int
	// Lambda configures RuntimeLambda, ECS RuntimeECS.
	Lambda LambdaWorkerArgs
	ECS    ECSWorkerArgs
}

// QueueBinding is what a worker gets from its own queue.
type QueueBinding struct {
	Environment map[string]pulumi.StringInput
	// Secrets are ECS secrets (variable -> secret ARN); RuntimeECS only.
	Secrets    map[string]pulumi.StringInput
	Statements []Statement
}

// LambdaWorkerArgs configure a worker running on Lambda.
type LambdaWorkerArgs struct {
	// Code, TimeoutSeconds (default 60) and MemoryMB (default 512) of the
	// function.
	Code           pulumi.Archive
	TimeoutSeconds int
	MemoryMB       int
	// BatchSize of the event source mapping; default 10.
	BatchSize int
	// MaxConcurrency caps concurrent invocations (2..1000); default 5.
	MaxConcurrency int
	// VpcID and SubnetIDs (private) place the function (required).
	VpcID     pulumi.StringInput
	SubnetIDs pulumi.StringArrayInput
}

// ECSWorkerArgs configure a worker running on Fargate Spot, which runs
// X86_64 tasks only (the default architecture here).
type ECSWorkerArgs struct {
	ContainerArgs
	Cluster   *Cluster
	VpcID     pulumi.StringInput
	SubnetIDs pulumi.StringArrayInput
	// ProcessingTimeoutSeconds bounds one message's handling; the queue's
	// visibility is VisibilityFactor times it. Default 120.
	ProcessingTimeoutSeconds int
	// MaxTasks (default 4) caps the service; it scales to
	// ceil(backlog / MessagesPerTask) tasks (default 10) and to 0 when the
	// queue has been empty for 10 minutes.
	MaxTasks        int
	MessagesPerTask int
}

// QueueWorker consumes SNS topics through its own Queue (with DLQ) on
// Lambda (event source mapping with partial batch failures) or on ECS
// Fargate Spot (scaled on backlog per task, down to zero).
type QueueWorker struct {
	pulumi.ResourceState

	Queue *Queue
	// FunctionName is set for RuntimeLambda, ServiceName for RuntimeECS.
	FunctionName pulumi.StringOutput `pulumi:"functionName"`
	ServiceName  pulumi.StringOutput `pulumi:"serviceName"`
	QueueURL     pulumi.StringOutput `pulumi:"queueUrl"`
}

// NewQueueWorker creates a QueueWorker.
func NewQueueWorker(ctx *pulumi.Context, name string, args QueueWorkerArgs, opts ...pulumi.ResourceOption) (*QueueWorker, error) {
	runtime := args.Runtime
	if runtime == "" {
		runtime = RuntimeLambda
	}
	if _, err := ParseRuntime(string(runtime)); err != nil {
		return nil, fmt.Errorf("queue worker %s: %w", name, err)
	}
	timeout := orInt(args.Lambda.TimeoutSeconds, 60)
	if runtime == RuntimeECS {
		timeout = orInt(args.ECS.ProcessingTimeoutSeconds, 120)
	}
	w := &QueueWorker{}
	if err := ctx.RegisterComponentResource(typeToken("QueueWorker"), name, w, opts...); err != nil {
		return nil, err
	}
	opt := pulumi.Parent(w)
	q, err := NewQueue(ctx, name, QueueArgs{Topics: args.Topics, VisibilityTimeoutSeconds: VisibilityFactor * timeout}, opt)
	if err != nil {
		return nil, err
	}
	w.Queue, w.QueueURL = q, q.URL
	if args.Bind != nil {
		b, err := args.Bind(q)
		if err != nil {
			return nil, fmt.Errorf("queue worker %s: %w", name, err)
		}
		if len(b.Secrets) > 0 && runtime != RuntimeECS {
			return nil, fmt.Errorf("queue worker %s: secrets are injected on ECS only", name)
		}
		all := make(map[string]pulumi.StringInput, len(args.Environment)+len(b.Environment))
		for k, v := range args.Environment {
			all[k] = v
		}
		for k, v := range b.Environment {
			all[k] = v
		}
		args.Environment = all
		args.Statements = append(append([]Statement{}, args.Statements...), b.Statements...)
		if len(b.Secrets) > 0 {
			args.ECS.Secrets = b.Secrets
		}
	}
	if runtime == RuntimeLambda {
		err = w.lambda(ctx, name, args, timeout)
	} else {
		err = w.ecs(ctx, name, args)
	}
	if err != nil {
		return nil, err
	}
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{
		"functionName": w.FunctionName, "serviceName": w.ServiceName, "queueUrl": w.QueueURL,
	})
}

func (w *QueueWorker) lambda(ctx *pulumi.Context, name string, args QueueWorkerArgs, timeout int) error {
	la := args.Lambda
	fn, err := newFunction(ctx, name, w, FunctionArgs{
		Code: la.Code, TimeoutSeconds: timeout, MemoryMB: orInt(la.MemoryMB, 512),
		Environment: args.Environment, Statements: args.Statements, LogRetentionDays: args.LogRetentionDays,
		VpcID: la.VpcID, SubnetIDs: la.SubnetIDs,
	}, w.Queue.Consume())
	if err != nil {
		return err
	}
	if err := eventSource(ctx, name, w, fn, w.Queue.ARN, la.BatchSize, orInt(la.MaxConcurrency, 5)); err != nil {
		return fmt.Errorf("queue worker %s: %w", name, err)
	}
	w.FunctionName = fn.Name
	w.ServiceName = pulumi.String("").ToStringOutput()
	return nil
}

func (w *QueueWorker) ecs(ctx *pulumi.Context, name string, args QueueWorkerArgs) error {
	ea := args.ECS
	if ea.Cluster == nil {
		return fmt.Errorf("queue worker %s: the ecs runtime needs a cluster", name)
	}
	opt := pulumi.Parent(w)
	container := ea.ContainerArgs
	switch container.Architecture {
	case "":
		container.Architecture = ArchX8664
	case ArchX8664:
	default:
		return fmt.Errorf("queue worker %s: Fargate Spot runs %s tasks only (got %s)", name, ArchX8664, container.Architecture)
	}
	container.Environment = args.Environment
	container.Statements = append([]Statement{w.Queue.Consume()}, args.Statements...)
	container.LogRetentionDays = args.LogRetentionDays
	// Spot gives two minutes' notice: drain for as long as Fargate allows.
	container.StopTimeoutSeconds = orInt(container.StopTimeoutSeconds, 120)
	task, err := newFargateTask(ctx, name, w, container, 0)
	if err != nil {
		return err
	}
	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       ea.VpcID,
		Description: pulumi.String(name + " tasks: no inbound traffic"),
		Egress: ec2.SecurityGroupEgressArray{&ec2.SecurityGroupEgressArgs{
			Protocol: pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
			CidrBlocks: pulumi.StringArray{pulumi.String("0.0.0.0/0")}, Description: pulumi.String("HTTPS to AWS APIs and outside services"),
		}},
	}, opt)
	if err != nil {
		return err
	}
	svc, err := ecs.NewService(ctx, name, &ecs.ServiceArgs{
		Name:           pulumi.String(name),
		Cluster:        ea.Cluster.ARN,
		TaskDefinition: task.def.Arn,
		DesiredCount:   pulumi.Int(0),
		CapacityProviderStrategies: ecs.ServiceCapacityProviderStrategyArray{&ecs.ServiceCapacityProviderStrategyArgs{
			CapacityProvider: pulumi.String(CapacityFargateSpot), Weight: pulumi.Int(1), Base: pulumi.Int(0),
		}},
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets: ea.SubnetIDs, SecurityGroups: pulumi.StringArray{sg.ID()}, AssignPublicIp: pulumi.Bool(false),
		},
		DeploymentMinimumHealthyPercent: pulumi.Int(0),
		DeploymentMaximumPercent:        pulumi.Int(200),
		DeploymentCircuitBreaker:        &ecs.ServiceDeploymentCircuitBreakerArgs{Enable: pulumi.Bool(true), Rollback: pulumi.Bool(true)},
		PropagateTags:                   pulumi.String("SERVICE"),
		EnableEcsManagedTags:            pulumi.Bool(true),
	}, opt, named, pulumi.DependsOn([]pulumi.Resource{ea.Cluster.capacity}), pulumi.IgnoreChanges([]string{"desiredCount"}))
	if err != nil {
		return err
	}

	maxTasks := orInt(ea.MaxTasks, 4)
	perTask := orInt(ea.MessagesPerTask, 10)
	target, err := appautoscaling.NewTarget(ctx, name, &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        pulumi.Sprintf("service/%s/%s", ea.Cluster.Name, svc.Name),
		MinCapacity:       pulumi.Int(0),
		MaxCapacity:       pulumi.Int(maxTasks),
	}, opt)
	if err != nil {
		return err
	}
	// Scale out: the alarm fires on any visible backlog; the steps set the
	// task count to ceil(backlog / perTask), bounds relative to the
	// threshold of 1 message.
	var steps appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArray
	for n := 1; n <= maxTasks; n++ {
		step := &appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs{
			MetricIntervalLowerBound: pulumi.String(fmt.Sprint((n - 1) * perTask)),
			ScalingAdjustment:        pulumi.Int(n),
		}
		if n < maxTasks {
			step.MetricIntervalUpperBound = pulumi.String(fmt.Sprint(n * perTask))
		}
		steps = append(steps, step)
	}
	out, err := appautoscaling.NewPolicy(ctx, name+"-backlog", &appautoscaling.PolicyArgs{
		PolicyType:        pulumi.String("StepScaling"),
		ServiceNamespace:  target.ServiceNamespace,
		ScalableDimension: target.ScalableDimension,
		ResourceId:        target.ResourceId,
		StepScalingPolicyConfiguration: &appautoscaling.PolicyStepScalingPolicyConfigurationArgs{
			AdjustmentType: pulumi.String("ExactCapacity"), Cooldown: pulumi.Int(60),
			MetricAggregationType: pulumi.String("Maximum"), StepAdjustments: steps,
		},
	}, opt)
	if err != nil {
		return err
	}
	in, err := appautoscaling.NewPolicy(ctx, name+"-idle", &appautoscaling.PolicyArgs{
		PolicyType:        pulumi.String("StepScaling"),
		ServiceNamespace:  target.ServiceNamespace,
		ScalableDimension: target.ScalableDimension,
		ResourceId:        target.ResourceId,
		StepScalingPolicyConfiguration: &appautoscaling.PolicyStepScalingPolicyConfigurationArgs{
			AdjustmentType: pulumi.String("ExactCapacity"), Cooldown: pulumi.Int(300),
			MetricAggregationType: pulumi.String("Maximum"),
			StepAdjustments: appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArray{
				&appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs{MetricIntervalUpperBound: pulumi.String("0"), ScalingAdjustment: pulumi.Int(0)},
			},
		},
	}, opt)
	if err != nil {
		return err
	}
	queueDim := pulumi.StringMap{"QueueName": w.Queue.Name}
	if _, err := cloudwatch.NewMetricAlarm(ctx, name+"-backlog", &cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.String(name + ": messages waiting, scale to ceil(backlog / " + fmt.Sprint(perTask) + ") tasks"),
		Namespace:          pulumi.String("AWS/SQS"),
		MetricName:         pulumi.String("ApproximateNumberOfMessagesVisible"),
		Dimensions:         queueDim,
		Statistic:          pulumi.String("Maximum"),
		Period:             pulumi.Int(60),
		EvaluationPeriods:  pulumi.Int(1),
		Threshold:          pulumi.Float64(1),
		ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
		TreatMissingData:   pulumi.String("notBreaching"),
		AlarmActions:       pulumi.Array{out.Arn},
	}, opt); err != nil {
		return err
	}
	metric := func(id, metricName string) *cloudwatch.MetricAlarmMetricQueryArgs {
		return &cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String(id), Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
			Namespace: pulumi.String("AWS/SQS"), MetricName: pulumi.String(metricName), Dimensions: queueDim,
			Period: pulumi.Int(60), Stat: pulumi.String("Maximum"),
		}}
	}
	if _, err := cloudwatch.NewMetricAlarm(ctx, name+"-idle", &cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.String(name + ": queue empty and nothing in flight for 10 minutes, scale to zero"),
		EvaluationPeriods:  pulumi.Int(10),
		Threshold:          pulumi.Float64(0),
		ComparisonOperator: pulumi.String("LessThanOrEqualToThreshold"),
		TreatMissingData:   pulumi.String("breaching"),
		MetricQueries: cloudwatch.MetricAlarmMetricQueryArray{
			metric("visible", "ApproximateNumberOfMessagesVisible"),
			metric("inflight", "ApproximateNumberOfMessagesNotVisible"),
			&cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("total"), Expression: pulumi.String("visible + inflight"), ReturnData: pulumi.Bool(true), Label: pulumi.String("messages")},
		},
		AlarmActions: pulumi.Array{in.Arn},
	}, opt); err != nil {
		return err
	}
	w.ServiceName = svc.Name
	w.FunctionName = pulumi.String("").ToStringOutput()
	return nil
}

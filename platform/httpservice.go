package platform

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DefaultPort is the port an HTTPService's container listens on.
const DefaultPort = 8080

// HTTPServiceArgs configures an HTTPService.
type HTTPServiceArgs struct {
	ContainerArgs
	// Cluster runs the service; VpcID and SubnetIDs (private) place its tasks.
	Cluster   *Cluster
	VpcID     pulumi.StringInput
	SubnetIDs pulumi.StringArrayInput
	// LoadBalancer routes PathPatterns (at most 5, ALB syntax: "/api/videos*")
	// to the service with rule Priority (lower wins; required, unique per
	// load balancer). A locked load balancer (LoadBalancer.Locked) also
	// requires its origin header, which counts against ALB's 5 condition
	// values per rule: the patterns are then split over rules of
	// priorities Priority, Priority+1, ... (4 patterns each), so leave
	// room after Priority.
	LoadBalancer *LoadBalancer
	PathPatterns []string
	Priority     int
	// Port the container listens on; default 8080 (the caller tells the
	// container, e.g. through its environment).
	Port int
	// HealthCheckPath answered 200 by a healthy task; default /healthz.
	HealthCheckPath string
	// DesiredCount is the initial and minimum task count (default 1);
	// MaxCount the autoscaling ceiling (default 4 x DesiredCount).
	DesiredCount int
	MaxCount     int
	// CPUTargetPercent is the average CPU the autoscaling keeps; default 70.
	CPUTargetPercent float64
}

// HTTPService is a Fargate service in private subnets behind the load
// balancer: a path rule to its target group, a /healthz health check, its own
// task role and log group, and CPU target-tracking autoscaling.
type HTTPService struct {
	pulumi.ResourceState

	ServiceName    pulumi.StringOutput `pulumi:"serviceName"`
	TargetGroupARN pulumi.StringOutput `pulumi:"targetGroupArn"`
	// TargetGroupARNSuffix is the target group's CloudWatch dimension.
	TargetGroupARNSuffix pulumi.StringOutput `pulumi:"targetGroupArnSuffix"`
	LogGroupName         pulumi.StringOutput `pulumi:"logGroupName"`
}

// NewHTTPService creates an HTTPService.
func NewHTTPService(ctx *pulumi.Context, name string, args HTTPServiceArgs, opts ...pulumi.ResourceOption) (*HTTPService, error) {
	switch {
	case args.Cluster == nil || args.LoadBalancer == nil:
		return nil, fmt.Errorf("http service %s: a cluster and a load balancer are required", name)
	case len(args.PathPatterns) == 0 || len(args.PathPatterns) > 5:
		return nil, fmt.Errorf("http service %s: give 1 to 5 path patterns (got %d)", name, len(args.PathPatterns))
	case args.Priority < 1 || args.Priority+len(args.PathPatterns)-1 > 50000:
		return nil, fmt.Errorf("http service %s: rule priorities %d..%d must be in 1..50000", name, args.Priority, args.Priority+len(args.PathPatterns)-1)
	}
	s := &HTTPService{}
	if err := ctx.RegisterComponentResource(typeToken("HTTPService"), name, s, opts...); err != nil {
		return nil, err
	}
	opt := pulumi.Parent(s)
	port := orInt(args.Port, DefaultPort)
	desired := orInt(args.DesiredCount, 1)
	maxCount := orInt(args.MaxCount, 4*desired)
	if maxCount < desired {
		return nil, fmt.Errorf("http service %s: max count %d is below the desired count %d", name, maxCount, desired)
	}
	health := orString(args.HealthCheckPath, "/healthz")
	task, err := newFargateTask(ctx, name, s, args.ContainerArgs, port)
	if err != nil {
		return nil, err
	}

	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       args.VpcID,
		Description: pulumi.String(name + " tasks: traffic from the load balancer only"),
		Ingress: ec2.SecurityGroupIngressArray{&ec2.SecurityGroupIngressArgs{
			Protocol: pulumi.String("tcp"), FromPort: pulumi.Int(port), ToPort: pulumi.Int(port),
			SecurityGroups: pulumi.StringArray{args.LoadBalancer.SecurityGroupID}, Description: pulumi.String("from the load balancer"),
		}},
		Egress: ec2.SecurityGroupEgressArray{&ec2.SecurityGroupEgressArgs{
			Protocol: pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
			CidrBlocks: pulumi.StringArray{pulumi.String("0.0.0.0/0")}, Description: pulumi.String("HTTPS to AWS APIs and outside services"),
		}},
	}, opt)
	if err != nil {
		return nil, err
	}
	tg, err := lb.NewTargetGroup(ctx, name, &lb.TargetGroupArgs{
		VpcId:               args.VpcID,
		TargetType:          pulumi.String("ip"),
		Port:                pulumi.Int(port),
		Protocol:            pulumi.String("HTTP"),
		DeregistrationDelay: pulumi.Int(30),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Path: pulumi.String(health), Matcher: pulumi.String("200"), Interval: pulumi.Int(15), Timeout: pulumi.Int(5),
			HealthyThreshold: pulumi.Int(2), UnhealthyThreshold: pulumi.Int(3),
		},
	}, opt)
	if err != nil {
		return nil, err
	}
	rules, err := listenerRules(ctx, name, args.LoadBalancer, args.PathPatterns, args.Priority, tg.Arn, opt)
	if err != nil {
		return nil, err
	}
	svc, err := ecs.NewService(ctx, name, &ecs.ServiceArgs{
		Name:           pulumi.String(name),
		Cluster:        args.Cluster.ARN,
		TaskDefinition: task.def.Arn,
		DesiredCount:   pulumi.Int(desired),
		CapacityProviderStrategies: ecs.ServiceCapacityProviderStrategyArray{&ecs.ServiceCapacityProviderStrategyArgs{
			CapacityProvider: pulumi.String(CapacityFargate), Weight: pulumi.Int(1), Base: pulumi.Int(0),
		}},
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets: args.SubnetIDs, SecurityGroups: pulumi.StringArray{sg.ID()}, AssignPublicIp: pulumi.Bool(false),
		},
		LoadBalancers: ecs.ServiceLoadBalancerArray{&ecs.ServiceLoadBalancerArgs{
			TargetGroupArn: tg.Arn, ContainerName: pulumi.String(name), ContainerPort: pulumi.Int(port),
		}},
		HealthCheckGracePeriodSeconds:   pulumi.Int(30),
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(200),
		DeploymentCircuitBreaker:        &ecs.ServiceDeploymentCircuitBreakerArgs{Enable: pulumi.Bool(true), Rollback: pulumi.Bool(true)},
		PropagateTags:                   pulumi.String("SERVICE"),
		EnableEcsManagedTags:            pulumi.Bool(true),
		WaitForSteadyState:              pulumi.Bool(false),
	}, opt, named, pulumi.DependsOn(append(rules, args.Cluster.capacity)),
		// The autoscaler owns the task count once the service exists.
		pulumi.IgnoreChanges([]string{"desiredCount"}))
	if err != nil {
		return nil, err
	}
	resourceID := pulumi.Sprintf("service/%s/%s", args.Cluster.Name, svc.Name)
	target, err := appautoscaling.NewTarget(ctx, name, &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        resourceID,
		MinCapacity:       pulumi.Int(desired),
		MaxCapacity:       pulumi.Int(maxCount),
	}, opt)
	if err != nil {
		return nil, err
	}
	cpu := args.CPUTargetPercent
	if cpu == 0 {
		cpu = 70
	}
	if _, err := appautoscaling.NewPolicy(ctx, name+"-cpu", &appautoscaling.PolicyArgs{
		PolicyType:        pulumi.String("TargetTrackingScaling"),
		ServiceNamespace:  target.ServiceNamespace,
		ScalableDimension: target.ScalableDimension,
		ResourceId:        target.ResourceId,
		TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
			TargetValue: pulumi.Float64(cpu),
			PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
				PredefinedMetricType: pulumi.String("ECSServiceAverageCPUUtilization"),
			},
			ScaleInCooldown:  pulumi.Int(300),
			ScaleOutCooldown: pulumi.Int(60),
		},
	}, opt); err != nil {
		return nil, err
	}
	s.ServiceName, s.TargetGroupARN, s.TargetGroupARNSuffix, s.LogGroupName = svc.Name, tg.Arn, tg.ArnSuffix, task.logGroup.Name
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"serviceName": s.ServiceName, "targetGroupArn": s.TargetGroupARN, "targetGroupArnSuffix": s.TargetGroupARNSuffix,
		"logGroupName": s.LogGroupName,
	})
}

// maxRuleValues is ALB's limit on the condition values of one listener
// rule, all conditions together.
const maxRuleValues = 5

// listenerRules forward patterns to the target group: one rule when the
// load balancer is open, and on a locked one as many rules as the
// patterns need next to the origin header's condition (one value), with
// priorities from priority up. The first rule is named name, the others
// name-2, name-3...
func listenerRules(ctx *pulumi.Context, name string, l *LoadBalancer, patterns []string, priority int, target pulumi.StringInput, opt pulumi.ResourceOption) ([]pulumi.Resource, error) {
	per := maxRuleValues
	if l.Locked {
		per--
	}
	var rules []pulumi.Resource
	for i := 0; i*per < len(patterns); i++ {
		chunk := patterns[i*per : min((i+1)*per, len(patterns))]
		conds := lb.ListenerRuleConditionArray{&lb.ListenerRuleConditionArgs{
			PathPattern: &lb.ListenerRuleConditionPathPatternArgs{Values: pulumi.ToStringArray(chunk)},
		}}
		if l.Locked {
			conds = append(conds, &lb.ListenerRuleConditionArgs{
				HttpHeader: &lb.ListenerRuleConditionHttpHeaderArgs{
					HttpHeaderName: pulumi.String(OriginHeader), Values: pulumi.StringArray{l.OriginSecret},
				},
			})
		}
		n := name
		if i > 0 {
			n = fmt.Sprintf("%s-%d", name, i+1)
		}
		rule, err := lb.NewListenerRule(ctx, n, &lb.ListenerRuleArgs{
			ListenerArn: l.HTTPSListenerARN,
			Priority:    pulumi.Int(priority + i),
			Conditions:  conds,
			Actions:     lb.ListenerRuleActionArray{&lb.ListenerRuleActionArgs{Type: pulumi.String("forward"), TargetGroupArn: target}},
		}, opt)
		if err != nil {
			return nil, err
		}
		rules = append(rules, rule)
	}
	return rules, nil
}

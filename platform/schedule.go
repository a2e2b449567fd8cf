package platform

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ScheduledFunctionArgs configures a ScheduledFunction.
type ScheduledFunctionArgs struct {
	FunctionArgs
	// Schedule is an EventBridge schedule expression: "rate(6 hours)" or
	// "cron(0 6 * * ? *)".
	Schedule string
	// Disabled keeps the rule but stops triggering the function.
	Disabled bool
}

// ScheduledFunction is a Lambda function triggered by an EventBridge
// schedule, retried twice on failure within an hour.
type ScheduledFunction struct {
	pulumi.ResourceState

	FunctionName pulumi.StringOutput `pulumi:"functionName"`
	RuleARN      pulumi.StringOutput `pulumi:"ruleArn"`
}

var (
	rateRE = regexp.MustCompile(`^rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)$`)
	cronRE = regexp.MustCompile(`^cron\(([^()]+)\)$`)
)

// ValidSchedule checks an EventBridge schedule expression as EventBridge
// does: rate(1 minute|hour|day) with the singular unit, rate(N minutes|
// hours|days) with the plural for N > 1, or cron(...) with six fields, one
// of day-of-month and day-of-week being "?".
func ValidSchedule(s string) error {
	if m := rateRE.FindStringSubmatch(s); m != nil {
		if plural := strings.HasSuffix(m[2], "s"); plural != (m[1] != "1") {
			return fmt.Errorf("%q: EventBridge wants rate(1 %s) for one and rate(N %ss) for more", s, strings.TrimSuffix(m[2], "s"), strings.TrimSuffix(m[2], "s"))
		}
		return nil
	}
	if m := cronRE.FindStringSubmatch(s); m != nil {
		f := strings.Fields(m[1])
		if len(f) != 6 {
			return fmt.Errorf("%q: a cron expression has six fields (minutes hours day-of-month month day-of-week year), got %d", s, len(f))
		}
		if (f[2] == "?") == (f[4] == "?") {
			return fmt.Errorf("%q: exactly one of day-of-month and day-of-week must be ?", s)
		}
		return nil
	}
	return fmt.Errorf("%q is not an EventBridge rate(...) or cron(...) expression", s)
}

// NewScheduledFunction creates a ScheduledFunction.
func NewScheduledFunction(ctx *pulumi.Context, name string, args ScheduledFunctionArgs, opts ...pulumi.ResourceOption) (*ScheduledFunction, error) {
	if err := ValidSchedule(args.Schedule); err != nil {
		return nil, fmt.Errorf("scheduled function %s: schedule %w", name, err)
	}
	s := &ScheduledFunction{}
	if err := ctx.RegisterComponentResource(typeToken("ScheduledFunction"), name, s, opts...); err != nil {
		return nil, err
	}
	opt := pulumi.Parent(s)
	fn, err := newFunction(ctx, name, s, args.FunctionArgs)
	if err != nil {
		return nil, err
	}
	if _, err := lambda.NewFunctionEventInvokeConfig(ctx, name, &lambda.FunctionEventInvokeConfigArgs{
		FunctionName: fn.Name, MaximumRetryAttempts: pulumi.Int(2), MaximumEventAgeInSeconds: pulumi.Int(3600),
	}, opt); err != nil {
		return nil, err
	}
	state := "ENABLED"
	if args.Disabled {
		state = "DISABLED"
	}
	rule, err := cloudwatch.NewEventRule(ctx, name, &cloudwatch.EventRuleArgs{
		Description:        pulumi.String("runs " + name + " on " + args.Schedule),
		ScheduleExpression: pulumi.String(args.Schedule),
		State:              pulumi.String(state),
	}, opt)
	if err != nil {
		return nil, err
	}
	perm, err := lambda.NewPermission(ctx, name, &lambda.PermissionArgs{
		Action: pulumi.String("lambda:InvokeFunction"), Function: fn.Name,
		Principal: pulumi.String("events.amazonaws.com"), SourceArn: rule.Arn,
	}, opt)
	if err != nil {
		return nil, err
	}
	if _, err := cloudwatch.NewEventTarget(ctx, name, &cloudwatch.EventTargetArgs{
		Rule: rule.Name, Arn: fn.Arn,
		RetryPolicy: &cloudwatch.EventTargetRetryPolicyArgs{MaximumRetryAttempts: pulumi.Int(2), MaximumEventAgeInSeconds: pulumi.Int(3600)},
	}, opt, pulumi.DependsOn([]pulumi.Resource{perm})); err != nil {
		return nil, err
	}
	s.FunctionName, s.RuleARN = fn.Name, rule.Arn
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{"functionName": s.FunctionName, "ruleArn": s.RuleARN})
}

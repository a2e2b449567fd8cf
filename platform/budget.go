package platform

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/budgets"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BudgetArgs configures a Budget.
type BudgetArgs struct {
	// MonthlyLimitUSD is the monthly cost limit; must be positive.
	MonthlyLimitUSD float64
	// Emails are notified when actual cost reaches each threshold.
	Emails []string
	// ThresholdsPercent of the limit that notify; default 80 and 100.
	ThresholdsPercent []float64
}

// Budget is a monthly AWS cost budget e-mailing at 80% and 100% of the
// limit (actual spend). It covers the whole account: give each stack its own
// account, the AWS-recommended layout.
type Budget struct {
	pulumi.ResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// NewBudget creates a Budget.
func NewBudget(ctx *pulumi.Context, name string, args BudgetArgs, opts ...pulumi.ResourceOption) (*Budget, error) {
	if args.MonthlyLimitUSD <= 0 {
		return nil, fmt.Errorf("budget %s: the monthly limit must be positive (got %v)", name, args.MonthlyLimitUSD)
	}
	b := &Budget{}
	if err := ctx.RegisterComponentResource(typeToken("Budget"), name, b, opts...); err != nil {
		return nil, err
	}
	thresholds := args.ThresholdsPercent
	if len(thresholds) == 0 {
		thresholds = []float64{80, 100}
	}
	var notes budgets.BudgetNotificationArray
	if len(args.Emails) > 0 {
		for _, t := range thresholds {
			notes = append(notes, &budgets.BudgetNotificationArgs{
				ComparisonOperator:       pulumi.String("GREATER_THAN"),
				NotificationType:         pulumi.String("ACTUAL"),
				Threshold:                pulumi.Float64(t),
				ThresholdType:            pulumi.String("PERCENTAGE"),
				SubscriberEmailAddresses: pulumi.ToStringArray(args.Emails),
			})
		}
	}
	budget, err := budgets.NewBudget(ctx, name, &budgets.BudgetArgs{
		Name:          pulumi.String(physicalName(ctx, name)),
		BudgetType:    pulumi.String("COST"),
		LimitAmount:   pulumi.String(fmt.Sprintf("%.2f", args.MonthlyLimitUSD)),
		LimitUnit:     pulumi.String("USD"),
		TimeUnit:      pulumi.String("MONTHLY"),
		Notifications: notes,
	}, pulumi.Parent(b), named)
	if err != nil {
		return nil, err
	}
	b.Name = budget.Name
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{"name": b.Name})
}

package platform

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Capacity providers of a Cluster.
const (
	CapacityFargate     = "FARGATE"
	CapacityFargateSpot = "FARGATE_SPOT"
)

// ClusterArgs configures a Cluster.
type ClusterArgs struct {
	// DisableContainerInsights turns off Container Insights (per-task CPU,
	// memory and running-task metrics); on by default.
	DisableContainerInsights bool
}

// Cluster is an ECS cluster offering FARGATE (the default) and FARGATE_SPOT
// capacity, with Container Insights.
type Cluster struct {
	pulumi.ResourceState

	ARN  pulumi.StringOutput `pulumi:"arn"`
	Name pulumi.StringOutput `pulumi:"name"`
	// capacity associates the capacity providers: a service naming one
	// must depend on it, or its creation can race the association.
	capacity pulumi.Resource
}

// NewCluster creates a Cluster.
func NewCluster(ctx *pulumi.Context, name string, args ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c := &Cluster{}
	if err := ctx.RegisterComponentResource(typeToken("Cluster"), name, c, opts...); err != nil {
		return nil, err
	}
	insights := "enabled"
	if args.DisableContainerInsights {
		insights = "disabled"
	}
	cl, err := ecs.NewCluster(ctx, name, &ecs.ClusterArgs{
		Name: pulumi.String(physicalName(ctx, name)),
		Settings: ecs.ClusterSettingArray{&ecs.ClusterSettingArgs{
			Name: pulumi.String("containerInsights"), Value: pulumi.String(insights),
		}},
	}, pulumi.Parent(c), named)
	if err != nil {
		return nil, err
	}
	cp, err := ecs.NewClusterCapacityProviders(ctx, name, &ecs.ClusterCapacityProvidersArgs{
		ClusterName:       cl.Name,
		CapacityProviders: pulumi.StringArray{pulumi.String(CapacityFargate), pulumi.String(CapacityFargateSpot)},
		DefaultCapacityProviderStrategies: ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArray{
			&ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs{
				CapacityProvider: pulumi.String(CapacityFargate), Base: pulumi.Int(0), Weight: pulumi.Int(1),
			},
		},
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	c.ARN, c.Name, c.capacity = cl.Arn, cl.Name, cp
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"arn": c.ARN, "name": c.Name})
}

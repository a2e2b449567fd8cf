package platform

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awsxec2 "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NatStrategy says how private subnets reach the internet.
type NatStrategy string

// NAT strategies: one gateway for the whole VPC (cheap, one AZ's failure cuts
// egress) or one per availability zone (highly available).
const (
	NatSingle   NatStrategy = "single"
	NatOnePerAZ NatStrategy = "onePerAz"
)

// NetworkArgs configures a Network.
type NetworkArgs struct {
	// CidrBlock of the VPC; default 10.0.0.0/16.
	CidrBlock string
	// AvailabilityZones to spread subnets over; default 2.
	AvailabilityZones int
	// Nat strategy; default NatSingle.
	Nat NatStrategy
	// InterfaceEndpoints are AWS services reached through interface VPC
	// endpoints in the private subnets ("ecr.api", "logs", ...) instead of
	// the NAT gateway. Default none: S3 and DynamoDB always get (free)
	// gateway endpoints.
	InterfaceEndpoints []string
	// Tags are added to the VPC and its subnets.
	Tags map[string]string
}

// Network is a VPC with public and private subnets in each availability
// zone, NAT gateways for private egress and VPC endpoints.
type Network struct {
	pulumi.ResourceState

	VpcID            pulumi.StringOutput      `pulumi:"vpcId"`
	PublicSubnetIDs  pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	PrivateSubnetIDs pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	// CidrBlock is the VPC's address range.
	CidrBlock string
}

// NewNetwork creates a Network.
func NewNetwork(ctx *pulumi.Context, name string, args NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	n := &Network{CidrBlock: orString(args.CidrBlock, "10.0.0.0/16")}
	if err := ctx.RegisterComponentResource(typeToken("Network"), name, n, opts...); err != nil {
		return nil, err
	}
	nat := awsxec2.NatGatewayStrategySingle
	switch args.Nat {
	case "", NatSingle:
	case NatOnePerAZ:
		nat = awsxec2.NatGatewayStrategyOnePerAz
	default:
		return nil, fmt.Errorf("network %s: unknown NAT strategy %q (want %q or %q)", name, args.Nat, NatSingle, NatOnePerAZ)
	}
	azs := orInt(args.AvailabilityZones, 2)
	strategy := awsxec2.SubnetAllocationStrategyAuto
	cidr := n.CidrBlock
	vpc, err := awsxec2.NewVpc(ctx, name, &awsxec2.VpcArgs{
		CidrBlock:                 &cidr,
		NumberOfAvailabilityZones: &azs,
		EnableDnsHostnames:        pulumi.Bool(true),
		EnableDnsSupport:          pulumi.Bool(true),
		SubnetStrategy:            &strategy,
		SubnetSpecs: []awsxec2.SubnetSpecArgs{
			{Type: awsxec2.SubnetTypePublic, CidrMask: intPtr(22)},
			{Type: awsxec2.SubnetTypePrivate, CidrMask: intPtr(20)},
		},
		NatGateways: &awsxec2.NatGatewayConfigurationArgs{Strategy: nat},
		Tags:        pulumi.ToStringMap(args.Tags),
	}, remoteChildOpts(n, opts)...)
	if err != nil {
		return nil, err
	}
	n.VpcID, n.PublicSubnetIDs, n.PrivateSubnetIDs = vpc.VpcId, vpc.PublicSubnetIds, vpc.PrivateSubnetIds

	_, region, err := accountRegion(ctx, n)
	if err != nil {
		return nil, err
	}
	// Gateway endpoints cost nothing and keep S3 and DynamoDB traffic off
	// the NAT gateways; they attach to every route table of the VPC.
	routeTables := ec2.GetRouteTablesOutput(ctx, ec2.GetRouteTablesOutputArgs{VpcId: vpc.VpcId}, pulumi.Parent(n), pulumi.DependsOn([]pulumi.Resource{vpc}))
	for _, svc := range []string{"s3", "dynamodb"} {
		if _, err := ec2.NewVpcEndpoint(ctx, name+"-"+svc, &ec2.VpcEndpointArgs{
			VpcId:           vpc.VpcId,
			ServiceName:     pulumi.String(fmt.Sprintf("com.amazonaws.%s.%s", region, svc)),
			VpcEndpointType: pulumi.String("Gateway"),
			RouteTableIds:   routeTables.Ids(),
			Tags:            pulumi.StringMap{"Name": pulumi.String(name + "-" + svc)},
		}, pulumi.Parent(n)); err != nil {
			return nil, err
		}
	}
	if len(args.InterfaceEndpoints) > 0 {
		sg, err := ec2.NewSecurityGroup(ctx, name+"-endpoints", &ec2.SecurityGroupArgs{
			VpcId:       vpc.VpcId,
			Description: pulumi.String("HTTPS from inside the VPC to interface endpoints"),
			Ingress: ec2.SecurityGroupIngressArray{&ec2.SecurityGroupIngressArgs{
				Protocol: pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
				CidrBlocks: pulumi.StringArray{pulumi.String(cidr)}, Description: pulumi.String("HTTPS from the VPC"),
			}},
		}, pulumi.Parent(n))
		if err != nil {
			return nil, err
		}
		for _, svc := range args.InterfaceEndpoints {
			if _, err := ec2.NewVpcEndpoint(ctx, name+"-"+svc, &ec2.VpcEndpointArgs{
				VpcId:             vpc.VpcId,
				ServiceName:       pulumi.String(fmt.Sprintf("com.amazonaws.%s.%s", region, svc)),
				VpcEndpointType:   pulumi.String("Interface"),
				PrivateDnsEnabled: pulumi.Bool(true),
				SubnetIds:         vpc.PrivateSubnetIds,
				SecurityGroupIds:  pulumi.StringArray{sg.ID()},
				Tags:              pulumi.StringMap{"Name": pulumi.String(name + "-" + svc)},
			}, pulumi.Parent(n)); err != nil {
				return nil, err
			}
		}
	}
	return n, ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId": n.VpcID, "publicSubnetIds": n.PublicSubnetIDs, "privateSubnetIds": n.PrivateSubnetIDs,
	})
}

func intPtr(i int) *int { return &i }

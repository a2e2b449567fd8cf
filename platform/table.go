package platform

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// KeyAttribute is a key attribute of a table or index: its name and DynamoDB
// scalar type ("S", "N" or "B").
type KeyAttribute struct {
	Name string
	Type string
}

// GlobalIndex is a global secondary index projecting all attributes.
type GlobalIndex struct {
	Name     string
	HashKey  string
	RangeKey string
}

// TableArgs configures a Table. The keys come from the application's schema
// (for buylink, pkg/catalog/dynamo.TableSchema).
type TableArgs struct {
	// Attributes defines every key attribute of the table and its indexes once.
	Attributes []KeyAttribute
	HashKey    string
	RangeKey   string
	Indexes    []GlobalIndex
	// TTLAttribute holds items' expiry in Unix seconds; empty for no TTL.
	TTLAttribute string
	// DeletionProtection refuses deleting the table (turn on in production).
	DeletionProtection bool
}

// Table is an on-demand DynamoDB table with point-in-time recovery,
// encryption under the AWS-managed KMS key and TTL.
type Table struct {
	pulumi.ResourceState

	ARN  pulumi.StringOutput `pulumi:"arn"`
	Name pulumi.StringOutput `pulumi:"name"`
}

// NewTable creates a Table.
func NewTable(ctx *pulumi.Context, name string, args TableArgs, opts ...pulumi.ResourceOption) (*Table, error) {
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("table %s: %w", name, err)
	}
	t := &Table{}
	if err := ctx.RegisterComponentResource(typeToken("Table"), name, t, opts...); err != nil {
		return nil, err
	}
	var attrs dynamodb.TableAttributeArray
	for _, a := range args.Attributes {
		attrs = append(attrs, &dynamodb.TableAttributeArgs{Name: pulumi.String(a.Name), Type: pulumi.String(a.Type)})
	}
	var gsis dynamodb.TableGlobalSecondaryIndexArray
	for _, ix := range args.Indexes {
		g := &dynamodb.TableGlobalSecondaryIndexArgs{Name: pulumi.String(ix.Name), HashKey: pulumi.String(ix.HashKey), ProjectionType: pulumi.String("ALL")}
		if ix.RangeKey != "" {
			g.RangeKey = pulumi.String(ix.RangeKey)
		}
		gsis = append(gsis, g)
	}
	ta := &dynamodb.TableArgs{
		Name:                      pulumi.String(physicalName(ctx, name)),
		BillingMode:               pulumi.String("PAY_PER_REQUEST"),
		HashKey:                   pulumi.String(args.HashKey),
		Attributes:                attrs,
		GlobalSecondaryIndexes:    gsis,
		PointInTimeRecovery:       &dynamodb.TablePointInTimeRecoveryArgs{Enabled: pulumi.Bool(true)},
		ServerSideEncryption:      &dynamodb.TableServerSideEncryptionArgs{Enabled: pulumi.Bool(true)},
		DeletionProtectionEnabled: pulumi.Bool(args.DeletionProtection),
	}
	if args.RangeKey != "" {
		ta.RangeKey = pulumi.String(args.RangeKey)
	}
	if args.TTLAttribute != "" {
		ta.Ttl = &dynamodb.TableTtlArgs{AttributeName: pulumi.String(args.TTLAttribute), Enabled: pulumi.Bool(true)}
	}
	table, err := dynamodb.NewTable(ctx, name, ta, pulumi.Parent(t), pulumi.Protect(args.DeletionProtection))
	if err != nil {
		return nil, err
	}
	t.ARN, t.Name = table.Arn, table.Name
	return t, ctx.RegisterResourceOutputs(t, pulumi.Map{"arn": t.ARN, "name": t.Name})
}

func (a TableArgs) validate() error {
	if a.HashKey == "" {
		return errors.New("a hash key is required")
	}
	defined := map[string]bool{}
	for _, at := range a.Attributes {
		if at.Type != "S" && at.Type != "N" && at.Type != "B" {
			return fmt.Errorf("attribute %s: type %q is not S, N or B", at.Name, at.Type)
		}
		defined[at.Name] = true
	}
	keys := []string{a.HashKey, a.RangeKey}
	for _, ix := range a.Indexes {
		if ix.Name == "" || ix.HashKey == "" {
			return errors.New("every index needs a name and a hash key")
		}
		keys = append(keys, ix.HashKey, ix.RangeKey)
	}
	for _, k := range keys {
		if k != "" && !defined[k] {
			return fmt.Errorf("key %s has no attribute definition", k)
		}
	}
	return nil
}

// ReadWrite grants item reads and writes on the table and its indexes.
func (t *Table) ReadWrite() Statement {
	return Statement{
		Actions: []string{
			"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
			"dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
		},
		Resources: arns(t.ARN, suffix(t.ARN, "/index/*")),
	}
}

// Read grants item reads on the table and its indexes.
func (t *Table) Read() Statement {
	return Statement{
		Actions:   []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:DescribeTable"},
		Resources: arns(t.ARN, suffix(t.ARN, "/index/*")),
	}
}

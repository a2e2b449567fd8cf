package platform

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// FunctionArgs describe a Go Lambda function: a `bootstrap` executable for
// linux/arm64 on the provided.al2023 runtime.
type FunctionArgs struct {
	// Code is the zip holding bootstrap at its root
	// (pulumi.NewAssetArchive{"bootstrap": pulumi.NewFileAsset(path)}).
	Code pulumi.Archive
	// TimeoutSeconds (default 30) and MemoryMB (default 256).
	TimeoutSeconds int
	MemoryMB       int
	// Environment variables of the function.
	Environment map[string]pulumi.StringInput
	// Statements are the function role's permissions (logging is added).
	Statements []Statement
	// LogRetentionDays of the function's log group; default 30.
	LogRetentionDays int
}

// Lambda defaults.
const (
	defaultFunctionTimeout = 30
	defaultFunctionMemory  = 256
)

// newFunction creates a function with its own log group (JSON logs) and a
// role that may write only to that group plus args.Statements.
func newFunction(ctx *pulumi.Context, name string, parent pulumi.Resource, args FunctionArgs, extra ...Statement) (*lambda.Function, error) {
	if args.Code == nil {
		return nil, fmt.Errorf("%s: the function's code archive is required", name)
	}
	opt := pulumi.Parent(parent)
	fnName := physicalName(ctx, name)
	logs, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/lambda/" + fnName),
		RetentionInDays: pulumi.Int(orInt(args.LogRetentionDays, 30)),
	}, opt)
	if err != nil {
		return nil, err
	}
	stmts := append([]Statement{{
		Sid: "WriteLogs", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resources: arns(suffix(logs.Arn, ":*")),
	}}, extra...)
	stmts = append(stmts, args.Statements...)
	role, ready, err := newRole(ctx, name, "lambda.amazonaws.com", "the "+name+" function's permissions", stmts, opt)
	if err != nil {
		return nil, err
	}
	env := pulumi.StringMap{}
	for k, v := range args.Environment {
		env[k] = v
	}
	return lambda.NewFunction(ctx, name, &lambda.FunctionArgs{
		Name:          pulumi.String(fnName),
		Runtime:       pulumi.String("provided.al2023"),
		Handler:       pulumi.String("bootstrap"),
		Architectures: pulumi.StringArray{pulumi.String("arm64")},
		Code:          args.Code,
		Role:          role.Arn,
		Timeout:       pulumi.Int(orInt(args.TimeoutSeconds, defaultFunctionTimeout)),
		MemorySize:    pulumi.Int(orInt(args.MemoryMB, defaultFunctionMemory)),
		Environment:   &lambda.FunctionEnvironmentArgs{Variables: env},
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{LogFormat: pulumi.String("JSON"), LogGroup: logs.Name},
	}, opt, pulumi.DependsOn(append(ready, logs)))
}

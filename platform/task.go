package platform

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// CPU architectures of Fargate tasks.
const (
	ArchARM64 = "ARM64"
	ArchX8664 = "X86_64"
)

// ContainerArgs describe the one container of a Fargate task.
type ContainerArgs struct {
	// Image is the image URI (an ecr.Image's digest URI) and
	// ImageRepositoryARN its repository, which the task may pull from.
	Image              pulumi.StringInput
	ImageRepositoryARN pulumi.StringInput
	// CPU units (default 256) and MemoryMB (default 512) of the task.
	CPU      int
	MemoryMB int
	// Architecture is ArchARM64 (default) or ArchX8664.
	Architecture string
	// Environment variables of the container.
	Environment map[string]pulumi.StringInput
	// Secrets are environment variables ECS fills from Secrets Manager at
	// start (variable -> secret ARN); only the execution role may read them,
	// and no value appears in the task definition.
	Secrets map[string]pulumi.StringInput
	// Statements are the task role's permissions.
	Statements []Statement
	// LogRetentionDays of the task's log group; default 30.
	LogRetentionDays int
	// StopTimeoutSeconds is how long the container has to drain after
	// SIGTERM (Fargate allows up to 120); default 30.
	StopTimeoutSeconds int
}

// fargateTask is a task definition with its roles and log group.
type fargateTask struct {
	def      *ecs.TaskDefinition
	logGroup *cloudwatch.LogGroup
}

// newFargateTask creates the task definition of a container listening on
// port (0 for none): read-only root file system with a writable /tmp, logs
// to its own log group, an execution role that may pull only its image and
// write only its logs, and a task role with exactly args.Statements.
func newFargateTask(ctx *pulumi.Context, name string, parent pulumi.Resource, args ContainerArgs, port int) (*fargateTask, error) {
	if args.Image == nil || args.ImageRepositoryARN == nil {
		return nil, fmt.Errorf("%s: a container image and its repository are required", name)
	}
	arch := orString(args.Architecture, ArchARM64)
	if arch != ArchARM64 && arch != ArchX8664 {
		return nil, fmt.Errorf("%s: unknown CPU architecture %q (want %s or %s)", name, arch, ArchARM64, ArchX8664)
	}
	_, region, err := accountRegion(ctx, parent)
	if err != nil {
		return nil, err
	}
	opt := pulumi.Parent(parent)
	logs, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/" + ctx.Project() + "/" + ctx.Stack() + "/" + name),
		RetentionInDays: pulumi.Int(orInt(args.LogRetentionDays, 30)),
	}, opt, named)
	if err != nil {
		return nil, err
	}
	secretNames := envNames(args.Secrets)
	execStmts := []Statement{
		// GetAuthorizationToken has no resource-level permissions: AWS requires "*".
		{Sid: "EcrLogin", Actions: []string{"ecr:GetAuthorizationToken"}, Resources: pulumi.StringArray{pulumi.String("*")}},
		{Sid: "PullImage", Actions: []string{"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"}, Resources: arns(args.ImageRepositoryARN)},
		{Sid: "WriteLogs", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resources: arns(suffix(logs.Arn, ":*"))},
	}
	if len(secretNames) > 0 {
		var res pulumi.StringArray
		for _, n := range secretNames {
			res = append(res, args.Secrets[n])
		}
		execStmts = append(execStmts, Statement{Sid: "InjectSecrets", Actions: []string{"secretsmanager:GetSecretValue"}, Resources: res})
	}
	what := "ECS pulls " + name + "'s image and ships its logs"
	if len(secretNames) > 0 {
		what = "ECS pulls " + name + "'s image, injects its secrets and ships its logs"
	}
	exec, execReady, err := newRole(ctx, name+"-execution", "ecs-tasks.amazonaws.com", what, execStmts, opt)
	if err != nil {
		return nil, err
	}
	task, taskReady, err := newRole(ctx, name+"-task", "ecs-tasks.amazonaws.com", name+"'s own permissions", args.Statements, opt)
	if err != nil {
		return nil, err
	}

	names := envNames(args.Environment)
	inputs := []interface{}{args.Image, logs.Name}
	for _, n := range names {
		inputs = append(inputs, args.Environment[n])
	}
	for _, n := range secretNames {
		inputs = append(inputs, args.Secrets[n])
	}
	stop := orInt(args.StopTimeoutSeconds, 30)
	containers := pulumi.All(inputs...).ApplyT(func(v []interface{}) (string, error) {
		env := make([]map[string]string, 0, len(names))
		for i, n := range names {
			env = append(env, map[string]string{"name": n, "value": v[2+i].(string)})
		}
		c := map[string]interface{}{
			"name":                   name,
			"image":                  v[0].(string),
			"essential":              true,
			"readonlyRootFilesystem": true,
			"environment":            env,
			"mountPoints":            []map[string]interface{}{{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": false}},
			"linuxParameters":        map[string]interface{}{"initProcessEnabled": true},
			"stopTimeout":            stop,
			"logConfiguration": map[string]interface{}{
				"logDriver": "awslogs",
				"options": map[string]string{
					"awslogs-group": v[1].(string), "awslogs-region": region, "awslogs-stream-prefix": name,
				},
			},
		}
		if len(secretNames) > 0 {
			secrets := make([]map[string]string, 0, len(secretNames))
			for i, n := range secretNames {
				secrets = append(secrets, map[string]string{"name": n, "valueFrom": v[2+len(names)+i].(string)})
			}
			c["secrets"] = secrets
		}
		if port > 0 {
			c["portMappings"] = []map[string]interface{}{{"containerPort": port, "protocol": "tcp"}}
		}
		b, err := json.Marshal([]interface{}{c})
		return string(b), err
	}).(pulumi.StringOutput)

	def, err := ecs.NewTaskDefinition(ctx, name, &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(physicalName(ctx, name)),
		Cpu:                     pulumi.String(fmt.Sprint(orInt(args.CPU, 256))),
		Memory:                  pulumi.String(fmt.Sprint(orInt(args.MemoryMB, 512))),
		NetworkMode:             pulumi.String("awsvpc"),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			CpuArchitecture: pulumi.String(arch), OperatingSystemFamily: pulumi.String("LINUX"),
		},
		ExecutionRoleArn:     exec.Arn,
		TaskRoleArn:          task.Arn,
		ContainerDefinitions: containers,
		Volumes:              ecs.TaskDefinitionVolumeArray{&ecs.TaskDefinitionVolumeArgs{Name: pulumi.String("tmp")}},
	}, opt, pulumi.DependsOn(append(execReady, taskReady...)))
	if err != nil {
		return nil, err
	}
	return &fargateTask{def: def, logGroup: logs}, nil
}

// physicalName is the name of a resource in the account: project, stack and
// logical name ("buylink-prod-ingestion-api"), so stacks sharing an account
// do not collide.
func physicalName(ctx *pulumi.Context, name string) string {
	return ctx.Project() + "-" + ctx.Stack() + "-" + name
}

package platform

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	awsxecr "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ContainerImageArgs configures a ContainerImage.
type ContainerImageArgs struct {
	// Context is the docker build context and Dockerfile the file to build,
	// both relative to the program's working directory.
	Context    string
	Dockerfile string
	// Platform of the image; default "linux/arm64".
	Platform string
	// BuildArgs are docker build arguments.
	BuildArgs map[string]string
	// KeepImages is how many images the repository keeps; default 10.
	KeepImages int
	// ForceDelete deletes the repository with its images (dev stacks).
	ForceDelete bool
}

// ContainerImage is an ECR repository (scan on push, encrypted, old images
// expired) and an image built from a Dockerfile and pushed to it by the
// awsx ecr.Image component. ImageURI pins the pushed digest, so a task
// definition changes exactly when the image does.
type ContainerImage struct {
	pulumi.ResourceState

	ImageURI      pulumi.StringOutput `pulumi:"imageUri"`
	RepositoryARN pulumi.StringOutput `pulumi:"repositoryArn"`
	RepositoryURL pulumi.StringOutput `pulumi:"repositoryUrl"`
}

// NewContainerImage creates a ContainerImage.
func NewContainerImage(ctx *pulumi.Context, name string, args ContainerImageArgs, opts ...pulumi.ResourceOption) (*ContainerImage, error) {
	if args.Context == "" || args.Dockerfile == "" {
		return nil, errors.New("container image " + name + ": a build context and a Dockerfile are required")
	}
	c := &ContainerImage{}
	if err := ctx.RegisterComponentResource(typeToken("ContainerImage"), name, c, opts...); err != nil {
		return nil, err
	}
	opt := pulumi.Parent(c)
	repo, err := ecr.NewRepository(ctx, name, &ecr.RepositoryArgs{
		Name:                       pulumi.String(ctx.Project() + "/" + ctx.Stack() + "/" + name),
		ImageTagMutability:         pulumi.String("MUTABLE"),
		ForceDelete:                pulumi.Bool(args.ForceDelete),
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{ScanOnPush: pulumi.Bool(true)},
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{&ecr.RepositoryEncryptionConfigurationArgs{
			EncryptionType: pulumi.String("AES256"),
		}},
	}, opt)
	if err != nil {
		return nil, err
	}
	if _, err := ecr.NewLifecyclePolicy(ctx, name, &ecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy: pulumi.String(fmt.Sprintf(`{"rules":[{"rulePriority":1,"description":"keep the last %d images",`+
			`"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":%d},"action":{"type":"expire"}}]}`,
			orInt(args.KeepImages, 10), orInt(args.KeepImages, 10))),
	}, opt); err != nil {
		return nil, err
	}
	platform := orString(args.Platform, "linux/arm64")
	buildKit := awsxecr.BuilderVersionBuilderBuildKit
	img, err := awsxecr.NewImage(ctx, name, &awsxecr.ImageArgs{
		BuilderVersion: &buildKit,
		RepositoryUrl:  repo.RepositoryUrl,
		Context:        pulumi.String(args.Context),
		Dockerfile:     pulumi.String(args.Dockerfile),
		Platform:       pulumi.String(platform),
		Args:           pulumi.ToStringMap(args.BuildArgs),
	}, remoteChildOpts(c, opts)...)
	if err != nil {
		return nil, err
	}
	c.ImageURI, c.RepositoryARN, c.RepositoryURL = img.ImageUri, repo.Arn, repo.RepositoryUrl
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"imageUri": c.ImageURI, "repositoryArn": c.RepositoryARN, "repositoryUrl": c.RepositoryURL,
	})
}

package platform

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newRole creates a role an AWS service assumes, with the statements as its
// one inline policy (none when stmts is empty). No managed policies: every
// grant is spelled out and scoped to the resources it needs. The returned
// resources are what a user of the role must depend on to find its
// permissions in place (the role and its policy).
func newRole(ctx *pulumi.Context, name, service, description string, stmts []Statement, opts ...pulumi.ResourceOption) (*iam.Role, []pulumi.Resource, error) {
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRolePolicy(service)),
		Description:      pulumi.String(description),
	}, opts...)
	if err != nil {
		return nil, nil, err
	}
	ready := []pulumi.Resource{role}
	if len(stmts) > 0 {
		p, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{
			Role:   role.Name,
			Policy: policyDocument(stmts),
		}, opts...)
		if err != nil {
			return nil, nil, err
		}
		ready = append(ready, p)
	}
	return role, ready, nil
}

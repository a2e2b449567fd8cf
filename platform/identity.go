package platform

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cognito"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MFA settings of an Identity's user pool.
const (
	MFAOff      = "OFF"
	MFAOptional = "OPTIONAL"
	MFAOn       = "ON"
)

// IdentityArgs configures an Identity.
type IdentityArgs struct {
	// DomainPrefix of the hosted UI (<prefix>.auth.<region>.amazoncognito.com);
	// globally unique per region, lower-case letters, digits and hyphens.
	DomainPrefix string
	// CallbackURLs and LogoutURLs of the web app client (HTTPS).
	CallbackURLs []string
	LogoutURLs   []string
	// Groups to create, in precedence order; default "admins", "sellers".
	Groups []string
	// MFA is MFAOff (default), MFAOptional or MFAOn (TOTP apps).
	MFA string
	// DeletionProtection refuses deleting the pool (production).
	DeletionProtection bool
}

// Identity is a Cognito user pool (sign-in by e-mail, verified e-mails,
// strong passwords), a public app client for the authorization-code flow,
// the hosted UI domain and user groups.
type Identity struct {
	pulumi.ResourceState

	UserPoolID  pulumi.StringOutput `pulumi:"userPoolId"`
	UserPoolARN pulumi.StringOutput `pulumi:"userPoolArn"`
	ClientID    pulumi.StringOutput `pulumi:"clientId"`
	// Issuer is the tokens' "iss" (its JWKS is Issuer + "/.well-known/jwks.json").
	Issuer pulumi.StringOutput `pulumi:"issuer"`
	// HostedUIURL is the hosted sign-in page's base URL.
	HostedUIURL pulumi.StringOutput `pulumi:"hostedUiUrl"`
}

var domainPrefixRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// NewIdentity creates an Identity.
func NewIdentity(ctx *pulumi.Context, name string, args IdentityArgs, opts ...pulumi.ResourceOption) (*Identity, error) {
	mfa := orString(args.MFA, MFAOff)
	if mfa != MFAOff && mfa != MFAOptional && mfa != MFAOn {
		return nil, fmt.Errorf("identity %s: MFA must be %s, %s or %s (got %q)", name, MFAOff, MFAOptional, MFAOn, args.MFA)
	}
	if !domainPrefixRE.MatchString(args.DomainPrefix) {
		return nil, fmt.Errorf("identity %s: hosted UI domain prefix %q must be lower-case letters, digits and inner hyphens", name, args.DomainPrefix)
	}
	if len(args.CallbackURLs) == 0 {
		return nil, errors.New("identity " + name + ": at least one callback URL is required")
	}
	id := &Identity{}
	if err := ctx.RegisterComponentResource(typeToken("Identity"), name, id, opts...); err != nil {
		return nil, err
	}
	opt := pulumi.Parent(id)
	_, region, err := accountRegion(ctx, id)
	if err != nil {
		return nil, err
	}
	protection := "INACTIVE"
	if args.DeletionProtection {
		protection = "ACTIVE"
	}
	poolArgs := &cognito.UserPoolArgs{
		Name:                   pulumi.String(physicalName(ctx, name)),
		UsernameAttributes:     pulumi.StringArray{pulumi.String("email")},
		AutoVerifiedAttributes: pulumi.StringArray{pulumi.String("email")},
		UsernameConfiguration:  &cognito.UserPoolUsernameConfigurationArgs{CaseSensitive: pulumi.Bool(false)},
		PasswordPolicy: &cognito.UserPoolPasswordPolicyArgs{
			MinimumLength: pulumi.Int(12), RequireLowercase: pulumi.Bool(true), RequireUppercase: pulumi.Bool(true),
			RequireNumbers: pulumi.Bool(true), RequireSymbols: pulumi.Bool(false), TemporaryPasswordValidityDays: pulumi.Int(3),
		},
		AccountRecoverySetting: &cognito.UserPoolAccountRecoverySettingArgs{
			RecoveryMechanisms: cognito.UserPoolAccountRecoverySettingRecoveryMechanismArray{
				&cognito.UserPoolAccountRecoverySettingRecoveryMechanismArgs{Name: pulumi.String("verified_email"), Priority: pulumi.Int(1)},
			},
		},
		AdminCreateUserConfig: &cognito.UserPoolAdminCreateUserConfigArgs{AllowAdminCreateUserOnly: pulumi.Bool(false)},
		MfaConfiguration:      pulumi.String(mfa),
		DeletionProtection:    pulumi.String(protection),
	}
	if mfa != MFAOff {
		poolArgs.SoftwareTokenMfaConfiguration = &cognito.UserPoolSoftwareTokenMfaConfigurationArgs{Enabled: pulumi.Bool(true)}
	}
	pool, err := cognito.NewUserPool(ctx, name, poolArgs, opt)
	if err != nil {
		return nil, err
	}
	client, err := cognito.NewUserPoolClient(ctx, name, &cognito.UserPoolClientArgs{
		Name:                            pulumi.String(physicalName(ctx, name) + "-web"),
		UserPoolId:                      pool.ID(),
		GenerateSecret:                  pulumi.Bool(false),
		AllowedOauthFlowsUserPoolClient: pulumi.Bool(true),
		AllowedOauthFlows:               pulumi.StringArray{pulumi.String("code")},
		AllowedOauthScopes:              pulumi.StringArray{pulumi.String("openid"), pulumi.String("email"), pulumi.String("profile")},
		CallbackUrls:                    pulumi.ToStringArray(args.CallbackURLs),
		LogoutUrls:                      pulumi.ToStringArray(args.LogoutURLs),
		SupportedIdentityProviders:      pulumi.StringArray{pulumi.String("COGNITO")},
		ExplicitAuthFlows:               pulumi.StringArray{pulumi.String("ALLOW_USER_SRP_AUTH"), pulumi.String("ALLOW_REFRESH_TOKEN_AUTH")},
		PreventUserExistenceErrors:      pulumi.String("ENABLED"),
		EnableTokenRevocation:           pulumi.Bool(true),
		AccessTokenValidity:             pulumi.Int(60),
		IdTokenValidity:                 pulumi.Int(60),
		RefreshTokenValidity:            pulumi.Int(30),
		TokenValidityUnits: &cognito.UserPoolClientTokenValidityUnitsArgs{
			AccessToken: pulumi.String("minutes"), IdToken: pulumi.String("minutes"), RefreshToken: pulumi.String("days"),
		},
	}, opt)
	if err != nil {
		return nil, err
	}
	if _, err := cognito.NewUserPoolDomain(ctx, name, &cognito.UserPoolDomainArgs{
		Domain: pulumi.String(args.DomainPrefix), UserPoolId: pool.ID(),
	}, opt, named); err != nil {
		return nil, err
	}
	groups := args.Groups
	if len(groups) == 0 {
		groups = []string{"admins", "sellers"}
	}
	for i, g := range groups {
		if _, err := cognito.NewUserGroup(ctx, name+"-"+g, &cognito.UserGroupArgs{
			Name: pulumi.String(g), UserPoolId: pool.ID(), Precedence: pulumi.Int(i + 1),
		}, opt, named); err != nil {
			return nil, err
		}
	}
	id.UserPoolID, id.UserPoolARN, id.ClientID = pool.ID().ToStringOutput(), pool.Arn, client.ID().ToStringOutput()
	id.Issuer = pulumi.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", region, pool.ID())
	id.HostedUIURL = pulumi.String(fmt.Sprintf("https://%s.auth.%s.amazoncognito.com", args.DomainPrefix, region)).ToStringOutput()
	return id, ctx.RegisterResourceOutputs(id, pulumi.Map{
		"userPoolId": id.UserPoolID, "userPoolArn": id.UserPoolARN, "clientId": id.ClientID,
		"issuer": id.Issuer, "hostedUiUrl": id.HostedUIURL,
	})
}

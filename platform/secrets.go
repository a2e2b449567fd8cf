package platform

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SecretsArgs configures Secrets.
type SecretsArgs struct {
	// Values are secrets set from (secret) configuration, by name
	// ("openrouter-api-key").
	Values map[string]pulumi.StringInput
	// Generated names secrets holding a random 48-character key, generated
	// once and kept in the stack's state, so it does not change on every run
	// (signing keys).
	Generated []string
	// ForceDelete deletes secrets at once instead of after a 7-day recovery
	// window (dev stacks).
	ForceDelete bool
}

// Secrets are Secrets Manager secrets named "<project>/<stack>/<name>",
// encrypted under the AWS-managed key. ECS injects them into containers by
// ARN (ContainerArgs.Secrets); Read grants reading them to code that
// fetches a value itself.
type Secrets struct {
	pulumi.ResourceState

	// ARNs maps each secret's name to its ARN.
	ARNs pulumi.StringMapOutput `pulumi:"arns"`
	arns map[string]pulumi.StringOutput
}

var secretNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// NewSecrets creates Secrets.
func NewSecrets(ctx *pulumi.Context, name string, args SecretsArgs, opts ...pulumi.ResourceOption) (*Secrets, error) {
	names := make([]string, 0, len(args.Values)+len(args.Generated))
	generated := map[string]bool{}
	for n, v := range args.Values {
		if v == nil {
			return nil, fmt.Errorf("secrets %s: secret %q has no value", name, n)
		}
		names = append(names, n)
	}
	for _, n := range args.Generated {
		if _, dup := args.Values[n]; dup || generated[n] {
			return nil, fmt.Errorf("secrets %s: secret %q is declared twice", name, n)
		}
		generated[n] = true
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !secretNameRE.MatchString(n) {
			return nil, fmt.Errorf("secrets %s: secret name %q must be lower-case letters, digits and hyphens", name, n)
		}
	}
	s := &Secrets{arns: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource(typeToken("Secrets"), name, s, opts...); err != nil {
		return nil, err
	}
	opt := pulumi.Parent(s)
	window := 7
	if args.ForceDelete {
		window = 0
	}
	all := pulumi.StringMap{}
	for _, n := range names {
		sec, err := secretsmanager.NewSecret(ctx, n, &secretsmanager.SecretArgs{
			Name:                 pulumi.String(ctx.Project() + "/" + ctx.Stack() + "/" + n),
			Description:          pulumi.String(n + " of " + ctx.Project() + " " + ctx.Stack()),
			RecoveryWindowInDays: pulumi.Int(window),
		}, opt)
		if err != nil {
			return nil, err
		}
		value := args.Values[n]
		if generated[n] {
			pw, err := random.NewRandomPassword(ctx, n, &random.RandomPasswordArgs{Length: pulumi.Int(48), Special: pulumi.Bool(false)}, opt)
			if err != nil {
				return nil, err
			}
			value = pw.Result
		}
		if _, err := secretsmanager.NewSecretVersion(ctx, n, &secretsmanager.SecretVersionArgs{
			SecretId:     sec.ID(),
			SecretString: pulumi.ToSecret(value).(pulumi.StringOutput),
		}, opt); err != nil {
			return nil, err
		}
		s.arns[n] = sec.Arn
		all[n] = sec.Arn
	}
	s.ARNs = all.ToStringMapOutput()
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{"arns": s.ARNs})
}

// Has reports whether the named secret is declared.
func (s *Secrets) Has(name string) bool {
	_, ok := s.arns[name]
	return ok
}

// EnvName is the environment variable a secret is injected as:
// "openrouter-api-key" becomes OPENROUTER_API_KEY.
func EnvName(secret string) string {
	return strings.ToUpper(strings.ReplaceAll(secret, "-", "_"))
}

// Env returns the declared secrets among names as ContainerArgs.Secrets
// (environment variable -> secret ARN); undeclared names are left out.
func (s *Secrets) Env(names ...string) map[string]pulumi.StringInput {
	env := map[string]pulumi.StringInput{}
	for _, n := range names {
		if a, ok := s.arns[n]; ok {
			env[EnvName(n)] = a
		}
	}
	return env
}

// ARN returns the ARN of the named secret; the name must be declared.
func (s *Secrets) ARN(name string) (pulumi.StringOutput, error) {
	a, ok := s.arns[name]
	if !ok {
		return pulumi.StringOutput{}, fmt.Errorf("no secret named %q", name)
	}
	return a, nil
}

// Read grants reading the named secrets' values.
func (s *Secrets) Read(names ...string) (Statement, error) {
	var res pulumi.StringArray
	for _, n := range names {
		a, err := s.ARN(n)
		if err != nil {
			return Statement{}, err
		}
		res = append(res, a)
	}
	return Statement{Actions: []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, Resources: res}, nil
}

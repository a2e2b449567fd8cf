package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SecretValue reads the string value of the Secrets Manager secret with the
// ARN, in the ARN's region (AWS_ENDPOINT_URL_SECRETS_MANAGER reaches another
// endpoint, as for every SDK client). It is what a Lambda calls at cold
// start for each secret its environment names by ARN.
func SecretValue(ctx context.Context, arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "secretsmanager" || parts[3] == "" || parts[5] != "secret" {
		return "", fmt.Errorf("%q is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)", arn)
	}
	cfg, err := Load(ctx, url.Values{"region": {parts[3]}})
	if err != nil {
		return "", err
	}
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn})
	if err != nil {
		return "", err
	}
	if out.SecretString == nil {
		return "", errors.New("the secret holds no string (a binary secret?)")
	}
	return *out.SecretString, nil
}

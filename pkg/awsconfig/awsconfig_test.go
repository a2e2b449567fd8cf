package awsconfig_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/awsconfig"
	"github.com/buylink/buylink/pkg/internal/testservers"
)

func TestNoCredentialsFailsFast(t *testing.T) {
	testservers.NoCredentials(t)
	for _, u := range []string{
		"s3://thumbs?region=eu-west-1",
		"awssns:///arn:aws:sns:eu-west-1:123456789012:video-posted?region=eu-west-1",
		"awssqs://sqs.eu-west-1.amazonaws.com/123456789012/caption-parser?region=eu-west-1&raw=true&waittime=20s",
		"dynamodb://buylink?region=eu-west-1",
	} {
		start := time.Now()
		err := awsconfig.CheckURL(context.Background(), u)
		if err == nil {
			t.Fatalf("%s: started without credentials", u)
		}
		if !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") || strings.Contains(err.Error(), "?") {
			t.Errorf("%s: the message must say what to set and leave out the query: %v", u, err)
		}
		if d := time.Since(start); d > awsconfig.CredentialsTimeout+time.Second {
			t.Errorf("%s: took %s to fail", u, d)
		}
	}
}

func TestCredentialsFromEnvironment(t *testing.T) {
	testservers.NoCredentials(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	if err := awsconfig.CheckURL(context.Background(), "s3://thumbs?region=eu-west-1&use_path_style=true&endpoint=http://127.0.0.1:1"); err != nil {
		t.Fatalf("with credentials: %v", err)
	}
	cfg, err := awsconfig.Load(context.Background(), url.Values{"region": {"us-east-2"}})
	if err != nil || cfg.Region != "us-east-2" {
		t.Fatalf("region from the URL: %q, %v", cfg.Region, err)
	}
}

func TestAnonymousNeedsNoCredentials(t *testing.T) {
	testservers.NoCredentials(t)
	if err := awsconfig.CheckURL(context.Background(), "s3://public-bucket?region=eu-west-1&anonymous=true"); err != nil {
		t.Fatalf("anonymous access: %v", err)
	}
}

func TestOtherSchemesPass(t *testing.T) {
	testservers.NoCredentials(t)
	for _, u := range []string{"mem://video.posted", "file:///tmp/x", "/var/lib/buylink/catalog.db", "sqlite:///x.db"} {
		if err := awsconfig.CheckURL(context.Background(), u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}

func TestRegionAndParameters(t *testing.T) {
	testservers.NoCredentials(t)
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	if _, err := awsconfig.Load(context.Background(), url.Values{}); err == nil || !strings.Contains(err.Error(), "region") {
		t.Fatalf("no region: %v", err)
	}
	if _, err := awsconfig.Load(context.Background(), url.Values{"region": {"eu-west-1"}, "bogus": {"1"}}); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("unknown parameter: %v", err)
	}
}

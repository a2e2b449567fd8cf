package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	// The tests keep the catalog in a SQLite file.
	_ "github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

func newLambda(t *testing.T, env map[string]string) (any, error) {
	t.Helper()
	fetch := func(_ context.Context, arn string) (string, error) {
		if arn == "arn:aws:secretsmanager:eu-west-1:1:secret:buylink/dev/apify-token-Ab" {
			return "apify_api_test", nil
		}
		return "", errors.New("ResourceNotFoundException")
	}
	d := deploy.MustGet(deploy.ScheduledIngestion)
	for _, v := range d.Environment(deploy.Lambda) {
		t.Setenv(v.Name, env[v.Name])
		t.Setenv(deploy.SecretARNVar(v.Name), env[deploy.SecretARNVar(v.Name)])
	}
	h, closeAll, err := host.NewLambda(t.Context(), d, os.Getenv,
		slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.New("test"), fetch, ingestion.ScheduledComponent)
	if err == nil {
		t.Cleanup(func() { _ = closeAll() })
	}
	return h, err
}

func TestConfigurationErrorsNameTheVariable(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "APIFY_TOKEN"},
		{map[string]string{"APIFY_TOKEN": "t", "STORE_URL": db}, "TOPIC_URL_TEMPLATE"},
		{map[string]string{"APIFY_TOKEN": "t", "TOPIC_URL_TEMPLATE": "mem://{type}"}, "STORE_URL"},
		{map[string]string{"APIFY_TOKEN": "t", "TOPIC_URL_TEMPLATE": "mem://{type}", "STORE_URL": db, "INGEST_CONCURRENCY": "zero"}, "INGEST_CONCURRENCY"},
		{map[string]string{"APIFY_TOKEN": "t", "TOPIC_URL_TEMPLATE": "mem://fixed", "STORE_URL": db}, "{type}"},
		{map[string]string{"APIFY_TOKEN_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:gone", "TOPIC_URL_TEMPLATE": "mem://{type}", "STORE_URL": db}, "APIFY_TOKEN: read secret"},
	} {
		t.Run(c.want, func(t *testing.T) {
			if _, err := newLambda(t, c.env); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("env %v: want an error naming %s, got %v", c.env, c.want, err)
			}
		})
	}
}

// The token comes from Secrets Manager at cold start, and each invocation
// is one scheduler pass answering its summary.
func TestInvocationRunsOnePass(t *testing.T) {
	h, err := newLambda(t, map[string]string{"APIFY_TOKEN": "", "APIFY_TOKEN_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:buylink/dev/apify-token-Ab",
		"TOPIC_URL_TEMPLATE": "mem://sched-test/{type}", "STORE_URL": filepath.Join(t.TempDir(), "c.db")})
	if err != nil {
		t.Fatal(err)
	}
	invoke, ok := h.(func(context.Context, lambdaevents.EventBridgeEvent) (any, error))
	if !ok {
		t.Fatalf("handler %T", h)
	}
	out, err := invoke(t.Context(), lambdaevents.EventBridgeEvent{ID: "e1", DetailType: "Scheduled Event", Source: "aws.events"})
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := out.(ingestion.Summary); !ok || s.Sellers != 0 {
		t.Fatalf("summary %#v (no sellers: nothing scraped)", out)
	}
}

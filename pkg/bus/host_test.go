package bus_test

import (
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/bus"
)

func TestWorkerConfigFromEnv(t *testing.T) {
	t.Setenv("SUBSCRIPTION_URL", "")
	t.Setenv("TOPIC_URL_TEMPLATE", "mem://{type}")
	t.Setenv("WORKER_CONCURRENCY", "")
	if _, err := bus.WorkerConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "SUBSCRIPTION_URL") {
		t.Fatalf("missing subscription: %v", err)
	}
	t.Setenv("SUBSCRIPTION_URL", "mem://video.posted")
	c, err := bus.WorkerConfigFromEnv()
	if err != nil || c.Concurrency != 4 {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	for _, bad := range []string{"lots", "0", "257", "-1"} {
		t.Setenv("WORKER_CONCURRENCY", bad)
		if _, err := bus.WorkerConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "WORKER_CONCURRENCY") {
			t.Errorf("WORKER_CONCURRENCY=%s: %v", bad, err)
		}
	}
	t.Setenv("WORKER_CONCURRENCY", "16")
	if c, err := bus.WorkerConfigFromEnv(); err != nil || c.Concurrency != 16 {
		t.Fatalf("WORKER_CONCURRENCY=16: %+v %v", c, err)
	}
}

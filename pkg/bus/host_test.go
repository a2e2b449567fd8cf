package bus_test

import (
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/bus"
)

func TestParseConcurrency(t *testing.T) {
	if n, err := bus.ParseConcurrency(""); err != nil || n != 4 {
		t.Fatalf("default: %d %v", n, err)
	}
	for _, bad := range []string{"lots", "0", "257", "-1"} {
		if _, err := bus.ParseConcurrency(bad); err == nil || !strings.Contains(err.Error(), "WORKER_CONCURRENCY") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if n, err := bus.ParseConcurrency("16"); err != nil || n != 16 {
		t.Fatalf("16: %d %v", n, err)
	}
}

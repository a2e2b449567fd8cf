// Command devstack runs the whole buylink platform in one process on embedded
// defaults (see package devstack). Configuration: DEV_ADDR (127.0.0.1:8080;
// loopback only unless DEV_ALLOW_REMOTE=1),
// DATA_DIR (./.buylink), PUBLIC_URL, LOG_FORMAT, LOG_LEVEL, METRICS_FORMAT
// (emf writes CloudWatch embedded-metric lines to stdout; the same metrics
// are always served at /admin/metrics).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/obs"
	"github.com/buylink/buylink/services/devstack"
	"github.com/buylink/buylink/services/thumbnail-generator/thumbgen"
)

func main() {
	// This binary is also the thumbnail generator's decoding child.
	thumbgen.MaybeRunChild()
	log := obs.Setup("devstack")
	stopMetrics, err := metrics.Setup("devstack")
	if err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
	defer stopMetrics()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := devstack.Run(ctx, devstack.ConfigFromEnv(), log); err != nil {
		stopMetrics()
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
}

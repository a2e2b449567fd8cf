package bus

import (
	"context"
	"fmt"
	"strconv"

	"github.com/buylink/buylink/pkg/awsconfig"
)

// ParseConcurrency reads WORKER_CONCURRENCY, the handlers a host runs at
// once: 4 when empty, an error naming the variable unless it is in 1..256.
func ParseConcurrency(s string) (int, error) {
	if s == "" {
		return 4, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 256 {
		return 4, fmt.Errorf("WORKER_CONCURRENCY must be an integer in 1..256 (got %q)", s)
	}
	return n, nil
}

// CheckURLs checks, before anything is opened, that the AWS URLs among urls
// (subscriptions, topic templates, buckets) have credentials, so a process
// configured for AWS without them stops at start-up with a message saying
// what to set. Other URLs pass; empty ones are skipped.
func CheckURLs(ctx context.Context, urls ...string) error {
	for _, u := range urls {
		if u == "" {
			continue
		}
		if err := awsconfig.CheckURL(ctx, ExpandURL(u, "event")); err != nil {
			return err
		}
	}
	return nil
}

//go:build !unix

package rules_test

import "time"

// cpuTime is unknown here: the benchmarks report wall-time throughput only.
func cpuTime() time.Duration { return 0 }

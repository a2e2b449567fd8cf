//go:build asan

package frames

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestAddressSanitizerIsActive proves that this test binary's C code runs
// under AddressSanitizer, so that a clean run of the other tests means
// something: a deliberate one-byte heap overflow in a subprocess must be
// caught and reported.
func TestAddressSanitizerIsActive(t *testing.T) {
	if os.Getenv("FRAMES_ASAN_PROBE") == "1" {
		asanProbe()
		os.Exit(0) // not reached under AddressSanitizer
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAddressSanitizerIsActive$", "-test.count=1")
	cmd.Env = append(os.Environ(), "FRAMES_ASAN_PROBE=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "AddressSanitizer: heap-buffer-overflow") {
		t.Fatalf("a heap overflow in C went unreported (exit %v): AddressSanitizer is not active in this build:\n%s", err, out)
	}
}

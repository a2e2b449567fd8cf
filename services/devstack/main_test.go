package devstack

import (
	"os"
	"testing"

	"github.com/buylink/buylink/services/thumbnail-generator/thumbgen"
)

// TestMain lets the test binary act as the thumbnail generator's decoding
// child, as the devstack binary does.
func TestMain(m *testing.M) {
	thumbgen.MaybeRunChild()
	os.Exit(m.Run())
}

package llm

import (
	"os"
	"path/filepath"
	"testing"
)

// fixture returns a sample of OpenRouter's wire format under
// testdata/openrouter (see testdata/README.md).
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "openrouter", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

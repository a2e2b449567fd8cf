package llm

import (
	"os"
	"path/filepath"
	"testing"
)

// fixture returns the contents of a file under ../shared/fixtures, found by
// walking up from the test's directory to the one holding go.work.
func fixture(t *testing.T, rel string) []byte {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("fixture %s: no go.work above the test directory, so ../shared/fixtures cannot be found", rel)
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "fixtures", rel)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("fixture %s: %v (the shared fixtures must sit next to the repository, at ../shared/fixtures)", rel, err)
	}
	return data
}

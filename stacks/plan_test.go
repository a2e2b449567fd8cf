package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the committed plan snapshots (make plan-update)")

// The committed plan snapshots (testdata/plan-<stack>.json) are what the
// program creates; a change to the infrastructure shows as a diff to them,
// reviewed with the code. A stale snapshot fails until refreshed.
func TestPlanSnapshots(t *testing.T) {
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			got, err := graphOf(t, stack).Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "plan-"+stack+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("no committed snapshot (run `make plan-update`): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale: the program now plans differently. Review `make plan STACK=%s`, then refresh with `make plan-update`.\n%s",
					path, stack, firstDifference(want, got))
			}
		})
	}
}

// The snapshot is deterministic: two runs give the same bytes.
func TestPlanIsDeterministic(t *testing.T) {
	a, err := graphOf(t, "prod").Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := mustRun(t, "prod", nil).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("two runs differ:\n%s", firstDifference(a, b))
	}
}

// Secrets never reach the snapshot.
func TestPlanRedactsSecrets(t *testing.T) {
	snap, err := graphOf(t, "prod").Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(snap, []byte(offlineSecret)) || bytes.Contains(snap, []byte("mocked-")) {
		t.Fatal("a secret value is in the snapshot")
	}
	if !bytes.Contains(snap, []byte(`"secretString": "[secret]"`)) {
		t.Fatal("secret versions are not shown redacted")
	}
}

// firstDifference shows the first differing line with some context.
func firstDifference(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			from := max(0, i-3)
			return fmt.Sprintf("first difference at line %d:\n  committed: %s\n  now:       %s\n  context:\n    %s",
				i+1, wl, gl, strings.Join(g[from:min(len(g), i+3)], "\n    "))
		}
	}
	return "(no line differs)"
}

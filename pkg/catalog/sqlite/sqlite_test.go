package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/catalogtest"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
)

func open(t *testing.T) catalog.Store {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	return st
}

func TestConformance(t *testing.T) { catalogtest.Run(t, open) }

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db", "catalog.db")
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSeller(t.Context(), catalog.Seller{Handle: "demo", Sub: "s1", DisplayName: "Demo"}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer st.Close()
	if _, err := st.GetSeller(t.Context(), "demo"); err != nil {
		t.Fatalf("seller lost across reopen: %v", err)
	}
}

func TestIdempotencyConformance(t *testing.T) {
	catalogtest.RunIdempotency(t, func(t *testing.T) catalog.IdempotencyStore {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
		if err != nil {
			t.Fatalf("open sqlite: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	})
}

func TestCounterConformance(t *testing.T) {
	catalogtest.RunCounters(t, func(t *testing.T) catalog.CounterStore {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "catalog.db"))
		if err != nil {
			t.Fatalf("open sqlite: %v", err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	})
}

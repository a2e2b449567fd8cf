package dynamo_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/catalogtest"
	"github.com/buylink/buylink/pkg/catalog/dynamo"
	"github.com/buylink/buylink/pkg/internal/testservers"
)

var tableSeq atomic.Int64

// newStore opens a store on a new table of the dynalite at endpoint.
func newStore(tb testing.TB, endpoint string, opts ...dynamo.Option) *dynamo.Store {
	tb.Helper()
	table := fmt.Sprintf("buylink-test-%d", tableSeq.Add(1))
	st, err := dynamo.Open(context.Background(), "dynamodb://"+table+"?region="+testservers.Region+"&endpoint="+endpoint, opts...)
	if err != nil {
		tb.Fatalf("open dynamo store: %v", err)
	}
	if err := st.CreateTable(context.Background()); err != nil {
		tb.Fatalf("create table: %v", err)
	}
	if err := st.Ping(context.Background()); err != nil {
		tb.Fatalf("ping: %v", err)
	}
	return st
}

func TestConformance(t *testing.T) {
	testservers.UseEmulators(t)
	endpoint := testservers.Dynalite(t)
	catalogtest.Run(t, func(t *testing.T) catalog.Store { return newStore(t, endpoint) })
}

func TestIdempotencyConformance(t *testing.T) {
	testservers.UseEmulators(t)
	endpoint := testservers.Dynalite(t)
	catalogtest.RunIdempotency(t, func(t *testing.T) catalog.IdempotencyStore { return newStore(t, endpoint) })
}

func TestCounterConformance(t *testing.T) {
	testservers.UseEmulators(t)
	endpoint := testservers.Dynalite(t)
	catalogtest.RunCounters(t, func(t *testing.T) catalog.CounterStore { return newStore(t, endpoint) })
}

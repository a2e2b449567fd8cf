package storeurl_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/dynamo"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/catalog/storeurl"
	"github.com/buylink/buylink/pkg/internal/testservers"
)

func use(t *testing.T, st catalog.Store) {
	t.Helper()
	defer func() {
		if err := st.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	if err := st.Ping(t.Context()); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if _, err := st.CreateSeller(t.Context(), catalog.Seller{Handle: "demo", Sub: "s1", DisplayName: "Demo"}); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func TestSQLiteForms(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, u := range []string{
		filepath.Join(dir, "plain.db"),
		"relative/dir/plain.db",
		"sqlite://" + filepath.ToSlash(filepath.Join(dir, "abs.db")),
		"sqlite:rel.db",
	} {
		st, err := storeurl.Open(t.Context(), u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if _, ok := st.(*sqlite.Store); !ok {
			t.Fatalf("%s opened a %T", u, st)
		}
		use(t, st)
	}
	for _, f := range []string{"plain.db", "relative/dir/plain.db", "abs.db", "rel.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("database file %s: %v", f, err)
		}
	}
}

func TestDynamoDB(t *testing.T) {
	testservers.UseEmulators(t)
	endpoint := testservers.Dynalite(t)
	st, err := storeurl.Open(t.Context(), "dynamodb://storeurl-test?region=eu-west-1&endpoint="+endpoint)
	if err != nil {
		t.Fatal(err)
	}
	ds, ok := st.(*dynamo.Store)
	if !ok || ds.Table() != "storeurl-test" {
		t.Fatalf("opened %T", st)
	}
	if err := st.Ping(t.Context()); !catalog.IsCode(err, catalog.CodeUnavailable) {
		t.Fatalf("ping before the table exists: %v", err)
	}
	if err := ds.CreateTable(t.Context()); err != nil {
		t.Fatal(err)
	}
	use(t, st)
}

func TestBadURLs(t *testing.T) {
	testservers.NoCredentials(t)
	for u, want := range map[string]string{
		"":                              "STORE_URL",
		"   ":                           "STORE_URL",
		"postgres://db/buylink":         `unknown scheme "postgres" (this binary opens dynamodb, sqlite)`,
		"sqlite://host/x.db":            "not a host",
		"sqlite:":                       "names no file",
		"dynamodb://x?region=eu-west-1": "table name",
		"dynamodb:///path":              "table name",
		"dynamodb://table":              "region",
	} {
		if u == "dynamodb://table" {
			t.Setenv("AWS_REGION", "")
			t.Setenv("AWS_DEFAULT_REGION", "")
		}
		_, err := storeurl.Open(context.Background(), u)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: want an error about %q, got %v", u, want, err)
		}
	}
}

func TestDynamoDBWithoutCredentialsFailsFast(t *testing.T) {
	testservers.NoCredentials(t)
	start := time.Now()
	_, err := storeurl.Open(context.Background(), "dynamodb://buylink-prod?region=eu-west-1")
	if err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") || !strings.Contains(err.Error(), "buylink-prod") {
		t.Fatalf("want a credentials error naming the table, got %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("took %s", time.Since(start))
	}
}

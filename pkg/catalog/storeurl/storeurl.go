// Package storeurl opens the catalog store a configuration names
// (STORE_URL): the one place that maps a URL to a catalog.Store
// implementation, so every service selects its store by configuration only.
//
//	/var/lib/buylink/catalog.db           SQLite file (a plain path)
//	sqlite:///var/lib/buylink/catalog.db  SQLite file, absolute path
//	sqlite:data/catalog.db                SQLite file, relative path
//	dynamodb://buylink-prod?region=eu-west-1
//	dynamodb://buylink?region=eu-west-1&endpoint=http://127.0.0.1:4567
//
// A dynamodb:// URL fails at once when no AWS credentials are available.
package storeurl

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/dynamo"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
)

// Open opens the store rawURL names (see the package doc).
func Open(ctx context.Context, rawURL string) (catalog.Store, error) {
	if strings.TrimSpace(rawURL) == "" {
		return nil, errors.New("store URL is empty: set STORE_URL to a SQLite file path, sqlite:///path or dynamodb://<table>?region=<region>")
	}
	scheme, rest, hasScheme := strings.Cut(rawURL, ":")
	if !hasScheme || strings.ContainsAny(scheme, `/\.`) || len(scheme) < 2 {
		// A plain path ("data/catalog.db", "/var/lib/x.db"); one-letter
		// "schemes" are Windows drive letters.
		return sqlite.Open(ctx, rawURL)
	}
	switch strings.ToLower(scheme) {
	case "sqlite":
		path := strings.TrimPrefix(rest, "//")
		if u, err := url.Parse(rawURL); err == nil && u.Opaque == "" {
			if u.Host != "" {
				return nil, fmt.Errorf("store URL %q: a sqlite URL names a file, not a host: use sqlite:///absolute/path or sqlite:relative/path", rawURL)
			}
			path = u.Path
		}
		if path == "" {
			return nil, fmt.Errorf("store URL %q names no file", rawURL)
		}
		return sqlite.Open(ctx, path)
	case dynamo.Scheme:
		return dynamo.Open(ctx, rawURL)
	default:
		return nil, fmt.Errorf("store URL %q: unknown scheme %q (want a SQLite file path, sqlite:// or dynamodb://)", rawURL, scheme)
	}
}

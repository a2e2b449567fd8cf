// Package storeurl opens the catalog store a configuration names
// (STORE_URL) by its scheme, as gocloud.dev opens buckets and topics: each
// store package registers its scheme when imported, so the domain (package
// catalog) imports no driver and a binary links only the drivers it
// imports. The embedded store registers "sqlite" (and plain paths), the
// DynamoDB store "dynamodb":
//
//	import _ "github.com/buylink/buylink/pkg/catalog/sqlite"
//	import _ "github.com/buylink/buylink/pkg/catalog/dynamo"
//
//	/var/lib/buylink/catalog.db           SQLite file (a plain path)
//	sqlite:///var/lib/buylink/catalog.db  SQLite file, absolute path
//	sqlite:data/catalog.db                SQLite file, relative path
//	dynamodb://buylink-prod?region=eu-west-1
//	dynamodb://buylink?region=eu-west-1&endpoint=http://127.0.0.1:4567
package storeurl

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/buylink/buylink/pkg/catalog"
)

// Opener opens the store a URL of its scheme names.
type Opener func(ctx context.Context, rawURL string) (catalog.Store, error)

// PathScheme is the scheme plain paths open with.
const PathScheme = "sqlite"

var (
	mu      sync.RWMutex
	openers = map[string]Opener{}
)

// Register makes Open hand URLs of scheme to open. Store packages call it
// from init; registering a scheme twice panics.
func Register(scheme string, open Opener) {
	mu.Lock()
	defer mu.Unlock()
	scheme = strings.ToLower(scheme)
	if _, dup := openers[scheme]; dup {
		panic("storeurl: scheme " + scheme + " registered twice")
	}
	openers[scheme] = open
}

// Schemes lists the registered schemes.
func Schemes() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(openers))
	for s := range openers {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Open opens the store rawURL names (see the package doc).
func Open(ctx context.Context, rawURL string) (catalog.Store, error) {
	if strings.TrimSpace(rawURL) == "" {
		return nil, errors.New("store URL is empty: set STORE_URL to a SQLite file path, sqlite:///path or dynamodb://<table>?region=<region>")
	}
	scheme, _, hasScheme := strings.Cut(rawURL, ":")
	if !hasScheme || strings.ContainsAny(scheme, `/\.`) || len(scheme) < 2 {
		// A plain path ("data/catalog.db", "/var/lib/x.db"); one-letter
		// "schemes" are Windows drive letters.
		scheme = PathScheme
	}
	scheme = strings.ToLower(scheme)
	mu.RLock()
	open, ok := openers[scheme]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("store URL %q: unknown scheme %q (this binary opens %s)", rawURL, scheme, strings.Join(Schemes(), ", "))
	}
	return open(ctx, rawURL)
}

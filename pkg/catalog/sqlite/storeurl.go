package sqlite

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/storeurl"
)

// Importing the package makes storeurl.Open open sqlite: URLs and plain
// paths.
func init() { storeurl.Register(storeurl.PathScheme, openURL) }

// openURL opens a plain path, sqlite:///absolute/path or sqlite:relative/path.
func openURL(ctx context.Context, rawURL string) (catalog.Store, error) {
	scheme, rest, hasScheme := strings.Cut(rawURL, ":")
	if !hasScheme || !strings.EqualFold(scheme, storeurl.PathScheme) {
		return open(ctx, rawURL)
	}
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
	return open(ctx, path)
}

// open is Open returning a catalog.Store, nil (not a typed nil) on error.
func open(ctx context.Context, path string) (catalog.Store, error) {
	s, err := Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return s, nil
}

package dynamo

import (
	"context"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/storeurl"
)

// Importing the package makes storeurl.Open open dynamodb:// URLs.
func init() {
	storeurl.Register(Scheme, func(ctx context.Context, rawURL string) (catalog.Store, error) {
		s, err := Open(ctx, rawURL)
		if err != nil {
			return nil, err // not a typed nil *Store in the interface
		}
		return s, nil
	})
}

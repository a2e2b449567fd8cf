// Command product-service serves buylink's storefront: shop pages, the public
// and seller JSON APIs, the click redirect, the dashboard and media, and,
// when SUBSCRIPTION_URL is set, runs the product projector on that
// subscription (package productservice). Its environment is
// product-service's in pkg/deploy (README, Configuration).
package main

import (
	// The stores, topics and buckets it may be configured with.
	_ "gocloud.dev/blob/s3blob"
	_ "gocloud.dev/pubsub/awssnssqs"

	_ "github.com/buylink/buylink/pkg/catalog/dynamo"
	_ "github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/services/product-service/productservice"
)

func main() { host.Main(deploy.ProductService, productservice.Component) }

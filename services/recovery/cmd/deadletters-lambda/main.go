// Command deadletters-lambda is the dead-letter consumer on AWS Lambda, fed
// by every worker's DLQ (recovery.DeadLetters). Its environment is
// deadletters' in pkg/deploy.
package main

import (
	_ "gocloud.dev/blob/s3blob"

	_ "github.com/buylink/buylink/pkg/catalog/dynamo"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/services/recovery"
)

func main() { host.Lambda(deploy.DeadLetters, recovery.DeadLetters) }

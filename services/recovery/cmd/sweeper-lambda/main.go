// Command sweeper-lambda is the sweeper on AWS Lambda, run every five
// minutes by an EventBridge schedule (recovery.Sweeper). Its environment is
// the sweeper's in pkg/deploy.
package main

import (
	_ "gocloud.dev/pubsub/awssnssqs"

	_ "github.com/buylink/buylink/pkg/catalog/dynamo"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/services/recovery"
)

func main() { host.Lambda(deploy.Sweeper, recovery.Sweeper) }

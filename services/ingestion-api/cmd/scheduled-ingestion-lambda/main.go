// Command scheduled-ingestion-lambda is scheduled ingestion on AWS Lambda,
// invoked by an EventBridge schedule: each invocation runs one
// ingestion.Scheduler pass over every seller and answers its summary. Its
// environment is scheduled-ingestion's in pkg/deploy; the Apify token comes
// from Secrets Manager at cold start (APIFY_TOKEN_SECRET_ARN).
package main

import (
	// The AWS store and topics only: a Lambda links no SQLite.
	_ "gocloud.dev/pubsub/awssnssqs"

	_ "github.com/buylink/buylink/pkg/catalog/dynamo"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

func main() { host.Lambda(deploy.ScheduledIngestion, ingestion.ScheduledComponent) }

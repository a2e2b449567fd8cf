// Command caption-parser-lambda is the caption worker on AWS Lambda: it takes
// video.posted batches from SQS (batch size 10, partial batch failures) and
// publishes caption.parsed to the topics TOPIC_URL_TEMPLATE names. The LLM is
// configured as for cmd/caption-parser (captionparser.ConfigFromEnv).
package main

import (
	// awssns:// topics for the results.
	_ "gocloud.dev/pubsub/awssnssqs"
	// s3:// buckets for the LLM answer cache and dead letters.
	_ "gocloud.dev/blob/s3blob"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/bus/lambdahost"
	"github.com/buylink/buylink/services/caption-parser/captionparser"
)

func main() {
	lambdahost.Start(captionparser.Name, func(pub bus.Publisher) (bus.Handler, error) {
		cfg, err := captionparser.ConfigFromEnv()
		if err != nil {
			return nil, err
		}
		p, err := captionparser.New(cfg, pub)
		if err != nil {
			return nil, err
		}
		return p.Handle, nil
	})
}

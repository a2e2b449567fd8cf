// Command thumbnail-generator is the long-poll worker that turns video.posted
// into thumbnails.generated (package thumbgen). Run with the argument
// thumbgen.ChildCommand it is the resource-limited decoding child instead.
// Its environment is thumbnail-generator's in pkg/deploy: the worker host's
// variables, MEDIA_BUCKET_URL and YOLO_MODEL_PATH.
package main

import (
	// awssqs:// subscriptions and dead-letter queues, awssns:// topics,
	// s3:// media.
	_ "gocloud.dev/pubsub/awssnssqs"

	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/services/thumbnail-generator/thumbgen"
)

func main() {
	thumbgen.MaybeRunChild()
	host.Main(deploy.ThumbnailGenerator, thumbgen.Component)
}

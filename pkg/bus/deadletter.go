package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/pubsub"
	// Dead-letter boxes live in file:// directories or s3:// buckets.
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/events"
)

// DeadLetter is a message that will not be retried, kept with the reason.
type DeadLetter struct {
	ID string `json:"id"`
	// Worker names the consumer that gave up on the message.
	Worker    string    `json:"worker"`
	EventType string    `json:"eventType,omitempty"`
	EventID   string    `json:"eventId,omitempty"`
	Attempts  int       `json:"attempts"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
	// Body is the message exactly as received.
	Body []byte `json:"body"`
}

// NewDeadLetter describes a message a worker gives up on.
func NewDeadLetter(worker string, body []byte, env events.Envelope, attempts int, cause error) DeadLetter {
	reason := cause.Error()
	if i := strings.IndexByte(reason, '\n'); i >= 0 {
		reason = reason[:i] // drop panic stacks
	}
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	return DeadLetter{
		ID: events.NewID(), Worker: worker, EventType: env.Type, EventID: env.ID,
		Attempts: attempts, Reason: reason, At: time.Now().UTC(), Body: body,
	}
}

// DeadLetterSink stores dead letters.
type DeadLetterSink interface {
	DeadLetter(ctx context.Context, dl DeadLetter) error
}

// Metadata of a dead letter sent to a queue by QueueSink (SQS message
// attributes), which the dead-letter consumer reads back.
const (
	MetaDeadLetterWorker   = "deadletter-worker"
	MetaDeadLetterReason   = "deadletter-reason"
	MetaDeadLetterAttempts = "deadletter-attempts"
)

// OpenDeadLetterSink opens where a host's given-up messages go
// (DEADLETTER_URL): an SQS queue or SNS topic URL (awssqs://, awssns://) is a
// QueueSink, the worker's own DLQ on AWS; any other URL a bucket holding a
// DeadLetterBox (file://, s3://, mem://); "" is RedriveOnly. The returned
// function closes it.
func OpenDeadLetterSink(ctx context.Context, rawURL string) (DeadLetterSink, func() error, error) {
	scheme, _, _ := strings.Cut(rawURL, "://")
	switch scheme {
	case "":
		return RedriveOnly{}, func() error { return nil }, nil
	case "awssqs", "awssns":
		t, err := pubsub.OpenTopic(ctx, rawURL)
		if err != nil {
			return nil, nil, fmt.Errorf("bus: open dead-letter queue %s: %w", rawURL, err)
		}
		return NewQueueSink(t), func() error { return t.Shutdown(context.Background()) }, nil
	}
	box, err := OpenDeadLetterBox(ctx, rawURL)
	if err != nil {
		return nil, nil, err
	}
	return box, box.Close, nil
}

// RedriveOnly is the sink of a host without one: it refuses every letter,
// so the host leaves the message unacknowledged and the queue's redrive
// policy moves it to the DLQ after maxReceiveCount deliveries.
type RedriveOnly struct{}

// DeadLetter implements DeadLetterSink.
func (RedriveOnly) DeadLetter(_ context.Context, dl DeadLetter) error {
	return fmt.Errorf("no dead-letter sink configured; leaving %s for the queue's redrive policy", dl.EventID)
}

// QueueSink sends dead letters to a queue, the consumer's DLQ: the body as
// received, who gave up, why and after how many attempts as metadata. The
// dead-letter consumer takes them from there (DeadLetterFromQueue).
type QueueSink struct {
	topic *pubsub.Topic
}

// NewQueueSink sends dead letters to the topic (a queue opened as a topic).
func NewQueueSink(t *pubsub.Topic) *QueueSink { return &QueueSink{topic: t} }

// DeadLetter implements DeadLetterSink.
func (q *QueueSink) DeadLetter(ctx context.Context, dl DeadLetter) error {
	err := q.topic.Send(ctx, &pubsub.Message{Body: dl.Body, Metadata: map[string]string{
		MetaDeadLetterWorker: dl.Worker, MetaDeadLetterReason: dl.Reason, MetaDeadLetterAttempts: strconv.Itoa(dl.Attempts),
	}})
	if err != nil {
		return fmt.Errorf("bus: send dead letter of %s to its queue: %w", dl.Worker, err)
	}
	return nil
}

// MaxDeliveries is how many deliveries a message gets before it is given
// up: the hosts' count and the SQS queues' maxReceiveCount.
const MaxDeliveries = 3

// DeadLetterFromQueue describes a message taken from consumer's DLQ: the
// reason and attempts its host sent along (QueueSink), or, for a message
// the queue's redrive policy moved there after MaxDeliveries receives (a
// crash, a timeout), that it was not settled.
func DeadLetterFromQueue(consumer string, body []byte, meta map[string]string) DeadLetter {
	env, _ := ParseMessage(body)
	reason := meta[MetaDeadLetterReason]
	attempts, err := strconv.Atoi(meta[MetaDeadLetterAttempts])
	if err != nil || attempts < 1 {
		attempts = MaxDeliveries
	}
	if reason == "" {
		reason = fmt.Sprintf("not settled after %d deliveries (the worker crashed or timed out: see its logs)", attempts)
	}
	dl := NewDeadLetter(consumer, body, env, attempts, errors.New(reason))
	if w := meta[MetaDeadLetterWorker]; w != "" {
		dl.Worker = w
	}
	return dl
}

// DeadLetterBox keeps dead letters as JSON blobs in a bucket (a directory in
// the embedded runtime: nothing is lost across restarts), one key per letter
// under the worker's name, and redrives them.
type DeadLetterBox struct {
	b *blob.Bucket
}

// OpenDeadLetterBox opens the box at a gocloud blob URL such as
// "file:///var/buylink/deadletters?create_dir=1".
func OpenDeadLetterBox(ctx context.Context, bucketURL string) (*DeadLetterBox, error) {
	b, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		return nil, fmt.Errorf("bus: open dead-letter box %s: %w", bucketURL, err)
	}
	return &DeadLetterBox{b: b}, nil
}

// NewDeadLetterBox wraps an open bucket.
func NewDeadLetterBox(b *blob.Bucket) *DeadLetterBox { return &DeadLetterBox{b: b} }

func dlKey(dl DeadLetter) string {
	return dl.Worker + "/" + dl.At.Format("20060102T150405.000000000Z") + "-" + dl.ID + ".json"
}

// DeadLetter implements DeadLetterSink.
func (d *DeadLetterBox) DeadLetter(ctx context.Context, dl DeadLetter) error {
	if dl.Worker == "" || strings.ContainsAny(dl.Worker, "/.") {
		return fmt.Errorf("bus: dead letter needs a plain worker name (got %q)", dl.Worker)
	}
	b, err := json.Marshal(dl)
	if err != nil {
		return err
	}
	return d.b.WriteAll(ctx, dlKey(dl), b, &blob.WriterOptions{ContentType: "application/json"})
}

// List returns the dead letters of a worker ("" for all), oldest first.
func (d *DeadLetterBox) List(ctx context.Context, worker string) ([]DeadLetter, error) {
	prefix := ""
	if worker != "" {
		prefix = worker + "/"
	}
	it := d.b.List(&blob.ListOptions{Prefix: prefix})
	var out []DeadLetter
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("bus: list dead letters: %w", err)
		}
		if !strings.HasSuffix(obj.Key, ".json") {
			continue
		}
		raw, err := d.b.ReadAll(ctx, obj.Key)
		if gcerrors.Code(err) == gcerrors.NotFound {
			continue // redriven meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("bus: read dead letter %s: %w", obj.Key, err)
		}
		var dl DeadLetter
		if err := json.Unmarshal(raw, &dl); err != nil {
			return nil, fmt.Errorf("bus: decode dead letter %s: %w", obj.Key, err)
		}
		out = append(out, dl)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// Redrive re-publishes a worker's dead letters ("" for all) through pub and
// removes each one once it is published. Letters whose body is not an event
// stay in the box. It returns how many were redriven.
func (d *DeadLetterBox) Redrive(ctx context.Context, worker string, pub Publisher, progress func(done, total int)) (int, error) {
	letters, err := d.List(ctx, worker)
	if err != nil {
		return 0, err
	}
	n := 0
	for i, dl := range letters {
		env, perr := ParseMessage(dl.Body)
		if perr == nil {
			if err := pub.Publish(ctx, env); err != nil {
				return n, fmt.Errorf("bus: redrive %s: %w", dl.ID, err)
			}
			if err := d.b.Delete(ctx, dlKey(dl)); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
				return n, fmt.Errorf("bus: remove redriven %s: %w", dl.ID, err)
			}
			n++
		}
		if progress != nil {
			progress(i+1, len(letters))
		}
	}
	return n, nil
}

// Close closes the underlying bucket.
func (d *DeadLetterBox) Close() error { return d.b.Close() }

// VideoFailer is the sink that marks the video of every dead letter failed
// with the letter's reason (catalog.Video.DeadLettered) before keeping the
// letter in Next: devstack's dead-letter box, and on AWS the dead-letter
// consumer draining the DLQs. A letter whose body is no event, or names an
// unknown video or another seller's, is kept without touching any video.
type VideoFailer struct {
	Videos catalog.VideoStore
	Next   DeadLetterSink
}

// DeadLetter implements DeadLetterSink.
func (f *VideoFailer) DeadLetter(ctx context.Context, dl DeadLetter) error {
	if env, err := ParseMessage(dl.Body); err == nil && env.VideoID != "" {
		_, err := f.Videos.UpdateVideo(ctx, env.VideoID, func(v *catalog.Video) error {
			if v.Seller != env.Seller || !v.DeadLettered(dl.Worker, dl.Reason) {
				return errUnchanged
			}
			return nil
		})
		if err != nil && !errors.Is(err, errUnchanged) && !catalog.IsCode(err, catalog.CodeNotFound) {
			return fmt.Errorf("bus: mark video %s failed: %w", env.VideoID, err)
		}
	}
	return f.Next.DeadLetter(ctx, dl)
}

// errUnchanged aborts an update that changes nothing.
var errUnchanged = errors.New("unchanged")

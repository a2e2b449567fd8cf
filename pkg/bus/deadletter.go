package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"gocloud.dev/blob"
	// Dead-letter boxes live in file:// directories or s3:// buckets.
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

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

package recovery

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"gocloud.dev/pubsub"
	_ "gocloud.dev/pubsub/mempubsub"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/deploy"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/host"
	"github.com/buylink/buylink/pkg/metrics"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// lambda builds a deployable's Lambda handler over a SQLite store, with the
// test's environment.
func lambda(t *testing.T, name string, build host.Builder, env map[string]string) (any, error) {
	t.Helper()
	d := deploy.MustGet(name)
	for _, v := range d.Environment(deploy.Lambda) {
		t.Setenv(v.Name, env[v.Name])
	}
	h, closeAll, err := host.NewLambda(t.Context(), d, os.Getenv, quiet(), metrics.New("test"), nil, build)
	if err == nil {
		t.Cleanup(func() { _ = closeAll() })
	}
	return h, err
}

func seedVideo(t *testing.T, st *sqlite.Store, id string, status catalog.VideoStatus, attempts int) {
	t.Helper()
	ctx := t.Context()
	if _, err := st.CreateSeller(ctx, catalog.Seller{Handle: "mira.home", Sub: "s-" + id, DisplayName: "Mira"}); err != nil && !catalog.IsCode(err, catalog.CodeConflict) {
		t.Fatal(err)
	}
	if _, _, err := st.UpsertVideo(ctx, catalog.Video{ID: id, Seller: "mira.home", PageURL: "https://www.tiktok.com/@mira.home/video/" + id,
		Caption: "linen throw, 39 dollars", PostedAt: time.Now().Add(-time.Hour), Status: status, Attempts: attempts, CorrelationID: "c-" + id}); err != nil {
		t.Fatal(err)
	}
}

func TestSweeperLambdaRestartsStuckVideos(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "catalog.db")
	clock := time.Now().Add(-30 * time.Minute) // every video last touched half an hour ago
	st, err := sqlite.Open(t.Context(), db, sqlite.WithClock(func() time.Time { return clock }))
	if err != nil {
		t.Fatal(err)
	}
	seedVideo(t, st, "7400000000000000001", catalog.VideoProcessing, 1)
	seedVideo(t, st, "7400000000000000002", catalog.VideoQueued, 3)
	seedVideo(t, st, "7400000000000000003", catalog.VideoReady, 1)
	_ = st.Close()

	prefix := "mem://sweeper-" + events.NewID() + "/"
	topic, err := pubsub.OpenTopic(t.Context(), prefix+"video.posted")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = topic.Shutdown(context.Background()) }()
	sub, err := pubsub.OpenSubscription(t.Context(), prefix+"video.posted")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Shutdown(context.Background()) }()
	h, err := lambda(t, deploy.Sweeper, Sweeper, map[string]string{"STORE_URL": db, "TOPIC_URL_TEMPLATE": prefix + "{type}"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.(func(context.Context, lambdaevents.EventBridgeEvent) (any, error))(t.Context(), lambdaevents.EventBridgeEvent{ID: "tick"})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := out.(bus.SweepResult); !ok || r.Restarted != 1 || r.Failed != 1 {
		t.Fatalf("sweep %#v, want one restarted and one failed", out)
	}
	rctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	msg, err := sub.Receive(rctx)
	if err != nil {
		t.Fatal(err)
	}
	msg.Ack()
	env, err := events.Parse(msg.Body)
	if err != nil || env.VideoID != "7400000000000000001" || env.CorrelationID != "c-7400000000000000001" {
		t.Fatalf("restart event %+v %v", env, err)
	}
	st, err = sqlite.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	if v, _ := st.GetVideo(t.Context(), "7400000000000000002"); v.Status != catalog.VideoFailed || !strings.Contains(v.FailureReason, "after 3 attempts") {
		t.Fatalf("exhausted video %+v", v)
	}
}

func TestSweeperConfiguration(t *testing.T) {
	db := filepath.Join(t.TempDir(), "c.db")
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "STORE_URL"},
		{map[string]string{"STORE_URL": db}, "TOPIC_URL_TEMPLATE"},
		{map[string]string{"STORE_URL": db, "TOPIC_URL_TEMPLATE": "mem://{type}", "SWEEP_STUCK_AFTER": "5s"}, "SWEEP_STUCK_AFTER"},
		{map[string]string{"STORE_URL": db, "TOPIC_URL_TEMPLATE": "mem://{type}", "SWEEP_MAX_ATTEMPTS": "0"}, "SWEEP_MAX_ATTEMPTS"},
	} {
		t.Run(c.want, func(t *testing.T) {
			if _, err := lambda(t, deploy.Sweeper, Sweeper, c.env); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v: %v", c.env, err)
			}
		})
	}
}

// dlqRecord is a record of a worker's DLQ as Lambda hands it over.
func dlqRecord(t *testing.T, id, queue, body string, receives string, attrs map[string]string) lambdaevents.SQSMessage {
	t.Helper()
	rec := lambdaevents.SQSMessage{
		MessageId: id, Body: body, EventSource: "aws:sqs", AWSRegion: "eu-west-1",
		EventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:" + queue,
		Attributes:     map[string]string{"ApproximateReceiveCount": receives, "SentTimestamp": "1720000000000"},
	}
	if len(attrs) > 0 {
		rec.MessageAttributes = map[string]lambdaevents.SQSMessageAttribute{}
		for k, v := range attrs {
			rec.MessageAttributes[k] = lambdaevents.SQSMessageAttribute{DataType: "String", StringValue: &v}
		}
	}
	return rec
}

func TestDeadLettersMarkVideosFailedAndKeepTheLetters(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "catalog.db")
	st, err := sqlite.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	seedVideo(t, st, "7400000000000000011", catalog.VideoProcessing, 1)
	seedVideo(t, st, "7400000000000000012", catalog.VideoQueued, 1)
	seedVideo(t, st, "7400000000000000013", catalog.VideoReady, 1)
	_ = st.Close()
	boxURL := "file://" + filepath.ToSlash(filepath.Join(dir, "deadletters")) + "?create_dir=1&no_tmp_dir=1"
	h, err := lambda(t, deploy.DeadLetters, DeadLetters, map[string]string{"STORE_URL": db, "DEADLETTER_URL": boxURL})
	if err != nil {
		t.Fatal(err)
	}
	body := func(video string) string {
		env, err := events.New("c-"+video, "mira.home", video, &events.VideoPosted{PageURL: "https://www.tiktok.com/@mira.home/video/" + video, PostedAt: time.Now(), Attempt: 1})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := env.Marshal()
		return string(b)
	}
	ev := lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{
		// Sent by the worker's host with the reason (values URL-path escaped, as gocloud sends them).
		dlqRecord(t, "m1", "buylink-prod-caption-parser-dlq", body("7400000000000000011"), "1", map[string]string{
			bus.MetaDeadLetterWorker: "caption-parser", bus.MetaDeadLetterReason: "llm:%20answer%20does%20not%20fit%20the%20schema", bus.MetaDeadLetterAttempts: "3"}),
		// Moved by the redrive policy after a crash: no reason attributes.
		dlqRecord(t, "m2", "buylink-prod-thumbnail-generator-dlq", body("7400000000000000012"), "1", nil),
		// A late letter about a finished video leaves it ready.
		dlqRecord(t, "m3", "buylink-prod-projector-dlq", body("7400000000000000013"), "2", nil),
		// A body that is no event is kept as it is.
		dlqRecord(t, "m4", "buylink-prod-auto-tagger-dlq", "<html>502</html>", "1", nil),
	}}
	resp, err := h.(func(context.Context, lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error))(t.Context(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("resp %+v %v", resp, err)
	}
	st, err = sqlite.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	for id, want := range map[string]string{
		"7400000000000000011": "caption-parser: llm: answer does not fit the schema",
		"7400000000000000012": "thumbnail-generator: not settled after 3 deliveries",
	} {
		v, _ := st.GetVideo(t.Context(), id)
		if v.Status != catalog.VideoFailed || !strings.HasPrefix(v.FailureReason, want) {
			t.Errorf("video %s: %s %q, want failed %q", id, v.Status, v.FailureReason, want)
		}
	}
	if v, _ := st.GetVideo(t.Context(), "7400000000000000013"); v.Status != catalog.VideoReady {
		t.Errorf("a ready video became %s", v.Status)
	}
	box, err := bus.OpenDeadLetterBox(t.Context(), boxURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = box.Close() }()
	letters, err := box.List(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	workers := map[string]int{}
	for _, l := range letters {
		workers[l.Worker]++
	}
	if len(letters) != 4 || workers["caption-parser"] != 1 || workers["thumbnail-generator"] != 1 || workers["projector"] != 1 || workers["auto-tagger"] != 1 {
		t.Fatalf("letters by worker %v", workers)
	}
}

// A letter that cannot be kept stays in the DLQ (reported), for a retry.
func TestDeadLettersReportWhatTheyCannotKeep(t *testing.T) {
	box := failingSink{}
	dl := Letter(dlqRecord(t, "m", "buylink-dev-projector-dlq", "{}", "1", nil))
	if dl.Worker != "projector" || dl.Attempts != 3 || !strings.Contains(dl.Reason, "not settled after 3 deliveries") {
		t.Fatalf("letter %+v", dl)
	}
	if err := (&bus.VideoFailer{Next: box}).DeadLetter(t.Context(), dl); err == nil {
		t.Fatal("a failing box was not reported")
	}
}

type failingSink struct{}

func (failingSink) DeadLetter(context.Context, bus.DeadLetter) error {
	return errors.New("bucket unavailable")
}

func TestConsumerOfQueue(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:sqs:eu-west-1:1:buylink-prod-caption-parser-dlq": "caption-parser",
		"arn:aws:sqs:eu-west-1:1:buylink-dev-projector-dlq":       "projector",
		"arn:aws:sqs:eu-west-1:1:thumbnail-generator-dlq":         "thumbnail-generator",
		"arn:aws:sqs:eu-west-1:1:someone-elses-queue-dlq":         "someone-elses-queue",
	} {
		if got := consumerOf(arn); got != want {
			t.Errorf("%s: %s, want %s", arn, got, want)
		}
	}
}

func TestDeadLettersNeedTheirBox(t *testing.T) {
	if _, err := lambda(t, deploy.DeadLetters, DeadLetters, map[string]string{"STORE_URL": filepath.Join(t.TempDir(), "c.db")}); err == nil || !strings.Contains(err.Error(), "DEADLETTER_URL") {
		t.Fatalf("without a box: %v", err)
	}
}

package bus_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gocloud.dev/pubsub"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/catalog/sqlite"
	"github.com/buylink/buylink/pkg/events"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// rig is one test's private set of mem:// topics, a subscription to
// video.posted and a dead-letter box.
type rig struct {
	topics *bus.Topics
	subURL string
	box    *bus.DeadLetterBox
}

func newRig(t *testing.T, ackDeadline time.Duration) *rig {
	t.Helper()
	prefix := "mem://" + strings.NewReplacer("/", "-").Replace(t.Name()) + "/"
	topics, err := bus.NewTopics(prefix + "{type}")
	if err != nil {
		t.Fatal(err)
	}
	if err := topics.Open(t.Context(), events.TypeVideoPosted); err != nil {
		t.Fatal(err)
	}
	box, err := bus.OpenDeadLetterBox(t.Context(), "file://"+t.TempDir()+"?create_dir=1&no_tmp_dir=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = box.Close()
		_ = topics.Close(context.Background())
	})
	return &rig{topics: topics, subURL: prefix + events.TypeVideoPosted + "?ackdeadline=" + ackDeadline.String(), box: box}
}

func (r *rig) subscribe(t *testing.T) *pubsub.Subscription {
	t.Helper()
	sub := openSub(t, r.subURL)
	t.Cleanup(func() { _ = sub.Shutdown(context.Background()) })
	return sub
}

func openSub(tb testing.TB, url string) *pubsub.Subscription {
	tb.Helper()
	sub, err := pubsub.OpenSubscription(tb.Context(), url)
	if err != nil {
		tb.Fatal(err)
	}
	return sub
}

func posted(t *testing.T, videoID string) events.Envelope {
	t.Helper()
	env, err := events.New("", "bella.shop", videoID, &events.VideoPosted{PageURL: "https://www.tiktok.com/@bella.shop/video/" + videoID, Attempt: 1})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func (r *rig) publish(t *testing.T, envs ...events.Envelope) {
	t.Helper()
	for _, env := range envs {
		if err := r.topics.Publish(t.Context(), env); err != nil {
			t.Fatal(err)
		}
	}
}

// runWorker starts w and returns a stop function that cancels and waits.
func runWorker(t *testing.T, w *bus.Worker) (stop func()) {
	t.Helper()
	if w.Logger == nil {
		w.Logger = quiet
	}
	if w.Backoff == nil {
		w.Backoff = func(int) time.Duration { return 5 * time.Millisecond }
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("worker run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("worker did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func letters(t *testing.T, box *bus.DeadLetterBox) []bus.DeadLetter {
	t.Helper()
	dls, err := box.List(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	return dls
}

func TestPublishSetsBodyAndMetadata(t *testing.T) {
	r := newRig(t, time.Minute)
	sub := r.subscribe(t)
	env := posted(t, "101")
	r.publish(t, env)
	msg, err := sub.Receive(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	msg.Ack()
	got, err := events.Parse(msg.Body)
	if err != nil || got.ID != env.ID || got.CorrelationID != env.CorrelationID {
		t.Fatalf("body: %+v, %v", got, err)
	}
	want := map[string]string{bus.MetaType: "video.posted", bus.MetaVersion: "1", bus.MetaID: env.ID, bus.MetaCorrelationID: env.CorrelationID}
	for k, v := range want {
		if msg.Metadata[k] != v {
			t.Errorf("metadata %s = %q want %q", k, msg.Metadata[k], v)
		}
	}
}

func TestTopicTemplateMustNameTheType(t *testing.T) {
	if _, err := bus.NewTopics("mem://fixed"); err == nil {
		t.Fatal("a template without {type} or {name} must be refused")
	}
	if got := bus.ExpandURL("awssnssqs:///arn:aws:sns:eu-west-1:1:buylink-{name}", events.TypeCaptionParsed); !strings.HasSuffix(got, "buylink-caption-parsed") {
		t.Fatalf("expand: %s", got)
	}
}

func TestWorkerHandlesEveryMessageWithinTheConcurrencyBound(t *testing.T) {
	r := newRig(t, time.Minute)
	var running, peak, handled atomic.Int32
	seen := sync.Map{}
	w := &bus.Worker{Name: "w", Sub: r.subscribe(t), DeadLetters: r.box, Concurrency: 3,
		Handler: func(ctx context.Context, env events.Envelope) error {
			n := running.Add(1)
			defer running.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(15 * time.Millisecond)
			seen.Store(env.VideoID, true)
			handled.Add(1)
			return nil
		}}
	runWorker(t, w)
	for i := range 24 {
		r.publish(t, posted(t, fmt.Sprint(1000+i)))
	}
	waitFor(t, "24 messages", func() bool { return handled.Load() >= 24 })
	if p := peak.Load(); p > 3 || p < 2 {
		t.Fatalf("peak concurrency %d, want 2..3 with Concurrency=3", p)
	}
	for i := range 24 {
		if _, ok := seen.Load(fmt.Sprint(1000 + i)); !ok {
			t.Fatalf("video %d never handled", 1000+i)
		}
	}
	if n := len(letters(t, r.box)); n != 0 {
		t.Fatalf("%d dead letters, want 0", n)
	}
}

func TestWorkerRetriesARetryableFailure(t *testing.T) {
	r := newRig(t, time.Minute)
	var calls atomic.Int32
	done := make(chan struct{})
	w := &bus.Worker{Name: "w", Sub: r.subscribe(t), DeadLetters: r.box,
		Handler: func(ctx context.Context, env events.Envelope) error {
			switch calls.Add(1) {
			case 1:
				return errors.New("store unavailable")
			case 2:
				panic("a bug that a retry gets past")
			}
			close(done)
			return nil
		}}
	runWorker(t, w)
	r.publish(t, posted(t, "201"))
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("message was not redelivered after failures")
	}
	time.Sleep(50 * time.Millisecond)
	if c := calls.Load(); c != 3 {
		t.Fatalf("handler calls %d, want 3", c)
	}
	if n := len(letters(t, r.box)); n != 0 {
		t.Fatalf("a message that succeeded on the third attempt was dead-lettered")
	}
}

func TestWorkerDeadLettersAfterThreeFailedAttempts(t *testing.T) {
	r := newRig(t, time.Minute)
	var calls atomic.Int32
	w := &bus.Worker{Name: "caption-parser", Sub: r.subscribe(t), DeadLetters: r.box,
		Handler: func(ctx context.Context, env events.Envelope) error {
			calls.Add(1)
			return errors.New("upstream keeps failing")
		}}
	runWorker(t, w)
	env := posted(t, "301")
	r.publish(t, env)
	waitFor(t, "a dead letter", func() bool { return len(letters(t, r.box)) == 1 })
	time.Sleep(50 * time.Millisecond)
	dl := letters(t, r.box)[0]
	if calls.Load() != 3 || dl.Attempts != 3 || dl.EventID != env.ID || dl.Worker != "caption-parser" ||
		!strings.Contains(dl.Reason, "upstream keeps failing") {
		t.Fatalf("calls %d, dead letter %+v", calls.Load(), dl)
	}
	if _, err := events.Parse(dl.Body); err != nil {
		t.Fatalf("dead letter body is not the original event: %v", err)
	}
}

func TestWorkerDeadLettersPermanentFailuresAtOnce(t *testing.T) {
	r := newRig(t, time.Minute)
	var calls atomic.Int32
	w := &bus.Worker{Name: "w", Sub: r.subscribe(t), DeadLetters: r.box,
		Handler: func(ctx context.Context, env events.Envelope) error {
			calls.Add(1)
			var p events.CaptionParsed
			return events.Decode(env, &p) // wrong type: permanent
		}}
	runWorker(t, w)
	r.publish(t, posted(t, "401"))
	waitFor(t, "a dead letter", func() bool { return len(letters(t, r.box)) == 1 })
	if calls.Load() != 1 {
		t.Fatalf("permanent failure retried: %d calls", calls.Load())
	}
}

func TestWorkerDeadLettersMalformedMessages(t *testing.T) {
	r := newRig(t, time.Minute)
	var calls atomic.Int32
	w := &bus.Worker{Name: "w", Sub: r.subscribe(t), DeadLetters: r.box,
		Handler: func(context.Context, events.Envelope) error { calls.Add(1); return nil }}
	runWorker(t, w)
	topic, err := pubsub.OpenTopic(t.Context(), r.topics.TopicURL(events.TypeVideoPosted))
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"not json", `{"id":"x"}`, `{"id":"x","type":"video.posted","data":null}`, "\x00\xff"} {
		if err := topic.Send(t.Context(), &pubsub.Message{Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "4 dead letters", func() bool { return len(letters(t, r.box)) == 4 })
	if calls.Load() != 0 {
		t.Fatal("the handler saw a malformed message")
	}
}

func TestWorkerDrainsInFlightMessagesOnShutdown(t *testing.T) {
	r := newRig(t, 300*time.Millisecond)
	started := make(chan struct{}, 1)
	var finished, calls atomic.Int32
	w := &bus.Worker{Name: "w", Sub: r.subscribe(t), DeadLetters: r.box, DrainTimeout: 5 * time.Second,
		Handler: func(ctx context.Context, env events.Envelope) error {
			calls.Add(1)
			started <- struct{}{}
			select {
			case <-time.After(200 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
			finished.Add(1)
			return nil
		}}
	stop := runWorker(t, w)
	r.publish(t, posted(t, "501"))
	<-started
	stop()
	if finished.Load() != 1 {
		t.Fatal("shutdown did not wait for the running handler")
	}
	// It was acknowledged: a new worker on the same subscription gets nothing.
	var again atomic.Int32
	w2 := &bus.Worker{Name: "w", Sub: w.Sub, DeadLetters: r.box,
		Handler: func(context.Context, events.Envelope) error { again.Add(1); return nil }}
	runWorker(t, w2)
	time.Sleep(600 * time.Millisecond)
	if again.Load() != 0 {
		t.Fatal("a drained message was redelivered")
	}
}

// A worker killed mid-message (its handlers cancelled, nothing acknowledged)
// leaves the message to be redelivered; the next worker reaches the same
// final state with no duplicate rows.
func TestKilledWorkerMessageIsRedeliveredWithoutDuplicates(t *testing.T) {
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	r := newRig(t, 200*time.Millisecond)
	sub := r.subscribe(t)
	// The handler writes three products, then (first time only) hangs until killed.
	var hang atomic.Bool
	hang.Store(true)
	handler := func(ctx context.Context, env events.Envelope) error {
		for i := range 3 {
			_, err := store.UpsertProduct(ctx, catalog.ProductID(env.VideoID, i), func(p *catalog.Product, _ bool) error {
				p.Seller, p.VideoIDs, p.Title, p.Index = env.Seller, []string{env.VideoID}, fmt.Sprintf("Item %d", i), i
				p.Status, p.Source = catalog.ProductDraft, catalog.ProductFromRules
				return nil
			})
			if err != nil {
				return err
			}
			if i == 1 && hang.Load() {
				<-ctx.Done()
				return ctx.Err()
			}
		}
		return nil
	}
	w1 := &bus.Worker{Name: "w", Sub: sub, DeadLetters: r.box, DrainTimeout: 10 * time.Millisecond, Handler: handler}
	stop1 := runWorker(t, w1)
	r.publish(t, posted(t, "601"))
	waitFor(t, "two products written", func() bool {
		items, _, _ := store.ListProducts(t.Context(), catalog.ProductQuery{VideoID: "601"}, catalog.Page{})
		return len(items) == 2
	})
	stop1() // kill: drain times out, handler cancelled, no ack
	hang.Store(false)
	w2 := &bus.Worker{Name: "w", Sub: sub, DeadLetters: r.box, Handler: handler}
	runWorker(t, w2)
	waitFor(t, "three products", func() bool {
		items, _, _ := store.ListProducts(t.Context(), catalog.ProductQuery{VideoID: "601"}, catalog.Page{})
		return len(items) == 3
	})
	time.Sleep(300 * time.Millisecond)
	items, _, err := store.ListProducts(t.Context(), catalog.ProductQuery{Seller: "bella.shop"}, catalog.Page{Limit: 100})
	if err != nil || len(items) != 3 {
		t.Fatalf("want exactly 3 products after redelivery, got %d (%v)", len(items), err)
	}
	if n := len(letters(t, r.box)); n != 0 {
		t.Fatalf("%d dead letters", n)
	}
}

func TestDeadLetterBoxRedrive(t *testing.T) {
	r := newRig(t, time.Minute)
	sub := r.subscribe(t)
	env := posted(t, "701")
	for _, dl := range []bus.DeadLetter{
		bus.NewDeadLetter("caption-parser", mustMarshal(t, env), env, 3, errors.New("x")),
		bus.NewDeadLetter("caption-parser", []byte("garbage"), events.Envelope{}, 1, errors.New("undecodable")),
		bus.NewDeadLetter("thumbnail-generator", mustMarshal(t, env), env, 3, errors.New("y")),
	} {
		if err := r.box.DeadLetter(t.Context(), dl); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := r.box.List(t.Context(), "caption-parser"); len(got) != 2 {
		t.Fatalf("list by worker: %d", len(got))
	}
	var progress []int
	n, err := r.box.Redrive(t.Context(), "caption-parser", r.topics, func(done, total int) { progress = append(progress, done*10+total) })
	if err != nil || n != 1 {
		t.Fatalf("redrive: %d, %v", n, err)
	}
	if fmt.Sprint(progress) != "[12 22]" {
		t.Fatalf("progress calls %v", progress)
	}
	msg, err := sub.Receive(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	msg.Ack()
	if got, _ := events.Parse(msg.Body); got.ID != env.ID {
		t.Fatalf("redriven event %s, want %s", got.ID, env.ID)
	}
	left := letters(t, r.box)
	if len(left) != 2 {
		t.Fatalf("want the garbage letter and the other worker's letter left, got %d", len(left))
	}
	if err := r.box.DeadLetter(t.Context(), bus.DeadLetter{Worker: "../escape"}); err == nil {
		t.Fatal("a worker name with path characters must be refused")
	}
}

func mustMarshal(t *testing.T, env events.Envelope) []byte {
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A worker whose queue dead-letters by itself (no sink of its own) counts
// nothing: its delivery counts cannot grow with messages it never settles.
func TestRedriveOnlyWorkerCountsNothing(t *testing.T) {
	r := newRig(t, 200*time.Millisecond)
	var calls atomic.Int32
	w := &bus.Worker{Name: "thumbnail-generator", Sub: r.subscribe(t), DeadLetters: bus.RedriveOnly{}, MaxAttempts: -1,
		Handler: func(context.Context, events.Envelope) error { calls.Add(1); return errors.New("decoder unavailable") }}
	runWorker(t, w)
	for i := range 5 {
		r.publish(t, posted(t, fmt.Sprint(400+i)))
	}
	waitFor(t, "redeliveries", func() bool { return calls.Load() >= 15 })
	if n := bus.Counting(w); n != 0 {
		t.Fatalf("%d delivery counts kept", n)
	}
}

// The count of a message that failed is forgotten once it is settled.
func TestWorkerForgetsSettledCounts(t *testing.T) {
	r := newRig(t, 20*time.Millisecond)
	var fail atomic.Bool
	fail.Store(true)
	w := &bus.Worker{Name: "auto-tagger", Sub: r.subscribe(t), DeadLetters: r.box, MaxAttempts: 1000,
		Handler: func(context.Context, events.Envelope) error {
			if fail.Load() {
				return errors.New("flaky")
			}
			return nil
		}}
	runWorker(t, w)
	r.publish(t, posted(t, "501"))
	waitFor(t, "a counted failure", func() bool { return bus.Counting(w) == 1 })
	fail.Store(false)
	waitFor(t, "the count forgotten", func() bool { return bus.Counting(w) == 0 })
}

// A deferred message is handed back after its delay without counting as a
// failed attempt (MaxAttempts 1 would dead-letter a single failure) and
// without holding the worker's one slot: another message runs meanwhile, as
// do retries waiting for their backoff.
func TestWorkerDeferralHoldsNoSlot(t *testing.T) {
	r := newRig(t, time.Minute)
	var deferrals atomic.Int32
	otherDone := make(chan struct{})
	deferredDone := make(chan struct{})
	w := &bus.Worker{Name: "w", Sub: r.subscribe(t), DeadLetters: r.box, Concurrency: 1, MaxAttempts: 1,
		Handler: func(ctx context.Context, env events.Envelope) error {
			if env.VideoID == "other" {
				close(otherDone)
				return nil
			}
			if deferrals.Add(1) <= 4 {
				return fmt.Errorf("cap: %w", bus.Defer(50*time.Millisecond, "seller at its cap"))
			}
			close(deferredDone)
			return nil
		}}
	runWorker(t, w)
	r.publish(t, posted(t, "deferred"), posted(t, "other"))
	for what, ch := range map[string]chan struct{}{"the other message": otherDone, "the deferred message": deferredDone} {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s was not handled", what)
		}
	}
	if n := deferrals.Load(); n != 5 {
		t.Errorf("deferred message handled %d times, want 5 (4 deferrals)", n)
	}
	if n := len(letters(t, r.box)); n != 0 {
		t.Fatalf("a deferred message was dead-lettered (%d letters)", n)
	}
}

// A message deferred past MaxDeferral goes back to the queue (nack) and
// comes again.
func TestWorkerHandsBackLongDeferrals(t *testing.T) {
	r := newRig(t, time.Minute)
	var calls atomic.Int32
	done := make(chan struct{})
	w := &bus.Worker{Name: "w", Sub: r.subscribe(t), DeadLetters: r.box, MaxDeferral: 100 * time.Millisecond,
		Handler: func(ctx context.Context, env events.Envelope) error {
			if calls.Add(1) < 6 {
				return bus.Defer(40*time.Millisecond, "busy")
			}
			close(done)
			return nil
		}}
	runWorker(t, w)
	r.publish(t, posted(t, "long"))
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the message did not come back")
	}
	if n := len(letters(t, r.box)); n != 0 {
		t.Fatalf("dead-lettered (%d letters)", n)
	}
}

package bus_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/events"
)

// BenchmarkPublishAndHandle measures end-to-end throughput of the embedded
// bus: publish through Topics, receive and handle in a Worker, ack.
func BenchmarkPublishAndHandle(b *testing.B) {
	for _, conc := range []int{1, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			prefix := fmt.Sprintf("mem://bench-%d-%d/", conc, time.Now().UnixNano())
			topics, err := bus.NewTopics(prefix + "{type}")
			if err != nil {
				b.Fatal(err)
			}
			if err := topics.Open(b.Context(), events.TypeVideoPosted); err != nil {
				b.Fatal(err)
			}
			box, err := bus.OpenDeadLetterBox(b.Context(), "file://"+b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			sub := openSub(b, prefix+events.TypeVideoPosted)
			var handled atomic.Int64
			w := &bus.Worker{Name: "bench", Sub: sub, DeadLetters: box, Concurrency: conc, Logger: quiet,
				Handler: func(context.Context, events.Envelope) error { handled.Add(1); return nil }}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- w.Run(ctx) }()
			env, _ := events.New("", "bench", "1", &events.VideoPosted{PageURL: "https://www.tiktok.com/@bench/video/1", Attempt: 1})
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := topics.Publish(b.Context(), env); err != nil {
					b.Fatal(err)
				}
			}
			for handled.Load() < int64(b.N) {
				time.Sleep(100 * time.Microsecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			cancel()
			<-done
			_ = sub.Shutdown(context.Background())
			_ = topics.Close(context.Background())
			_ = box.Close()
		})
	}
}

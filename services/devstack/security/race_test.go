package security

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/tiktok/oembedtest"
	"github.com/buylink/buylink/services/devstack"
	"github.com/buylink/buylink/services/ingestion-api/ingestion"
)

// parallel sends n copies of a request at once and returns the answers.
func (s *stack) parallel(t *testing.T, n int, r func() request) []answer {
	t.Helper()
	out := make([]answer, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			req := r()
			start.Wait()
			out[i] = s.do(t, req)
		})
	}
	start.Done()
	done.Wait()
	return out
}

// handledVideoPosted is how many video.posted events the caption parser has
// handled, once its queue is idle.
func (s *stack) handledVideoPosted(t *testing.T) int64 {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		q := decode[devstack.Queues](t, s.do(t, request{method: "GET", path: "/admin/queues"}), 200)
		for _, w := range q.Workers {
			if strings.Contains(w.Worker, "caption") && len(w.EventTypes) == 1 && w.EventTypes[0] == events.TypeVideoPosted {
				if w.InFlight == 0 && w.Handled+w.Failed > 0 {
					return w.Handled + w.Failed
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the caption parser handled nothing within 20s: %+v", q)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Idempotency races (held): the same post sent 12 times at once with one
// Idempotency-Key, then 12 times at once without, stores one video and
// publishes one video.posted; every keyed answer is the first one's.
func TestAttackIdempotencyRace(t *testing.T) {
	const videoID = "7524354452762037512"
	s := startStack(t, knows(oembedtest.Video{ID: videoID, Author: "own.shop"}))
	sl := s.newSeller(t, "own.shop")
	body := `{"video_url":"https://www.tiktok.com/@own.shop/video/` + videoID + `","seller_handle":"own.shop","caption":"Mug $19 shop.example.com/mug"}`
	post := func(key string) func() request {
		return func() request {
			r := request{method: "POST", path: ingestion.PathVideos, body: strings.NewReader(body), contentType: "application/json", token: sl.token}
			if key != "" {
				r.header = map[string]string{"Idempotency-Key": key}
			}
			return r
		}
	}
	keyed := s.parallel(t, 12, post("order-42"))
	for i, a := range keyed {
		try(t, "idempotency race", "parallel post with one key", a.status == http.StatusAccepted && bytes.Equal(a.body, keyed[0].body),
			"answer %d: %s (first %s)", i, a, keyed[0])
	}
	created := 0
	for _, a := range s.parallel(t, 12, post("")) {
		if a.status == http.StatusAccepted {
			created++
		}
		try(t, "idempotency race", "parallel post without a key", a.status == http.StatusOK || a.status == http.StatusAccepted, "%s", a)
	}
	try(t, "idempotency race", "parallel posts without a key after the keyed ones", created == 0, "%d created again", created)
	// The key reused for another request is refused and stores nothing.
	a := s.do(t, request{method: "POST", path: ingestion.PathVideos, contentType: "application/json", token: sl.token,
		body:   strings.NewReader(strings.Replace(body, `"caption":"Mug`, `"caption":"Other`, 1)),
		header: map[string]string{"Idempotency-Key": "order-42"}})
	try(t, "idempotency race", "key reused for another body", a.status == http.StatusUnprocessableEntity && strings.Contains(a.message(), "different request"), "%s", a)

	var page struct {
		Videos []struct{ ID, Caption string }
	}
	if err := json.Unmarshal(s.json(t, "GET", ingestion.PathVideos, sl.token, nil).body, &page); err != nil || len(page.Videos) != 1 || page.Videos[0].Caption != "Mug $19 shop.example.com/mug" {
		t.Fatalf("want exactly one video with the first caption: %+v %v", page, err)
	}
	time.Sleep(300 * time.Millisecond) // a duplicate event would be handled by now
	if n := s.handledVideoPosted(t); n != 1 {
		t.Fatalf("%d video.posted events for one video", n)
	}
}

// Handle races (held): eight accounts claiming one handle at once make one
// shop; the others are told it is taken.
func TestAttackHandleClaimRace(t *testing.T) {
	s := startStack(t)
	tokens := make(chan string, 8)
	for i := range 8 {
		tokens <- s.devToken(t, map[string]string{"sub": "local|claimer" + strconv.Itoa(i)})
	}
	answers := s.parallel(t, 8, func() request {
		return request{method: "POST", path: ingestion.PathSellers, body: strings.NewReader(`{"handle":"wanted.shop","displayName":"Wanted"}`),
			contentType: "application/json", token: <-tokens}
	})
	created := 0
	for _, a := range answers {
		if a.status == http.StatusCreated {
			created++
			continue
		}
		try(t, "handle claim race", "a second account claiming at once", a.status == http.StatusConflict, "%s", a)
	}
	if created != 1 {
		t.Fatalf("%d shops created for one handle", created)
	}
}

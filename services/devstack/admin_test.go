package devstack

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/metrics"
	"github.com/buylink/buylink/pkg/web"
)

func getJSON(t *testing.T, url string, dst any) int {
	t.Helper()
	code, body := get(t, url)
	if code == http.StatusOK {
		if err := json.Unmarshal([]byte(body), dst); err != nil {
			t.Fatalf("GET %s: %v\n%s", url, err, body)
		}
	}
	return code
}

func post(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", nil)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func queueOf(t *testing.T, base, worker string) QueueStats {
	t.Helper()
	var q Queues
	if code := getJSON(t, base+"/admin/queues", &q); code != http.StatusOK {
		t.Fatalf("queues: %d", code)
	}
	for _, w := range q.Workers {
		if w.Worker == worker {
			return w
		}
	}
	t.Fatalf("no worker %s in %+v", worker, q)
	return QueueStats{}
}

func TestAdminListsAndRedrivesDeadLetters(t *testing.T) {
	dir := t.TempDir()
	base, _, _ := start(t, dir, noDemo)

	var q Queues
	if code := getJSON(t, base+"/admin/queues", &q); code != http.StatusOK || len(q.Workers) < 2 {
		t.Fatalf("queues: %d %+v", code, q)
	}
	for _, w := range q.Workers {
		if w.Handled+w.Failed+w.DeadLettered+int64(w.DeadLetters) != 0 {
			t.Fatalf("a fresh stack without the demo has counts: %+v", w)
		}
	}

	// Two letters the caption parser gave up on: an event and a body that is none.
	box, err := bus.OpenDeadLetterBox(t.Context(), "file://"+filepath.Join(dir, "deadletters")+"?no_tmp_dir=1")
	if err != nil {
		t.Fatal(err)
	}
	defer box.Close()
	env, err := events.New("", DemoSeller, "7524157935543832863", &events.VideoPosted{
		PageURL: "https://www.tiktok.com/@demo/video/7524157935543832863", Caption: "Glow serum $24 at shop.example/serum", PostedAt: time.Now().UTC(), Attempt: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := env.Marshal()
	for _, dl := range []bus.DeadLetter{
		bus.NewDeadLetter("caption-parser", body, env, 3, errTest("upstream timeout")),
		bus.NewDeadLetter("caption-parser", []byte("<html>502</html>"), events.Envelope{}, 1, errTest("not an event")),
	} {
		if err := box.DeadLetter(t.Context(), dl); err != nil {
			t.Fatal(err)
		}
	}

	var list DeadLetters
	if code := getJSON(t, base+"/admin/deadletters?worker=caption-parser", &list); code != http.StatusOK || list.Total != 2 {
		t.Fatalf("list: %d %+v", code, list)
	}
	var garbage string
	if list.Letters[0].EventID != env.ID || !strings.HasPrefix(string(list.Letters[0].Body), "{") ||
		json.Unmarshal(list.Letters[1].Body, &garbage) != nil || garbage != "<html>502</html>" {
		t.Fatalf("letters: %+v", list.Letters)
	}
	if code := getJSON(t, base+"/admin/deadletters?limit=1", &list); code != http.StatusOK || list.Total != 2 || len(list.Letters) != 1 {
		t.Fatalf("limited list: %d %+v", code, list)
	}
	if qs := queueOf(t, base, "caption-parser"); qs.DeadLetters != 2 {
		t.Fatalf("queue stats: %+v", qs)
	}

	for _, c := range []struct {
		method, path, want string
		code               int
	}{
		{"GET", "/admin/deadletters?worker=nope", `no worker \"nope\" in this devstack (workers: `, 404},
		{"GET", "/admin/deadletters?limit=0", "limit", 400},
		{"POST", "/admin/deadletters/redrive", "all=true", 400},
		{"POST", "/admin/deadletters/redrive?worker=nope", "no worker", 404},
	} {
		var code int
		var body string
		if c.method == "GET" {
			code, body = get(t, base+c.path)
		} else {
			code, body = post(t, base+c.path)
		}
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%s %s: %d %s, want %d with %q", c.method, c.path, code, body, c.code, c.want)
		}
	}

	code, out := post(t, base+"/admin/deadletters/redrive?worker=caption-parser")
	var rd Redriven
	if code != http.StatusOK || json.Unmarshal([]byte(out), &rd) != nil || rd.Redriven != 1 || rd.Remaining != 1 {
		t.Fatalf("redrive: %d %s", code, out)
	}
	// The event went back to video.posted: both its consumers handle it.
	deadline := time.Now().Add(30 * time.Second)
	for queueOf(t, base, "caption-parser").Handled != 1 || queueOf(t, base, "thumbnail-generator").Handled != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("redriven event not handled: %+v %+v", queueOf(t, base, "caption-parser"), queueOf(t, base, "thumbnail-generator"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	var snap metrics.Snapshot
	if code := getJSON(t, base+"/admin/metrics", &snap); code != http.StatusOK {
		t.Fatalf("metrics: %d", code)
	}
	if got := snap.Total(metrics.EventsProcessed, map[string]string{metrics.DimWorker: "caption-parser"}); got != 1 || snap.Service != "devstack" {
		t.Fatalf("metrics snapshot: processed %v, %+v", got, snap)
	}
	if lat := snap.Find(metrics.HandlerLatency, map[string]string{metrics.DimWorker: "thumbnail-generator"}); len(lat) != 1 || lat[0].Count != 1 {
		t.Fatalf("latency: %+v", lat)
	}
	// The caption parser's LLM counters are bridged (zero without a key).
	if !strings.Contains(mustGet(t, base+"/admin/metrics"), `"name":"LLMCalls"`) {
		t.Fatal("LLM metrics missing from the snapshot")
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

func mustGet(t *testing.T, url string) string {
	t.Helper()
	code, body := get(t, url)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, code, body)
	}
	return body
}

func TestAdminRefusesNonLoopbackClients(t *testing.T) {
	st := &Stack{Metrics: metrics.New("devstack")}
	router := web.New(web.Options{Logger: slog.New(slog.DiscardHandler)})
	wireAdmin(st, router, &wiring{})
	for addr, want := range map[string]int{"203.0.113.7:51000": 403, "[2001:db8::1]:443": 403, "127.0.0.1:5000": 200, "[::1]:5000": 200} {
		req := httptest.NewRequest("GET", "/admin/metrics", nil)
		req.RemoteAddr = addr
		req.Header.Set("X-Forwarded-For", "127.0.0.1")
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("%s: %d, want %d", addr, rec.Code, want)
		}
		if want == 403 && !strings.Contains(rec.Body.String(), `"code":"forbidden"`) {
			t.Errorf("%s: body %s", addr, rec.Body.String())
		}
	}
}

package bus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/internal/testservers"
)

// fakeSNS answers SNS's query protocol for PublishBatch, the call gocloud's
// awssns topics make, and keeps every request's form.
type fakeSNS struct {
	mu       sync.Mutex
	requests []url.Values
	headers  []http.Header
	// fail, when set, reports every entry as failed with this code.
	fail string
}

func (f *fakeSNS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, form)
	f.headers = append(f.headers, r.Header.Clone())
	fail := f.fail
	f.mu.Unlock()
	var ok, failed strings.Builder
	for i := 1; form.Get(fmt.Sprintf("PublishBatchRequestEntries.member.%d.Id", i)) != ""; i++ {
		id := form.Get(fmt.Sprintf("PublishBatchRequestEntries.member.%d.Id", i))
		if fail != "" {
			_, _ = fmt.Fprintf(&failed, "<member><Id>%s</Id><Code>%s</Code><Message>injected</Message><SenderFault>false</SenderFault></member>", id, fail)
		} else {
			_, _ = fmt.Fprintf(&ok, "<member><Id>%s</Id><MessageId>9a5b3c1e-0000-4000-8000-%012d</MessageId></member>", id, i)
		}
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = fmt.Fprintf(w, `<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <PublishBatchResult><Successful>%s</Successful><Failed>%s</Failed></PublishBatchResult>
  <ResponseMetadata><RequestId>2d8bd0b5-9ba0-5b8b-a5a6-0b7a1b2c3d4e</RequestId></ResponseMetadata>
</PublishBatchResponse>`, ok.String(), failed.String())
}

func (f *fakeSNS) only(t *testing.T) (url.Values, http.Header) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) != 1 {
		t.Fatalf("want one SNS request, got %d", len(f.requests))
	}
	return f.requests[0], f.headers[0]
}

// entryAttributes reads the message attributes of batch entry n.
func entryAttributes(form url.Values, n int) map[string][2]string {
	out := map[string][2]string{}
	prefix := fmt.Sprintf("PublishBatchRequestEntries.member.%d.MessageAttributes.entry.", n)
	for i := 1; form.Get(fmt.Sprintf("%s%d.Name", prefix, i)) != ""; i++ {
		p := fmt.Sprintf("%s%d.", prefix, i)
		out[form.Get(p+"Name")] = [2]string{form.Get(p + "Value.DataType"), form.Get(p + "Value.StringValue")}
	}
	return out
}

func newEvent(t *testing.T) events.Envelope {
	t.Helper()
	env, err := events.New("corr-7c1f", "bella.shop", "7524157935543832863", &events.VideoPosted{
		PageURL: "https://www.tiktok.com/@bella.shop/video/7524157935543832863", Caption: "Stanley 40oz 👉 $45 \"limited\" <b>",
		PostedAt: time.Date(2025, 7, 7, 14, 58, 13, 0, time.UTC), Attempt: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

const topicARN = "arn:aws:sns:eu-west-1:123456789012:buylink-video-posted"

func snsTopics(t *testing.T, f *fakeSNS) *bus.Topics {
	t.Helper()
	testservers.UseEmulators(t)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	topics, err := bus.NewTopics("awssns:///arn:aws:sns:eu-west-1:123456789012:buylink-{name}?region=eu-west-1&endpoint=" + url.QueryEscape(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = topics.Close(context.Background()) })
	return topics
}

// TestSNSPublishOnTheWire checks the SNS request an event becomes: the
// topic of its type, the envelope as the message, and type, version, id and
// correlation id as String message attributes.
func TestSNSPublishOnTheWire(t *testing.T) {
	f := &fakeSNS{}
	topics := snsTopics(t, f)
	env := newEvent(t)
	if err := topics.Publish(t.Context(), env); err != nil {
		t.Fatalf("publish: %v", err)
	}
	form, hdr := f.only(t)
	if got := form.Get("Action"); got != "PublishBatch" || form.Get("Version") != "2010-03-31" {
		t.Fatalf("action %q version %q", got, form.Get("Version"))
	}
	if got := form.Get("TopicArn"); got != topicARN {
		t.Fatalf("topic ARN %q, want %q", got, topicARN)
	}
	if auth := hdr.Get("Authorization"); !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+testservers.AccessKeyID+"/") || !strings.Contains(auth, "/eu-west-1/sns/aws4_request") {
		t.Fatalf("request not signed for SNS in eu-west-1: %q", auth)
	}
	msg := form.Get("PublishBatchRequestEntries.member.1.Message")
	want, _ := env.Marshal()
	if msg != string(want) {
		t.Fatalf("message body:\n got %s\nwant %s", msg, want)
	}
	attrs := entryAttributes(form, 1)
	wantAttrs := map[string][2]string{
		bus.MetaType: {"String", events.TypeVideoPosted}, bus.MetaVersion: {"String", "1"},
		bus.MetaID: {"String", env.ID}, bus.MetaCorrelationID: {"String", "corr-7c1f"},
	}
	if fmt.Sprint(attrs) != fmt.Sprint(wantAttrs) {
		t.Fatalf("message attributes:\n got %v\nwant %v", attrs, wantAttrs)
	}
	// What a queue receives decodes to the same event, raw or wrapped.
	got, err := bus.ParseMessage([]byte(msg))
	if err != nil || got.ID != env.ID || string(got.Data) != string(env.Data) {
		t.Fatalf("raw delivery decodes to %+v, %v", got, err)
	}
	wrapped := snsNotification(t, msg, attrs)
	got, err = bus.ParseMessage(wrapped)
	if err != nil || got.ID != env.ID || got.CorrelationID != env.CorrelationID || string(got.Data) != string(env.Data) {
		t.Fatalf("SNS envelope decodes to %+v, %v", got, err)
	}
}

func TestSNSFailedEntryIsAnError(t *testing.T) {
	f := &fakeSNS{fail: "KMSAccessDenied"}
	topics := snsTopics(t, f)
	err := topics.Publish(t.Context(), newEvent(t))
	if err == nil || !strings.Contains(err.Error(), "KMSAccessDenied") {
		t.Fatalf("a failed entry must fail the publish: %v", err)
	}
	if events.IsPermanent(err) {
		t.Fatalf("a failed publish is retryable: %v", err)
	}
}

// snsNotification wraps a message the way SNS delivers it to a queue
// without raw message delivery.
func snsNotification(t *testing.T, msg string, attrs map[string][2]string) []byte {
	t.Helper()
	ma := map[string]map[string]string{}
	for k, v := range attrs {
		ma[k] = map[string]string{"Type": v[0], "Value": v[1]}
	}
	b, err := json.Marshal(map[string]any{
		"Type":              "Notification",
		"MessageId":         "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
		"TopicArn":          topicARN,
		"Message":           msg,
		"Timestamp":         "2025-07-07T14:58:14.123Z",
		"SignatureVersion":  "1",
		"Signature":         "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
		"SigningCertURL":    "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
		"UnsubscribeURL":    "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + topicARN + ":2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
		"MessageAttributes": ma,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

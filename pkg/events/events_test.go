package events

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewNextRoundTrip(t *testing.T) {
	env, err := New("", "bella.shop", "7524157935543832863", &VideoPosted{PageURL: "https://www.tiktok.com/@bella.shop/video/7524157935543832863", Attempt: 1, PostedAt: time.Unix(1751900293, 0).UTC()})
	if err != nil {
		t.Fatal(err)
	}
	if env.ID == "" || env.CorrelationID == "" || env.ID == env.CorrelationID || env.Type != TypeVideoPosted || env.Version != Version {
		t.Fatalf("envelope %+v", env)
	}
	next, err := Next(env, &CaptionParsed{Parser: "rules", Products: []ParsedProduct{{Index: 0, Title: "Bottle"}}})
	if err != nil {
		t.Fatal(err)
	}
	if next.CorrelationID != env.CorrelationID || next.Seller != env.Seller || next.VideoID != env.VideoID || next.ID == env.ID {
		t.Fatalf("next does not carry the chain: %+v", next)
	}
	body, _ := next.Marshal()
	parsed, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	var p CaptionParsed
	if err := Decode(parsed, &p); err != nil || p.Products[0].Title != "Bottle" {
		t.Fatalf("decode: %+v %v", p, err)
	}
	// The wire names are the contract.
	var raw map[string]any
	_ = json.Unmarshal(body, &raw)
	for _, k := range []string{"id", "type", "version", "occurredAt", "correlationId", "seller", "videoId", "data"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("envelope lacks %q", k)
		}
	}
}

func TestParseAndDecodeFailuresArePermanent(t *testing.T) {
	good, _ := New("c", "s", "1", &VideoPosted{PageURL: "https://x", Attempt: 1})
	bodies := map[string]string{
		"garbage":  "not json",
		"trailing": `{"id":"1","type":"video.posted","data":{}} x`,
		"no id":    `{"type":"video.posted","data":{}}`,
		"no type":  `{"id":"1","data":{}}`,
		"no data":  `{"id":"1","type":"video.posted"}`,
		"too big":  `{"id":"1","type":"video.posted","data":"` + strings.Repeat("a", MaxSize) + `"}`,
	}
	for name, b := range bodies {
		if _, err := Parse([]byte(b)); err == nil || !IsPermanent(err) {
			t.Errorf("%s: want a permanent error, got %v", name, err)
		}
	}
	wrongVersion := good
	wrongVersion.Version = 99
	badData := good
	badData.Data = json.RawMessage(`{"pageUrl": 5}`)
	invalid := good
	invalid.Data = json.RawMessage(`{"pageUrl": "https://x", "attempt": 0}`)
	for name, env := range map[string]Envelope{"wrong version": wrongVersion, "bad data": badData, "invalid data": invalid} {
		var p VideoPosted
		if err := Decode(env, &p); err == nil || !IsPermanent(err) {
			t.Errorf("%s: want a permanent error, got %v", name, err)
		}
	}
	var wrongType ThumbnailsGenerated
	if err := Decode(good, &wrongType); !IsPermanent(err) || !strings.Contains(err.Error(), "want a thumbnails.generated event") {
		t.Errorf("wrong type: %v", err)
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("x")
	p := Permanent(base)
	if !IsPermanent(p) || !errors.Is(p, base) || IsPermanent(base) || Permanent(nil) != nil {
		t.Fatal("Permanent marking is wrong")
	}
	if Permanent(p) != p { //nolint:errorlint // identity, not equality of causes
		t.Fatal("double marking should be a no-op")
	}
	if !IsPermanent(errors.Join(errors.New("ctx"), p)) {
		t.Fatal("a wrapped permanent error is permanent")
	}
}

func TestPayloadValidation(t *testing.T) {
	dup := &CaptionParsed{Parser: "rules", Products: []ParsedProduct{{Index: 1}, {Index: 1}}}
	if err := dup.Validate(); err == nil {
		t.Fatal("repeated product indexes must be refused")
	}
	if err := (&ProductTagged{Products: []TaggedProduct{{Index: 0}}}).Validate(); err == nil {
		t.Fatal("a tagger name is required")
	}
	if err := (&ThumbnailsGenerated{Thumbnails: []Thumbnail{{}}}).Validate(); err == nil {
		t.Fatal("thumbnails need keys")
	}
	if _, err := New("", "s", "1", &CaptionParsed{Parser: "rules", Caption: strings.Repeat("a", MaxSize)}); err == nil {
		t.Fatal("an oversized payload must be refused")
	}
}

// Package events is buylink's wire contract: the JSON envelope every event
// travels in and the payload of each event type. Events carry ids and results,
// never media bytes, and stay far below SQS's 256 KiB limit (MaxSize).
//
// Delivery is at least once, so handlers are idempotent. A handler returns nil
// (done), a plain error (retryable: redelivered with backoff) or an error
// wrapped by Permanent (not retried: dead-lettered by the host).
package events

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The event types.
const (
	TypeVideoPosted         = "video.posted"
	TypeCaptionParsed       = "caption.parsed"
	TypeThumbnailsGenerated = "thumbnails.generated"
	TypeProductTagged       = "product.tagged"
)

// Version is the payload version every type is currently published at.
const Version = 1

// MaxSize bounds an encoded envelope; SQS and SNS accept 256 KiB.
const MaxSize = 200 << 10

// Envelope is the JSON form of every event.
type Envelope struct {
	// ID is unique per event (not per delivery).
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Version    int       `json:"version"`
	OccurredAt time.Time `json:"occurredAt"`
	// CorrelationID is carried unchanged through the whole chain that one
	// ingestion started, and into the logs of every step.
	CorrelationID string          `json:"correlationId"`
	Seller        string          `json:"seller"`
	VideoID       string          `json:"videoId"`
	Data          json.RawMessage `json:"data"`
}

// Payload is implemented by every event payload type.
type Payload interface {
	// EventType names the type the payload travels as.
	EventType() string
}

// NewID returns a random 128-bit hex id for events and correlation ids.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// New wraps a payload in an envelope with a fresh id, the current version and
// time. An empty correlation id starts a new chain.
func New(correlationID, seller, videoID string, p Payload) (Envelope, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return Envelope{}, fmt.Errorf("events: encode %s: %w", p.EventType(), err)
	}
	if correlationID == "" {
		correlationID = NewID()
	}
	env := Envelope{
		ID: NewID(), Type: p.EventType(), Version: Version, OccurredAt: time.Now().UTC(),
		CorrelationID: correlationID, Seller: seller, VideoID: videoID, Data: data,
	}
	if n := len(data) + 512; n > MaxSize {
		return Envelope{}, fmt.Errorf("events: %s payload of %d bytes exceeds %d", p.EventType(), n, MaxSize)
	}
	return env, nil
}

// Next wraps a payload that follows from env: same correlation id, seller and video.
func Next(env Envelope, p Payload) (Envelope, error) {
	return New(env.CorrelationID, env.Seller, env.VideoID, p)
}

// Marshal encodes the envelope.
func (e Envelope) Marshal() ([]byte, error) { return json.Marshal(e) }

// Parse decodes an envelope and checks its required fields. Every failure is
// permanent: the same bytes will never decode.
func Parse(body []byte) (Envelope, error) {
	var env Envelope
	if len(body) > MaxSize {
		return env, Permanent(fmt.Errorf("events: message of %d bytes exceeds %d", len(body), MaxSize))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		return env, Permanent(fmt.Errorf("events: undecodable envelope: %w", err))
	}
	if dec.More() {
		return env, Permanent(errors.New("events: trailing data after the envelope"))
	}
	switch {
	case env.ID == "":
		return env, Permanent(errors.New("events: envelope has no id"))
	case env.Type == "":
		return env, Permanent(errors.New("events: envelope has no type"))
	case len(env.Data) == 0 || string(env.Data) == "null":
		return env, Permanent(fmt.Errorf("events: %s envelope %s has no data", env.Type, env.ID))
	}
	return env, nil
}

// Decode checks that env carries p's type at the current version and decodes
// its data into p. Every failure is permanent.
func Decode[P Payload](env Envelope, p P) error {
	if env.Type != p.EventType() {
		return Permanent(fmt.Errorf("events: want a %s event, got %q", p.EventType(), env.Type))
	}
	if env.Version != Version {
		return Permanent(fmt.Errorf("events: %s version %d is not supported (want %d)", env.Type, env.Version, Version))
	}
	if err := json.Unmarshal(env.Data, p); err != nil {
		return Permanent(fmt.Errorf("events: undecodable %s data: %w", env.Type, err))
	}
	if v, ok := any(p).(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return Permanent(fmt.Errorf("events: invalid %s data: %w", env.Type, err))
		}
	}
	return nil
}

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as permanent: the host records it and never retries.
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil || IsPermanent(err) {
		return err
	}
	return permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, was marked Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

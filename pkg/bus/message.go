package bus

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/buylink/buylink/pkg/events"
)

// maxBodyBytes bounds a message body before any decoding: SQS and SNS carry
// at most 256 KiB.
const maxBodyBytes = 256 << 10

// ParseMessage decodes a message body into its event. The body is either the
// envelope itself (mem://, SQS, SNS with raw message delivery) or the SNS
// notification JSON that wraps it when an SNS subscription delivers without
// raw message delivery ({"Type":"Notification","Message":"<envelope>",
// "MessageAttributes":{...}}); both decode to the same event. Every host
// (Worker, the Lambda adapter) parses bodies with it. Every failure is
// permanent: the same bytes will never decode.
func ParseMessage(body []byte) (events.Envelope, error) {
	if len(body) > maxBodyBytes {
		return events.Envelope{}, events.Permanent(fmt.Errorf("bus: message of %d bytes exceeds %d", len(body), maxBodyBytes))
	}
	inner, err := unwrapSNS(body)
	if err != nil {
		return events.Envelope{}, events.Permanent(err)
	}
	return events.Parse(inner)
}

// snsNotification is the JSON SNS delivers to a queue without raw message
// delivery. Field names are matched exactly (see unwrapSNS).
type snsNotification struct {
	Type              string
	MessageID         string `json:"MessageId"`
	TopicArn          string
	Message           *string
	MessageAttributes map[string]struct{ Type, Value string }
}

// unwrapSNS returns the message an SNS notification carries, or body itself
// when it is not one. An event envelope is never mistaken for a notification:
// envelopes have no "Type" and "Message" members (encoding/json would match
// "type" case-insensitively, so the members are checked by exact name).
func unwrapSNS(body []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || !bytes.Contains(trimmed, []byte(`"Type"`)) {
		return body, nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &members); err != nil {
		return body, nil // not JSON: events.Parse reports it
	}
	if _, ok := members["Type"]; !ok {
		return body, nil
	}
	if _, ok := members["Message"]; !ok {
		return body, nil
	}
	var n snsNotification
	if err := json.Unmarshal(trimmed, &n); err != nil {
		return nil, fmt.Errorf("bus: malformed SNS notification: %w", err)
	}
	if n.Type != "Notification" {
		return nil, fmt.Errorf("bus: SNS %s message %s is not an event", n.Type, n.MessageID)
	}
	if n.Message == nil {
		return nil, errors.New("bus: SNS notification without a message")
	}
	msg := []byte(*n.Message)
	// gocloud's SNS topics base64-encode bodies that are not UTF-8 and say so
	// in this attribute; event envelopes are JSON, so this only undoes that.
	if n.MessageAttributes["base64encoded"].Value == "true" {
		dec, err := base64.StdEncoding.DecodeString(*n.Message)
		if err != nil {
			return nil, fmt.Errorf("bus: SNS notification flagged base64 does not decode: %w", err)
		}
		msg = dec
	}
	return msg, nil
}

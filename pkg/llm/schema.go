package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
)

var schemaNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Schema is a JSON schema for an answer: sent as response_format
// json_schema (strict) and used to validate the answer before decoding.
// Write it in the strict subset OpenAI-compatible APIs accept: an object at
// the top, every property required, "additionalProperties": false, optional
// values as ["type", "null"].
type Schema struct {
	// Name identifies the schema to the API (letters, digits, '_' and '-').
	Name     string
	raw      json.RawMessage
	resolved *jsonschema.Resolved
}

// NewSchema parses and checks a schema.
func NewSchema(name string, raw []byte) (*Schema, error) {
	if !schemaNameRE.MatchString(name) {
		return nil, fmt.Errorf("llm: schema name %q must be 1-64 letters, digits, '_' or '-'", name)
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("llm: schema %s: %w", name, err)
	}
	if s.Type != "object" {
		return nil, fmt.Errorf("llm: schema %s must describe an object at the top", name)
	}
	resolved, err := s.Resolve(nil)
	if err != nil {
		return nil, fmt.Errorf("llm: schema %s: %w", name, err)
	}
	compact, err := json.Marshal(json.RawMessage(raw))
	if err != nil {
		return nil, fmt.Errorf("llm: schema %s: %w", name, err)
	}
	return &Schema{Name: name, raw: compact, resolved: resolved}, nil
}

// MustSchema is NewSchema for schemas fixed at compile time; it panics on error.
func MustSchema(name string, raw []byte) *Schema {
	s, err := NewSchema(name, raw)
	if err != nil {
		panic(err)
	}
	return s
}

// MarshalJSON returns the schema as given (compacted).
func (s *Schema) MarshalJSON() ([]byte, error) { return s.raw, nil }

// Decode validates an answer against the schema and decodes it into out,
// refusing fields out does not have. Code fences and text around the JSON
// object are tolerated (some models add them despite response_format). Every
// failure wraps ErrInvalidOutput.
func (s *Schema) Decode(content string, out any) error {
	body := extractJSON(content)
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return invalidOutput(fmt.Errorf("not JSON: %w", err))
	}
	if err := s.resolved.Validate(v); err != nil {
		return invalidOutput(fmt.Errorf("schema %s: %w", s.Name, err))
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return invalidOutput(fmt.Errorf("decode: %w", err))
	}
	if dec.More() {
		return invalidOutput(errors.New("data after the JSON object"))
	}
	return nil
}

// extractJSON returns the JSON object in an answer: the whole answer, or
// what a ```json fence or surrounding prose holds.
func extractJSON(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
		return s
	}
	if i, j := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}'); i >= 0 && j > i {
		return s[i : j+1]
	}
	return s
}

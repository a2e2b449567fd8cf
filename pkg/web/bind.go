package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/buylink/buylink/pkg/catalog"
)

// BindJSON decodes the request body into dst strictly: a JSON content type,
// no unknown fields, exactly one value and no trailing data. Errors are
// domain errors naming what was wrong (or *http.MaxBytesError, which
// WriteError answers with 413).
func BindJSON(c *gin.Context, dst any) error {
	ct := c.ContentType()
	if ct != "" && ct != "application/json" {
		return catalog.Invalid("Content-Type", "must be application/json (got %q)", ct)
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return catalog.Invalid("body", "could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return catalog.Invalid("body", "is empty; a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return catalog.Invalid("body", "has data after the JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return catalog.Invalid("body", "is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return catalog.Invalid(field, "must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return catalog.Invalid("body", "has an unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return catalog.Invalid("body", "is truncated JSON")
	}
	return catalog.Invalid("body", "is not valid JSON: %s", fmt.Sprint(err))
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "true or false"
	}
	return "a number"
}

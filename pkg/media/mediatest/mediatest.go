// Package mediatest is the conformance suite every media bucket must pass
// (file:// here, S3 against s3rver in the AWS runtime's tests).
package mediatest

import (
	"bytes"
	"io"
	"testing"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/media"
)

// Run checks put/get round trips, content types, content addressing,
// not-found and key validation on stores made by open.
func Run(t *testing.T, open func(t *testing.T) *media.Store) {
	t.Helper()
	st := open(t)
	t.Cleanup(func() { _ = st.Close() })
	ctx := t.Context()
	jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte("jpeg"), 1000)...)

	key, err := st.Put(ctx, "thumbs", jpeg, "image/jpeg")
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	if !media.ValidKey(key) {
		t.Fatalf("put returned a malformed key %q", key)
	}
	again, err := st.Put(ctx, "thumbs", jpeg, "image/jpeg")
	if err != nil || again != key {
		t.Fatalf("second put of the same bytes: %q, %v (want %q)", again, err, key)
	}
	obj, err := st.Get(ctx, key)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	got, err := io.ReadAll(obj)
	_ = obj.Close()
	if err != nil || !bytes.Equal(got, jpeg) {
		t.Fatalf("get returned %d bytes (err %v), want %d", len(got), err, len(jpeg))
	}
	if obj.ContentType != "image/jpeg" || obj.Size != int64(len(jpeg)) {
		t.Fatalf("attributes: content type %q size %d", obj.ContentType, obj.Size)
	}
	if all, err := st.ReadAll(ctx, key); err != nil || !bytes.Equal(all, jpeg) {
		t.Fatalf("read all: %d bytes, %v", len(all), err)
	}
	other, err := st.Put(ctx, "thumbs", []byte("different"), "text/plain")
	if err != nil || other == key {
		t.Fatalf("different content got key %q (err %v)", other, err)
	}
	missing, _ := media.Key("thumbs", []byte("never stored"), "image/jpeg")
	if _, err := st.Get(ctx, missing); !catalog.IsCode(err, catalog.CodeNotFound) {
		t.Fatalf("get missing: want not_found, got %v", err)
	}
	if _, err := st.Get(ctx, "../../etc/passwd"); !catalog.IsCode(err, catalog.CodeNotFound) {
		t.Fatalf("get malformed key: want not_found, got %v", err)
	}
	if _, err := st.Put(ctx, "thumbs", nil, "image/jpeg"); !catalog.IsCode(err, catalog.CodeInvalid) {
		t.Fatalf("put empty: want invalid, got %v", err)
	}
	if u := st.URL(key); u == "" || !bytes.HasSuffix([]byte(u), []byte("/"+key)) {
		t.Fatalf("URL(%q) = %q", key, u)
	}
}

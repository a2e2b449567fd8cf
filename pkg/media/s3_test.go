package media_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/internal/testservers"
	"github.com/buylink/buylink/pkg/media"
	"github.com/buylink/buylink/pkg/media/mediatest"
)

// s3URL is the bucket URL of an s3rver endpoint, as a deployment would
// write it for an S3-compatible endpoint.
func s3URL(endpoint, bucket string) string {
	return "s3://" + bucket + "?region=" + testservers.Region + "&endpoint=" + url.QueryEscape(endpoint) + "&use_path_style=true&disable_https=true"
}

func TestS3Conformance(t *testing.T) {
	testservers.UseEmulators(t)
	endpoint := testservers.S3rver(t, "thumbs")
	mediatest.Run(t, func(t *testing.T) *media.Store {
		st, err := media.Open(t.Context(), s3URL(endpoint, "thumbs"), "https://cdn.example.com/media")
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

func TestS3SignedURL(t *testing.T) {
	testservers.UseEmulators(t)
	endpoint := testservers.S3rver(t, "private")
	st, err := media.Open(t.Context(), s3URL(endpoint, "private"), "https://cdn.example.com/media")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 512)...)
	key, err := st.Put(t.Context(), "thumbs", png, "image/png")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := st.SignedURL(t.Context(), key, 5*time.Minute)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	if !strings.HasPrefix(signed, endpoint+"/private/"+key+"?") || !strings.Contains(signed, "X-Amz-Signature=") || !strings.Contains(signed, "X-Amz-Expires=300") {
		t.Fatalf("signed URL %q", signed)
	}
	resp, err := http.Get(signed)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, png) || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("GET signed URL: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Fatalf("cache control %q", cc)
	}
	if _, err := st.SignedURL(t.Context(), "../secrets", time.Minute); !catalog.IsCode(err, catalog.CodeNotFound) {
		t.Fatalf("signing a malformed key: %v", err)
	}
}

func TestS3WithoutCredentialsFailsAtOpen(t *testing.T) {
	testservers.NoCredentials(t)
	_, err := media.Open(context.Background(), "s3://thumbs?region=eu-west-1", "https://cdn.example.com/media")
	if err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Fatalf("want a credentials error, got %v", err)
	}
}

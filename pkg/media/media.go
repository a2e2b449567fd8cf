// Package media stores blobs (thumbnails, demo videos) by URL through
// gocloud.dev/blob: a file:// directory in the embedded runtime, an s3://
// bucket on AWS. Keys are content-addressed, so a blob never changes once
// written and may be cached forever; URL builds the address shoppers load.
//
// S3 buckets are named like "s3://<bucket>?region=eu-west-1" and take the
// query parameters of gocloud.dev/blob/s3blob and package awsconfig: region,
// endpoint, profile, use_path_style, disable_https, ssetype, kmskeyid,
// and prefix (keys under a folder). A private bucket serves shoppers through
// SignedURL (presigned GET). Open fails at once when an s3:// bucket has no
// AWS credentials.
package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"regexp"
	"strings"
	"time"

	"gocloud.dev/blob"
	// file:// buckets for the embedded runtime, s3:// buckets on AWS.
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"github.com/buylink/buylink/pkg/awsconfig"
	"github.com/buylink/buylink/pkg/catalog"
	"github.com/buylink/buylink/pkg/deploy"
)

// MaxBlobBytes bounds one stored blob.
const MaxBlobBytes = 64 << 20

// keyRE is the shape of every key Put makes: prefix/aa/<sha256>.<ext>.
var keyRE = regexp.MustCompile(`^[a-z0-9-]+/` + deploy.MediaKeyShape + `$`)

var extensions = map[string]string{
	"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm",
	"application/json": "json", "text/plain": "txt",
}

// Store keeps blobs in one bucket.
type Store struct {
	b          *blob.Bucket
	publicBase string
}

// Open opens the bucket at bucketURL; publicBase is the URL under which keys
// are served ("http://localhost:8080/media"), empty for a store that only
// reads and writes blobs (its URL answers "").
func Open(ctx context.Context, bucketURL, publicBase string) (*Store, error) {
	if u, err := url.Parse(publicBase); publicBase != "" && (err != nil || !u.IsAbs()) {
		return nil, fmt.Errorf("media: public base URL %q is not an absolute URL", publicBase)
	}
	if err := awsconfig.CheckURL(ctx, bucketURL); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	b, err := blob.OpenBucket(ctx, bucketURL)
	if err != nil {
		return nil, fmt.Errorf("media: open bucket %s: %w", bucketURL, err)
	}
	return &Store{b: b, publicBase: strings.TrimSuffix(publicBase, "/")}, nil
}

// Bucket exposes the underlying bucket (signed URLs, tests).
func (s *Store) Bucket() *blob.Bucket { return s.b }

// Close closes the bucket.
func (s *Store) Close() error { return s.b.Close() }

// Key returns the content-addressed key of data under prefix.
func Key(prefix string, data []byte, contentType string) (string, error) {
	if prefix == "" || strings.Trim(prefix, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return "", catalog.Invalid("prefix", "must be lower-case letters, digits and '-' (got %q)", prefix)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	ext, ok := extensions[mt]
	if err != nil || !ok {
		return "", catalog.Invalid("contentType", "%q is not a stored media type", contentType)
	}
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	return prefix + "/" + h[:2] + "/" + h + "." + ext, nil
}

// ValidKey reports whether key has the shape Put gives keys, so that served
// paths never reach anything else in the bucket.
func ValidKey(key string) bool { return keyRE.MatchString(key) }

// Put stores data under its content-addressed key and returns the key. Storing
// the same bytes again writes nothing.
func (s *Store) Put(ctx context.Context, prefix string, data []byte, contentType string) (string, error) {
	if len(data) == 0 {
		return "", catalog.Invalid("data", "is empty")
	}
	if len(data) > MaxBlobBytes {
		return "", catalog.Invalid("data", "is %d bytes, more than %d", len(data), MaxBlobBytes)
	}
	key, err := Key(prefix, data, contentType)
	if err != nil {
		return "", err
	}
	if ok, err := s.b.Exists(ctx, key); err == nil && ok {
		return key, nil
	}
	opts := &blob.WriterOptions{ContentType: contentType, CacheControl: "public, max-age=31536000, immutable"}
	if err := s.b.WriteAll(ctx, key, data, opts); err != nil {
		return "", catalog.Unavailable(err, "store media %s", key)
	}
	return key, nil
}

// Delete removes the blob with the key (an upload whose record could not be
// stored); a missing blob is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return catalog.NotFound("media", key)
	}
	if err := s.b.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return catalog.Unavailable(err, "delete media %s", key)
	}
	return nil
}

// KeyOf returns the key of one of this store's public URLs, or "" when the
// URL is not one.
func (s *Store) KeyOf(u string) string {
	key, ok := strings.CutPrefix(u, s.publicBase+"/")
	if !ok || !ValidKey(key) {
		return ""
	}
	return key
}

// Object is an open blob: its reader and attributes.
type Object struct {
	io.ReadCloser
	ContentType string
	Size        int64
	ModTime     time.Time
}

// Get opens the blob with the key. A missing or malformed key is not_found.
func (s *Store) Get(ctx context.Context, key string) (*Object, error) {
	if !ValidKey(key) {
		return nil, catalog.NotFound("media", key)
	}
	r, err := s.b.NewReader(ctx, key, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, catalog.NotFound("media", key)
		}
		return nil, catalog.Unavailable(err, "read media %s", key)
	}
	return &Object{ReadCloser: r, ContentType: r.ContentType(), Size: r.Size(), ModTime: r.ModTime()}, nil
}

// ReadAll returns the whole blob with the key.
func (s *Store) ReadAll(ctx context.Context, key string) ([]byte, error) {
	obj, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer func() { _ = obj.Close() }()
	return io.ReadAll(obj)
}

// URL returns the public address of a key, "" without a public base.
func (s *Store) URL(key string) string {
	if s.publicBase == "" {
		return ""
	}
	return s.publicBase + "/" + key
}

// SignedURL returns a short-lived GET URL for the key where the bucket
// supports signing (S3), or an error wrapping errors.ErrUnsupported.
func (s *Store) SignedURL(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if !ValidKey(key) {
		return "", catalog.NotFound("media", key)
	}
	u, err := s.b.SignedURL(ctx, key, &blob.SignedURLOptions{Expiry: ttl})
	if gcerrors.Code(err) == gcerrors.Unimplemented {
		return "", fmt.Errorf("media: signed URLs: %w", errors.ErrUnsupported)
	}
	return u, err
}

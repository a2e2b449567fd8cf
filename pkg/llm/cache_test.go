package llm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyIsStableAndLengthPrefixed(t *testing.T) {
	k := Key("model", "v1", "caption")
	if len(k) != 64 || k != Key("model", "v1", "caption") {
		t.Fatalf("key %q is not a stable 64-hex-digit hash", k)
	}
	if Key("ab", "c") == Key("a", "bc") || Key("model", "v1", "caption") == Key("model", "v2", "caption") {
		t.Error("different parts gave the same key")
	}
}

func TestMemoryCacheEvictsLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryCache(2)
	_ = m.Put(ctx, "a", []byte("1"))
	_ = m.Put(ctx, "b", []byte("2"))
	if _, ok, _ := m.Get(ctx, "a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	_ = m.Put(ctx, "c", []byte("3"))
	if _, ok, _ := m.Get(ctx, "b"); ok {
		t.Error("b should have been evicted")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok, _ := m.Get(ctx, k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	_ = m.Put(ctx, "c", []byte("33"))
	if v, _, _ := m.Get(ctx, "c"); string(v) != "33" || m.Len() != 2 {
		t.Errorf("overwrite: %q, len %d", v, m.Len())
	}
	// Callers cannot change stored values through the returned slice.
	v, _, _ := m.Get(ctx, "c")
	v[0] = 'x'
	if w, _, _ := m.Get(ctx, "c"); string(w) != "33" {
		t.Errorf("stored value changed to %q", w)
	}
}

func TestBlobCaches(t *testing.T) {
	dir := t.TempDir()
	for _, u := range []string{"mem://", "file://" + dir} {
		t.Run(u, func(t *testing.T) {
			ctx := context.Background()
			c, closeFn, err := OpenCache(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = closeFn() }()
			if _, ok := c.(*BlobCache); !ok {
				t.Fatalf("%s opened a %T", u, c)
			}
			k := Key("x")
			if _, ok, err := c.Get(ctx, k); ok || err != nil {
				t.Fatalf("miss: %v %v", ok, err)
			}
			if err := c.Put(ctx, k, []byte(`{"content":"x"}`)); err != nil {
				t.Fatal(err)
			}
			if v, ok, err := c.Get(ctx, k); !ok || err != nil || string(v) != `{"content":"x"}` {
				t.Fatalf("hit: %q %v %v", v, ok, err)
			}
			if err := c.Put(ctx, "../../etc/passwd", []byte("x")); err == nil {
				t.Error("a key that is not a Key was accepted")
			}
		})
	}
	// The file cache really is on disk, under llm-cache/.
	var found []string
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasSuffix(p, ".json") {
			found = append(found, p)
		}
		return nil
	})
	if len(found) != 1 || !strings.Contains(found[0], string(filepath.Separator)+"llm-cache"+string(filepath.Separator)) {
		t.Errorf("files %v", found)
	}
}

func TestOpenCache(t *testing.T) {
	c, closeFn, err := OpenCache(context.Background(), "")
	if err != nil || closeFn() != nil {
		t.Fatal(err)
	}
	if _, ok := c.(*MemoryCache); !ok {
		t.Errorf("default cache is a %T", c)
	}
	if _, _, err := OpenCache(context.Background(), "nosuchscheme://x"); err == nil {
		t.Error("unknown scheme accepted")
	}
}

func TestSchema(t *testing.T) {
	good := `{"type":"object","properties":{"a":{"type":"string"},"n":{"type":["integer","null"],"minimum":1}},"required":["a","n"],"additionalProperties":false}`
	s, err := NewSchema("thing", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		A string `json:"a"`
		N *int   `json:"n"`
	}
	for _, ok := range []string{`{"a":"x","n":null}`, `{"a":"x","n":3}`, "```json\n{\"a\":\"x\",\"n\":1}\n```", `Here it is: {"a":"x","n":2}`} {
		if err := s.Decode(ok, &out); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{`{"a":"x"}`, `{"a":1,"n":1}`, `{"a":"x","n":0}`, `{"a":"x","n":1,"b":2}`, `[]`, `nope`, `{"a":"x","n":1} {"a":"y","n":1}`} {
		if err := s.Decode(bad, &out); !errors.Is(err, ErrInvalidOutput) || !IsPermanent(err) {
			t.Errorf("%s: err %v, want a permanent ErrInvalidOutput", bad, err)
		}
	}
	for name, raw := range map[string]string{"bad name!": good, "array": `{"type":"array"}`, "broken": `{"type":`, "badref": `{"type":"object","properties":{"a":{"$ref":"#/nope"}}}`} {
		n := "ok"
		if strings.Contains(name, "!") {
			n = name
		}
		if _, err := NewSchema(n, []byte(raw)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if b, _ := s.MarshalJSON(); string(b) != good {
		t.Errorf("MarshalJSON %s", b)
	}
}

package testservers_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/buylink/buylink/pkg/internal/testservers"
)

// fatalTB records the message of Fatalf and stops the goroutine, as
// testing.T does, without failing the enclosing test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fatalTB) Helper() {}

func TestMissingPackageFailsLoudly(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.work"), []byte("go 1.26.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		testservers.Dynalite(f)
	}()
	<-done
	if !strings.Contains(f.msg, "not installed") || !strings.Contains(f.msg, "make deps") {
		t.Fatalf("want a failure saying how to install the package, got %q", f.msg)
	}
}

func TestServersAnswer(t *testing.T) {
	for name, endpoint := range map[string]string{"dynalite": testservers.Dynalite(t), "s3rver": testservers.S3rver(t, "bucket"), "fauxqs": testservers.Fauxqs(t)} {
		if !strings.HasPrefix(endpoint, "http://127.0.0.1:") {
			t.Fatalf("%s endpoint %q is not on loopback", name, endpoint)
		}
		resp, err := http.Get(endpoint + "/")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_ = resp.Body.Close()
	}
}

func TestRepoRoot(t *testing.T) {
	root, err := testservers.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "tools", "testservers", "package.json")); err != nil {
		t.Fatalf("repo root %s lacks tools/testservers: %v", root, err)
	}
}

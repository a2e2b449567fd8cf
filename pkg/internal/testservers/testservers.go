// Package testservers starts the local stand-ins for AWS services that tests
// run against: dynalite (DynamoDB), s3rver (S3) and fauxqs (SNS and SQS),
// npm packages pinned in tools/testservers (installed by `make deps`). Each
// server is a child process on a free port, reached on 127.0.0.1, started by
// the test that needs it and stopped when that test ends.
//
// A missing node binary or npm package fails the test with the reason and the
// command that fixes it; nothing here ever skips.
package testservers

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Credentials the servers accept; tests export them as AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY. dynalite accepts any, s3rver these.
const (
	AccessKeyID     = "S3RVER"
	SecretAccessKey = "S3RVER"
	Region          = "eu-west-1"
)

// startTimeout bounds how long a server may take to answer.
const startTimeout = 30 * time.Second

// Dynalite starts an in-memory dynalite and returns its endpoint
// ("http://127.0.0.1:PORT"). Tables become ACTIVE as soon as they are created.
func Dynalite(tb testing.TB) string {
	tb.Helper()
	return start(tb, "dynalite", "dynalite/cli.js", 20, "/", func(port int) ([]string, []string) {
		return []string{"--host", "127.0.0.1", "--port", strconv.Itoa(port),
			"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"}, nil
	})
}

// S3rver starts s3rver on a fresh temporary directory with the given buckets
// and returns its endpoint ("http://127.0.0.1:PORT"). It checks request
// signatures against AccessKeyID/SecretAccessKey.
func S3rver(tb testing.TB, buckets ...string) string {
	tb.Helper()
	dir := tb.TempDir()
	return start(tb, "s3rver", "s3rver/bin/s3rver.js", 12, "/", func(port int) ([]string, []string) {
		args := []string{"--directory", dir, "--address", "127.0.0.1", "--port", strconv.Itoa(port), "--silent"}
		for _, b := range buckets {
			args = append(args, "--configure-bucket", b)
		}
		return args, nil
	})
}

// Fauxqs starts fauxqs, an in-memory SNS and SQS emulator speaking the JSON
// protocol of the pinned AWS SDK, on a free port (FAUXQS_PORT) and returns
// its endpoint ("http://127.0.0.1:PORT"), the only address tests send to
// (fauxqs listens on every interface). Its region is Region.
func Fauxqs(tb testing.TB) string {
	tb.Helper()
	return start(tb, "fauxqs", "fauxqs/dist/cli.js", 20, "/health", func(port int) ([]string, []string) {
		return nil, []string{"FAUXQS_PORT=" + strconv.Itoa(port), "FAUXQS_DEFAULT_REGION=" + Region, "FAUXQS_LOGGER=false"}
	})
}

// UseEmulators configures the AWS SDK for the servers for the rest of the
// test: their credentials and region, no EC2 metadata lookup, and response
// checksums validated only where required (s3rver sends none).
func UseEmulators(tb testing.TB) {
	tb.Helper()
	tb.Setenv("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")
	tb.Setenv("AWS_ACCESS_KEY_ID", AccessKeyID)
	tb.Setenv("AWS_SECRET_ACCESS_KEY", SecretAccessKey)
	tb.Setenv("AWS_SESSION_TOKEN", "")
	tb.Setenv("AWS_REGION", Region)
	tb.Setenv("AWS_PROFILE", "")
	tb.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// NoCredentials leaves the AWS SDK without any credentials for the rest of
// the test: no environment keys, profile, shared files, container or web
// identity credentials, and no instance metadata lookup.
func NoCredentials(tb testing.TB) {
	tb.Helper()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"} {
		tb.Setenv(k, "")
	}
	missing := filepath.Join(tb.TempDir(), "missing")
	tb.Setenv("AWS_CONFIG_FILE", missing)
	tb.Setenv("AWS_SHARED_CREDENTIALS_FILE", missing)
	tb.Setenv("AWS_REGION", Region)
	tb.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// start runs node (at least version minNode) on the package script with the
// arguments and environment cmdline(port) until the server answers HTTP on
// the port at probe, retrying with another port when the chosen one was
// taken meanwhile.
func start(tb testing.TB, name, script string, minNode int, probe string, cmdline func(port int) (args, env []string)) string {
	tb.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		tb.Fatalf("testservers: %s needs Node.js, which is not installed (`make deps` installs it): %v", name, err)
	}
	if v, major, err := nodeVersion(node); err != nil || major < minNode {
		tb.Fatalf("testservers: %s needs Node.js %d or newer; %s is %q (%v)", name, minNode, node, v, err)
	}
	root, err := RepoRoot()
	if err != nil {
		tb.Fatalf("testservers: %v", err)
	}
	path := filepath.Join(root, "tools", "testservers", "node_modules", script)
	if _, err := os.Stat(path); err != nil {
		tb.Fatalf("testservers: the npm package of %s is not installed (%v); run `make deps` or `npm ci` in tools/testservers", name, err)
	}
	var last string
	for range 3 {
		port, err := freePort()
		if err != nil {
			tb.Fatalf("testservers: find a free port: %v", err)
		}
		args, env := cmdline(port)
		srv, err := launch(node, append([]string{path}, args...), env)
		if err != nil {
			tb.Fatalf("testservers: start %s: %v", name, err)
		}
		endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
		if err := srv.waitReady(endpoint + probe); err != nil {
			_ = srv.stop()
			last = fmt.Sprintf("%v\noutput:\n%s", err, srv.out.String())
			if strings.Contains(last, "EADDRINUSE") {
				continue
			}
			break
		}
		tb.Cleanup(func() {
			if err := srv.stop(); err != nil {
				tb.Errorf("testservers: stop %s: %v\noutput:\n%s", name, err, srv.out.String())
			}
		})
		return endpoint
	}
	tb.Fatalf("testservers: %s did not start: %s", name, last)
	return ""
}

var nodeVersions sync.Map // node binary -> version string

// nodeVersion returns the version node reports ("v20.20.2") and its major number.
func nodeVersion(node string) (string, int, error) {
	v, ok := nodeVersions.Load(node)
	if !ok {
		out, err := exec.Command(node, "--version").Output()
		if err != nil {
			return "", 0, err
		}
		v, _ = nodeVersions.LoadOrStore(node, strings.TrimSpace(string(out)))
	}
	s := v.(string)
	major, err := strconv.Atoi(strings.TrimPrefix(strings.SplitN(s, ".", 2)[0], "v"))
	return s, major, err
}

// RepoRoot returns the directory holding go.work, found by walking up from
// the working directory (a test runs in its package directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.work found above the working directory; run the tests inside the buylink repository")
		}
		dir = parent
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// server is a running child process.
type server struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error // the process's exit status, set before done closes
}

func launch(node string, args, env []string) (*server, error) {
	out := &syncBuffer{}
	cmd := exec.Command(node, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// waitReady polls the URL until it answers HTTP (any status), the process
// exits or startTimeout passes.
func (s *server) waitReady(probe string) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("exited before answering: %w", s.err)
		default:
		}
		resp, err := client.Get(probe)
		if err == nil {
			_ = resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("did not answer on %s within %s", probe, startTimeout)
}

// stop asks the process to end, kills it after five seconds, and waits.
func (s *server) stop() error {
	select {
	case <-s.done:
		return nil // already gone: reported by the caller's own checks
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return nil
	case <-time.After(5 * time.Second):
	}
	if err := s.cmd.Process.Kill(); err != nil {
		return err
	}
	<-s.done
	return nil
}

// syncBuffer collects a child's output; the process writes while tests read.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

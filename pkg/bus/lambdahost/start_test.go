package lambdahost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buylink/buylink/pkg/bus"
	"github.com/buylink/buylink/pkg/bus/lambdahost"
	busevents "github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/internal/testservers"
)

// childEnv makes the test binary run lambdahost.Start as a Lambda function
// would (see TestMain), against the runtime API the parent test serves.
const childEnv = "LAMBDAHOST_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		var seen sync.Map
		lambdahost.Start("start-test", func(bus.Publisher) (bus.Handler, error) { return behaviourHandler(&seen), nil })
		return // Start does not return
	}
	os.Exit(m.Run())
}

// fakeRuntime serves the Lambda runtime API for one invocation and keeps
// what the function answered.
type fakeRuntime struct {
	event    []byte
	once     sync.Once
	answered chan string // "response: <body>" or "error: <body>"
}

func (f *fakeRuntime) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/2018-06-01/runtime/invocation/next":
		served := false
		f.once.Do(func() {
			served = true
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", "8476a536-e9f4-11e8-9739-2dfe598c3fcd")
			w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:buylink-caption-parser")
			w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")
			_, _ = w.Write(f.event)
		})
		if !served {
			<-r.Context().Done() // no second invocation: the test ends first
		}
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/response"):
		body, _ := io.ReadAll(r.Body)
		f.answered <- "response: " + string(body)
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/error"):
		body, _ := io.ReadAll(r.Body)
		f.answered <- "error: " + string(body)
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

// child runs the test binary as a function process with the environment env.
func child(t *testing.T, env ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=1", "LOG_FORMAT=json"}, env...)...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	return cmd, out
}

// lockedBuffer collects a child's output, written while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestStartServesSQSInvocations runs a whole function process: Start reads
// its configuration, takes an SQS event from the runtime API and answers with
// the batch item failures.
func TestStartServesSQSInvocations(t *testing.T) {
	ev := sqsEvent(t,
		record{id: "ok-1", body: rawBody(t, envelope(t, "ok"))},
		record{id: "retry-1", body: rawBody(t, envelope(t, "retry"))},
		record{id: "sns-1", body: snsBody(t, envelope(t, "ok"))},
		record{id: "panic-1", body: rawBody(t, envelope(t, "panic"))},
		record{id: "garbage-1", body: "garbage"},
	)
	event, _ := json.Marshal(ev)
	rt := &fakeRuntime{event: event, answered: make(chan string, 1)}
	srv := httptest.NewServer(rt)
	defer srv.Close()
	cmd, out := child(t, "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(srv.URL, "http://"), "TOPIC_URL_TEMPLATE=mem://{type}",
		"DEADLETTER_URL=file://"+filepath.ToSlash(t.TempDir())+"?no_tmp_dir=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	select {
	case got := <-rt.answered:
		want := `response: {"batchItemFailures":[{"itemIdentifier":"retry-1"},{"itemIdentifier":"panic-1"}]}`
		if strings.TrimSpace(got) != want {
			t.Fatalf("function answered\n %s\nwant\n %s\noutput:\n%s", got, want, out)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the function did not answer; output:\n%s", out)
	}
}

func TestStartFailsFast(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	cases := []struct {
		name string
		env  []string
		want string
	}{
		{"no topics", []string{"TOPIC_URL_TEMPLATE="}, "TOPIC_URL_TEMPLATE is required"},
		{"bad concurrency", []string{"TOPIC_URL_TEMPLATE=mem://{type}", "WORKER_CONCURRENCY=lots"}, "WORKER_CONCURRENCY"},
		{"AWS without credentials", []string{
			"TOPIC_URL_TEMPLATE=awssns:///arn:aws:sns:eu-west-1:123456789012:buylink-{name}?region=eu-west-1",
			"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_PROFILE=", "AWS_CONFIG_FILE=" + missing,
			"AWS_SHARED_CREDENTIALS_FILE=" + missing, "AWS_EC2_METADATA_DISABLED=true", "AWS_CONTAINER_CREDENTIALS_FULL_URI=",
			"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=", "AWS_WEB_IDENTITY_TOKEN_FILE=",
		}, "AWS_ACCESS_KEY_ID"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd, out := child(t, append([]string{"AWS_LAMBDA_RUNTIME_API=127.0.0.1:1"}, c.env...)...)
			start := time.Now()
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("want exit status 1, got %v; output:\n%s", err, out)
			}
			if !strings.Contains(out.String(), c.want) {
				t.Fatalf("the log must say %q:\n%s", c.want, out)
			}
			if d := time.Since(start); d > 15*time.Second {
				t.Fatalf("took %s to fail", d)
			}
		})
	}
}

func TestNew(t *testing.T) {
	testservers.NoCredentials(t)
	dir := t.TempDir()
	cfg := lambdahost.Config{TopicTemplate: "mem://{type}", DeadLetterURL: "file://" + filepath.ToSlash(dir) + "?no_tmp_dir=1", Concurrency: 2}
	var pub bus.Publisher
	h, closeAll, err := lambdahost.New(context.Background(), "fn", cfg, quiet(), func(p bus.Publisher) (bus.Handler, error) {
		pub = p
		return func(context.Context, busevents.Envelope) error { return busevents.Permanent(errors.New("no")) }, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll()
	if pub == nil || h.DeadLetters == nil || h.Concurrency != 2 || h.Name != "fn" {
		t.Fatalf("host %+v", h)
	}
	if resp, _ := h.HandleSQS(t.Context(), sqsEvent(t, record{id: "x", body: rawBody(t, envelope(t, "ok"))})); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", resp.BatchItemFailures)
	}
	letters, err := filepath.Glob(filepath.Join(dir, "fn", "*.json"))
	if err != nil || len(letters) != 1 {
		t.Fatalf("the permanent failure must be in the box: %v %v", letters, err)
	}

	boom := errors.New("boom")
	if _, _, err := lambdahost.New(context.Background(), "fn", cfg, quiet(), func(bus.Publisher) (bus.Handler, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("handler constructor error: %v", err)
	}
	if _, _, err := lambdahost.New(context.Background(), "fn", lambdahost.Config{TopicTemplate: "mem://fixed"}, quiet(), nil); err == nil {
		t.Fatal("a template without {type} or {name} must be refused")
	}
	_, _, err = lambdahost.New(context.Background(), "fn", lambdahost.Config{TopicTemplate: "mem://{type}", DeadLetterURL: "s3://dead-letters?region=eu-west-1"}, quiet(), nil)
	if err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Fatalf("an s3 dead-letter box without credentials: %v", err)
	}
}

package host_test

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

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/buylink/buylink/pkg/deploy"
	busevents "github.com/buylink/buylink/pkg/events"
	"github.com/buylink/buylink/pkg/host"
)

// childEnv makes the test binary run host.Lambda as the caption-parser
// function would (see TestMain), against the runtime API the parent test
// serves.
const childEnv = "HOST_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		host.Lambda(deploy.CaptionParser, func(context.Context, host.Deps) (*host.Component, error) {
			return &host.Component{Handler: behaviourHandler}, nil
		})
		return // Lambda does not return
	}
	os.Exit(m.Run())
}

// behaviourHandler does what the event's seller says: ok, retry, panic.
func behaviourHandler(_ context.Context, env busevents.Envelope) error {
	switch env.Seller {
	case "retry":
		return errors.New("upstream timeout")
	case "panic":
		var p *busevents.Envelope
		_ = p.ID // a nil-pointer panic
	}
	return nil
}

// record is one SQS record of a test batch.
type record struct{ id, body string }

func sqsEvent(recs ...record) lambdaevents.SQSEvent {
	var ev lambdaevents.SQSEvent
	for _, r := range recs {
		ev.Records = append(ev.Records, lambdaevents.SQSMessage{
			MessageId: r.id, Body: r.body, EventSource: "aws:sqs", AWSRegion: "eu-west-1",
			EventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:buylink-dev-caption-parser",
			Attributes:     map[string]string{"ApproximateReceiveCount": "1", "SentTimestamp": "1720000000000"},
		})
	}
	return ev
}

func body(t *testing.T, behaviour string) string {
	t.Helper()
	env, err := busevents.New("", behaviour, "7400000000000000001", &busevents.VideoPosted{PageURL: "https://www.tiktok.com/@x/video/7400000000000000001", PostedAt: time.Now(), Attempt: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := env.Marshal()
	return string(b)
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

// TestLambdaServesSQSInvocations runs a whole function process: host.Lambda
// reads its configuration, takes an SQS event from the runtime API and
// answers with the batch item failures.
func TestLambdaServesSQSInvocations(t *testing.T) {
	ev := sqsEvent(
		record{id: "ok-1", body: body(t, "ok")},
		record{id: "retry-1", body: body(t, "retry")},
		record{id: "panic-1", body: body(t, "panic")},
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

func TestLambdaFailsFast(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	cases := []struct {
		name string
		env  []string
		want string
	}{
		{"no topics", []string{"TOPIC_URL_TEMPLATE="}, "set TOPIC_URL_TEMPLATE"},
		{"an unreadable secret", []string{"TOPIC_URL_TEMPLATE=mem://{type}", "OPENROUTER_API_KEY=", "OPENROUTER_API_KEY_SECRET_ARN=not-an-arn"}, "OPENROUTER_API_KEY: read secret"},
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

package cli

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func TestBadInputEndsWithAClearMessage(t *testing.T) {
	awsEnv(t)
	t.Setenv("BUYLINK_STACK", "")
	t.Setenv("BUYLINK_LOCAL", "")
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dead := closedPort(t)
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown stack file", []string{"monitor", "--queues", "--stack", filepath.Join(dir, "nope.json")}, 1, "nope.json does not exist (make it with `pulumi stack output --json"},
		{"stack file not JSON", []string{"dlq", "list", "--stack", write("bad.json", "Current stack outputs (3):")}, 1, "is not the JSON object `pulumi stack output --json` prints"},
		{"stack key of the wrong type", []string{"dlq", "list", "--stack", write("type.json", `{"queueUrls":"https://sqs.eu-west-1.amazonaws.com/1/q"}`)}, 1, `key "queueUrls": json: cannot unmarshal string`},
		{"stack key not a URL", []string{"dlq", "list", "--stack", write("url.json", `{"queueUrls":{"caption-parser":"buylink-caption-parser"}}`)}, 1, `key "queueUrls", worker "caption-parser": "buylink-caption-parser" is not an http(s) URL`},
		{"stack without the key a command needs", []string{"monitor", "--errors", "--stack", write("nologs.json", `{"region":"eu-west-1","queueUrls":{"a":"https://sqs.eu-west-1.amazonaws.com/123456789012/a"}}`), "--endpoint-url", "http://" + dead}, 1, `has no "logGroups": export "logGroups" from the stack, or pass --log-group NAME`},
		{"no target", []string{"dlq", "list"}, 1, "no target: pass --stack FILE"},
		{"no region", []string{"monitor", "--services", "--stack", write("noregion.json", `{"url":"https://shop.example.com"}`)}, 1, `no AWS region: add "region" to the stack output file, pass --region, or set AWS_REGION`},
		{"unknown flag", []string{"monitor", "--queue"}, 2, "unknown flag: --queue"},
		{"unknown command", []string{"moniter"}, 1, `unknown command "moniter"`},
		{"bad interval", []string{"monitor", "--interval", "10ms", "--local", "http://" + dead}, 2, "--interval must be at least 1s"},
		{"redrive without a worker", []string{"dlq", "redrive", "--local", "http://" + dead}, 2, "name the worker with --worker NAME, or pass --all"},
		{"local URL not a URL", []string{"monitor", "--queues", "--local", "localhost:8080"}, 1, `--local "localhost:8080" is not an http(s) URL`},
		{"devstack unreachable", []string{"monitor", "--queues", "--local", "http://" + dead}, 1, "devstack at http://" + dead + " does not answer (is `make dev` running?)"},
		{"devstack unreachable, live view", []string{"monitor", "--frames", "3", "--local", "http://" + dead}, 1, "nothing could be read from devstack"},
		{"AWS endpoint unreachable", []string{"dlq", "list", "--queue-url", "caption-parser=https://sqs.eu-west-1.amazonaws.com/123456789012/q", "--dlq-url", "caption-parser=https://sqs.eu-west-1.amazonaws.com/123456789012/q-dlq", "--endpoint-url", "http://" + dead}, 1, "SQS GetQueueAttributes https://sqs.eu-west-1.amazonaws.com/123456789012/q-dlq: "},
		{"ingest without a token", []string{"ingest", "https://www.tiktok.com/@a/video/1", "--seller", "a", "--local", "http://" + dead, "--token", ""}, 1, "no token: pass --token or set BUYLINK_TOKEN"},
		{"ingest with URL and file", []string{"ingest", "https://www.tiktok.com/@a/video/1", "--file", "x.csv"}, 2, "give either a video URL or --file EXPORT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := run(t, "", c.args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d (want %d), stderr:\n%s\nwant it to contain %q (stdout %q)", code, c.code, errOut, c.want, out)
			}
			if !strings.HasPrefix(errOut, "buylink: ") && !strings.Contains(errOut, "\nbuylink: ") {
				t.Fatalf("the error is not a buylink: line: %q", errOut)
			}
		})
	}
}

func TestMissingAWSCredentials(t *testing.T) {
	awsEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	stack := stackFile(t, map[string]any{"region": "eu-west-1", "queueUrls": map[string]string{"caption-parser": "https://sqs.eu-west-1.amazonaws.com/123456789012/q"}})
	_, errOut, code := run(t, "", "monitor", "--queues", "--stack", stack)
	if code != 1 || !strings.Contains(errOut, "AWS credentials are not available: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestStackOutputsAcceptArraysAndIgnoreOtherKeys(t *testing.T) {
	p := stackFile(t, map[string]any{
		"url": "https://shop.example.com", "dashboardUrl": "https://console.aws.amazon.com/cloudwatch/home", "alarmTopicArn": "arn:aws:sns:eu-west-1:1:alarms",
		"serviceNames": []string{"buylink-product-service"}, "functionNames": map[string]string{"caption-parser": "buylink-caption-parser-0a1b"},
		"logGroups": nil,
	})
	o, err := LoadOutputs(p)
	if err != nil {
		t.Fatal(err)
	}
	if o.URL != "https://shop.example.com" || o.ServiceNames["buylink-product-service"] != "buylink-product-service" ||
		o.FunctionNames["caption-parser"] != "buylink-caption-parser-0a1b" || len(o.LogGroups) != 0 {
		t.Fatalf("outputs %+v", o)
	}
	if r := regionOf("https://sqs.ap-southeast-2.amazonaws.com/123/q"); r != "ap-southeast-2" {
		t.Fatalf("region %q", r)
	}
}

func TestHashPassword(t *testing.T) {
	out, errOut, code := run(t, "correct horse battery staple\n", "admin", "hash-password")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	hash := []byte(strings.TrimSpace(out))
	if err := bcrypt.CompareHashAndPassword(hash, []byte("correct horse battery staple")); err != nil {
		t.Fatalf("hash %s does not verify: %v", hash, err)
	}
	if cost, _ := bcrypt.Cost(hash); cost != 12 {
		t.Fatalf("cost %d, want 12", cost)
	}
	// CRLF line ends are not part of the password either.
	out, _, _ = run(t, "pässwörd\r\n", "admin", "hash-password")
	if bcrypt.CompareHashAndPassword([]byte(strings.TrimSpace(out)), []byte("pässwörd")) != nil {
		t.Fatal("CRLF-terminated password hashed with its line end")
	}
	// 72 bytes pass, 73 do not; an empty one neither.
	if _, errOut, code := run(t, strings.Repeat("a", 72), "admin", "hash-password"); code != 0 {
		t.Fatalf("72 bytes refused: %s", errOut)
	}
	long := strings.Repeat("é", 37) // 74 bytes, 37 characters
	_, errOut, code = run(t, long+"\n", "admin", "hash-password")
	if code != 1 || !strings.Contains(errOut, "the password is 74 bytes; bcrypt uses only the first 72") {
		t.Fatalf("long password: exit %d %s", code, errOut)
	}
	if _, errOut, code := run(t, "\n", "admin", "hash-password"); code != 1 || !strings.Contains(errOut, "the password is empty") {
		t.Fatalf("empty password: exit %d %s", code, errOut)
	}
	if _, _, code := run(t, "x\n", "admin", "hash-password", "extra"); code != 2 {
		t.Fatalf("extra argument: exit %d", code)
	}
}

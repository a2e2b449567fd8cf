package thumbgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/buylink/buylink/services/thumbnail-generator/internal/vision"
)

// attackPlan is what attackJob tries from inside the child.
type attackPlan struct {
	Read    []string `json:"read"`
	Write   []string `json:"write"`
	Connect string   `json:"connect"`
}

// attackReport is what each attempt gave: "ok" or the error.
type attackReport struct {
	Read    map[string]string `json:"read"`
	Write   map[string]string `json:"write"`
	Connect string            `json:"connect"`
	Socket  string            `json:"socket"`
	Env     []string          `json:"env"`
}

// The test binary is the child (TestMain calls MaybeRunChild): this job
// kind exists in it only, and does what a decoder taken over by a hostile
// file would try. Its plan is its one input.
func init() {
	jobKinds["attack"] = attackJob
	jobKinds["hog"] = func(job, *vision.Detector) (jobResult, error) {
		var keep [][]byte
		for range 64 { // 4 GiB, touched
			b := make([]byte, 64<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			keep = append(keep, b)
		}
		return jobResult{Candidates: len(keep)}, nil
	}
}

func attackJob(j job, _ *vision.Detector) (jobResult, error) {
	var plan attackPlan
	b, err := os.ReadFile(j.Inputs[0])
	if err == nil {
		err = json.Unmarshal(b, &plan)
	}
	if err != nil {
		return jobResult{}, fmt.Errorf("read the plan: %w", err)
	}
	outcome := func(err error) string {
		if err != nil {
			return err.Error()
		}
		return "ok"
	}
	rep := attackReport{Read: map[string]string{}, Write: map[string]string{}, Env: os.Environ()}
	for _, p := range plan.Read {
		_, err := os.ReadFile(p)
		rep.Read[p] = outcome(err)
	}
	for _, p := range plan.Write {
		rep.Write[p] = outcome(os.WriteFile(p, []byte("from the child"), 0o600))
	}
	c, err := net.DialTimeout("tcp", plan.Connect, 2*time.Second)
	if err == nil {
		_ = c.Close()
	}
	rep.Connect = outcome(err)
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		_ = syscall.Close(fd)
	}
	rep.Socket = outcome(err)
	out, err := json.Marshal(rep)
	return jobResult{Note: string(out)}, err
}

// TestChildSandbox runs the child through its real entry point (limits,
// ready signal, job on stdin, confinement) on a job that attacks: the child
// sees none of the parent's environment, reads only its input, writes only
// its output directory, cannot read the parent's files or
// /proc/<parent>/environ, and cannot reach 127.0.0.1.
func TestChildSandbox(t *testing.T) {
	t.Setenv("BUYLINK_PARENT_SECRET", "s3cr3t")
	parentDir := t.TempDir()
	secret := filepath.Join(parentDir, "parent-secret.txt")
	if err := os.WriteFile(secret, []byte("do not read"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	var accepted atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_ = c.Close()
		}
	}()
	work := t.TempDir()
	out := filepath.Join(work, "out")
	if err := os.Mkdir(out, 0o700); err != nil {
		t.Fatal(err)
	}
	planPath := filepath.Join(work, "plan.json")
	environ := fmt.Sprintf("/proc/%d/environ", os.Getpid())
	plan := attackPlan{
		Read:    []string{planPath, secret, environ, "/etc/hostname"},
		Write:   []string{filepath.Join(out, "allowed.txt"), filepath.Join(parentDir, "planted.txt"), filepath.Join(work, "beside-output.txt")},
		Connect: ln.Addr().String(),
	}
	b, _ := json.Marshal(plan)
	if err := os.WriteFile(planPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	lim := Limits{}.withDefaults()
	p, err := startChild(exe, lim, "")
	if err != nil {
		t.Fatal(err)
	}
	run, err := p.run(t.Context(), lim, job{Kind: "attack", Inputs: []string{planPath}, OutDir: out})
	if err != nil {
		t.Fatalf("the attack job did not run: %v", err)
	}
	var rep attackReport
	if err := json.Unmarshal([]byte(run.result.Note), &rep); err != nil {
		t.Fatalf("report %q: %v", run.result.Note, err)
	}
	if sb := run.result.Sandbox; sb == nil || sb.LandlockABI < 1 {
		t.Fatalf("the child reports no Landlock (%+v): this kernel should confine it", sb)
	}
	if !slices.Equal(rep.Env, childEnv) {
		t.Errorf("child environment %q, want only %q", rep.Env, childEnv)
	}
	denied := func(what, outcome string) {
		t.Helper()
		if !strings.Contains(outcome, "permission denied") && !strings.Contains(outcome, "operation not permitted") {
			t.Errorf("%s: %s, want it refused", what, outcome)
		}
	}
	if got := rep.Read[planPath]; got != "ok" {
		t.Errorf("reading its own input: %s", got)
	}
	denied("reading a file of the parent", rep.Read[secret])
	denied("reading "+environ, rep.Read[environ])
	denied("reading /etc/hostname", rep.Read["/etc/hostname"])
	if got := rep.Write[plan.Write[0]]; got != "ok" {
		t.Errorf("writing into its output directory: %s", got)
	}
	denied("planting a file in the parent's directory", rep.Write[plan.Write[1]])
	denied("writing beside its output directory", rep.Write[plan.Write[2]])
	denied("connecting to "+plan.Connect, rep.Connect)
	denied("opening a unix socket", rep.Socket)
	if _, err := os.Stat(filepath.Join(parentDir, "planted.txt")); err == nil {
		t.Error("the child planted a file in the parent's directory")
	}
	time.Sleep(50 * time.Millisecond)
	if n := accepted.Load(); n != 0 {
		t.Errorf("the listener on 127.0.0.1 accepted %d connections from the child", n)
	}
}

// A job that takes more memory than Limits.Memory is stopped by RLIMIT_AS
// in the child: a permanent failure of that job alone.
func TestChildMemoryLimit(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	lim := Limits{Memory: 256 << 20}.withDefaults()
	p, err := startChild(exe, lim, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.run(t.Context(), lim, job{Kind: "hog", OutDir: t.TempDir()})
	// The Go runtime reports "out of memory" (under -race: "address space
	// collisions") and exits: the job fails, with no result.
	if !errors.Is(err, errChildFailed) || !strings.Contains(err.Error(), "without a result") {
		t.Fatalf("want the child stopped by its memory limit, got %v", err)
	}
	t.Logf("%v", err)
}

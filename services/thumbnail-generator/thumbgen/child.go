package thumbgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ChildCommand is the first argument that makes a binary run as the
// decoding child instead of its usual self (see MaybeRunChild).
const ChildCommand = "__thumbnail-child"

// Exit codes of the child besides 0.
const (
	exitRejected = 10 // the input cannot be used: a permanent failure
	exitInternal = 11 // the child could not work (bad job, I/O): retryable
)

// Limits bound one child process.
type Limits struct {
	// Memory is the address space the child may add to what it has at start
	// (RLIMIT_AS; default 1 GiB).
	Memory int64
	// CPU is the child's CPU time (RLIMIT_CPU; default 60s).
	CPU time.Duration
	// Wall is the wall-clock time before the child is killed (default 90s).
	Wall time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.Memory <= 0 {
		l.Memory = 1 << 30
	}
	if l.CPU <= 0 {
		l.CPU = 60 * time.Second
	}
	if l.Wall <= 0 {
		l.Wall = 90 * time.Second
	}
	return l
}

// job is what the parent asks the child to do, as JSON on its stdin.
type job struct {
	// Kind is "video" (Inputs[0] is an MP4), "images" (Inputs are images) or
	// "model" (only load and check ModelPath).
	Kind      string   `json:"kind"`
	Inputs    []string `json:"inputs"`
	OutDir    string   `json:"outDir"`
	Count     int      `json:"count"`
	ModelPath string   `json:"modelPath,omitempty"`
}

// Probe describes the decoded video.
type Probe struct {
	DurationMS int64   `json:"durationMs"`
	FPS        float64 `json:"fps"`
	Width      int     `json:"width"`
	Height     int     `json:"height"`
	Keyframes  int     `json:"keyframes"`
	Codec      string  `json:"codec"`
	// Sampling is "keyframes" (each candidate a keyframe reached by a seek)
	// or "sequential" (a short video decoded once, candidates picked on the way).
	Sampling string `json:"sampling"`
}

// thumbFile is one thumbnail the child wrote.
type thumbFile struct {
	File    string  `json:"file"`
	FrameMS int64   `json:"frameMs"`
	Score   float64 `json:"score"`
	Label   string  `json:"label,omitempty"`
}

// jobResult is the child's answer, as JSON on its stdout.
type jobResult struct {
	Probe      *Probe      `json:"probe,omitempty"`
	Thumbs     []thumbFile `json:"thumbs"`
	Candidates int         `json:"candidates"`
	Note       string      `json:"note,omitempty"`
	Error      string      `json:"error,omitempty"`
}

// MaybeRunChild runs the decoding child and exits when the process was
// started as one (os.Args[1] == ChildCommand); otherwise it returns at once.
// Every binary that hosts the thumbnail generator calls it first thing in
// main, because the generator re-executes its own binary (os.Executable) as
// the child.
func MaybeRunChild() {
	if len(os.Args) < 2 || os.Args[1] != ChildCommand {
		return
	}
	os.Exit(childMain(os.Args[2:], os.Stdin, os.Stdout))
}

// childMain applies the resource limits named by the arguments, then runs
// the job read from stdin and writes the result to stdout.
func childMain(args []string, stdin io.Reader, stdout io.Writer) int {
	if err := applyLimits(args); err != nil {
		fmt.Fprintln(os.Stderr, "thumbnail child:", err)
		return exitInternal
	}
	var j job
	if err := json.NewDecoder(io.LimitReader(stdin, 1<<20)).Decode(&j); err != nil {
		fmt.Fprintln(os.Stderr, "thumbnail child: bad job:", err)
		return exitInternal
	}
	res, err := runJob(j)
	code := 0
	if err != nil {
		var rej rejection
		if !errors.As(err, &rej) {
			fmt.Fprintln(os.Stderr, "thumbnail child:", err)
			return exitInternal
		}
		res, code = jobResult{Error: err.Error()}, exitRejected
	}
	if err := json.NewEncoder(stdout).Encode(res); err != nil {
		return exitInternal
	}
	return code
}

// rejection is an error caused by the input: retrying cannot help.
type rejection struct{ error }

func reject(format string, args ...any) error { return rejection{fmt.Errorf(format, args...)} }

// applyLimits sets RLIMIT_AS to the current address space plus "mem=" bytes
// and RLIMIT_CPU to "cpu=" seconds (SIGKILL two seconds later).
func applyLimits(args []string) error {
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return fmt.Errorf("bad limit %q", a)
		}
		switch k {
		case "mem":
			vsz, err := addressSpace()
			if err != nil {
				return err
			}
			lim := vsz + n
			if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: lim, Max: lim}); err != nil {
				return fmt.Errorf("set RLIMIT_AS: %w", err)
			}
		case "cpu":
			if err := syscall.Setrlimit(syscall.RLIMIT_CPU, &syscall.Rlimit{Cur: n, Max: n + 2}); err != nil {
				return fmt.Errorf("set RLIMIT_CPU: %w", err)
			}
		default:
			return fmt.Errorf("unknown limit %q", a)
		}
	}
	return nil
}

// addressSpace returns the process's current virtual size (VmSize).
func addressSpace() (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmSize:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmSize in /proc/self/status")
}

// childRun is the outcome of one child process.
type childRun struct {
	result jobResult
	// PeakRSS is the child's maximum resident set size in bytes.
	PeakRSS int64
	Elapsed time.Duration
}

// errChildFailed marks a child that crashed, was killed by a limit or
// rejected its input: the input is at fault, so the failure is permanent.
var errChildFailed = errors.New("decoding failed")

// runChild runs exe as the child on j under lim. A child that rejects the
// input, crashes or exceeds a limit gives an error wrapping errChildFailed;
// other errors (the child could not start or work) are worth a retry.
func runChild(ctx context.Context, exe string, lim Limits, j job) (childRun, error) {
	in, err := json.Marshal(j)
	if err != nil {
		return childRun{}, err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, lim.Wall)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, ChildCommand,
		"mem="+strconv.FormatInt(lim.Memory, 10), "cpu="+strconv.FormatInt(int64(lim.CPU/time.Second)+1, 10))
	cmd.Env = childEnv()
	cmd.Stdin = bytes.NewReader(in)
	var stdout bytes.Buffer
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &limitedWriter{w: &stdout, n: 1 << 20}, &limitedWriter{w: &stderr, n: 4 << 10}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	runErr := cmd.Run()
	run := childRun{Elapsed: time.Since(start)}
	if cmd.ProcessState == nil {
		return run, fmt.Errorf("start the decoding child %s: %w", exe, runErr)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		run.PeakRSS = ru.Maxrss << 10
	}
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	detail := firstLine(stderr.String())
	switch {
	case parent.Err() != nil:
		return run, fmt.Errorf("decoding child stopped: %w", parent.Err())
	case ctx.Err() != nil:
		return run, fmt.Errorf("%w: the decoder took longer than %s and was killed", errChildFailed, lim.Wall)
	case ws.Signaled():
		return run, fmt.Errorf("%w: the decoder was killed by %s (memory %d MiB, CPU %s limits)%s",
			errChildFailed, ws.Signal(), lim.Memory>>20, lim.CPU, suffix(detail))
	case ws.ExitStatus() == exitInternal:
		return run, fmt.Errorf("the decoding child could not work%s", suffix(detail))
	}
	if err := json.Unmarshal(stdout.Bytes(), &run.result); err != nil {
		return run, fmt.Errorf("%w: the decoder exited with status %d without a result%s", errChildFailed, ws.ExitStatus(), suffix(detail))
	}
	if ws.ExitStatus() == exitRejected {
		return run, fmt.Errorf("%w: %s", errChildFailed, run.result.Error)
	}
	if ws.ExitStatus() != 0 {
		return run, fmt.Errorf("%w: the decoder exited with status %d%s", errChildFailed, ws.ExitStatus(), suffix(detail))
	}
	return run, nil
}

// childEnv is the child's whole environment: none of the parent's
// credentials reach the process that parses untrusted media.
func childEnv() []string {
	env := []string{
		"MALLOC_ARENA_MAX=2",                  // bounded glibc arenas keep the address space predictable
		"OPENCV_FOR_THREADS_NUM=2",            // OpenCV's thread pool
		"OPENCV_IO_MAX_IMAGE_PIXELS=50000000", // refuse decompression bombs
		"GOMAXPROCS=2",
	}
	for _, k := range []string{"PATH", "TMPDIR", "GOCOVERDIR", "GORACE"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// firstLine is the first non-blank line of a child's stderr: the panic,
// fatal error or exception message, without the stack that follows.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}

func suffix(detail string) string {
	if detail == "" {
		return ""
	}
	return ": " + detail
}

// limitedWriter keeps the first n bytes and drops the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n <= 0 {
		return len(p), nil
	}
	q := p[:min(len(p), l.n)]
	l.n -= len(q)
	if _, err := l.w.Write(q); err != nil {
		return 0, err
	}
	return len(p), nil
}

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

	"github.com/buylink/buylink/services/thumbnail-generator/internal/vision"
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

// job is what the parent asks the child to do, as JSON on its stdin. The
// child may read Inputs and write into OutDir, nothing else.
type job struct {
	// Kind names the work in jobKinds: "video" (Inputs[0] is an MP4),
	// "images" (Inputs are images) or "model" (nothing: the model the child
	// was started with loaded).
	Kind   string   `json:"kind"`
	Inputs []string `json:"inputs"`
	OutDir string   `json:"outDir"`
	Count  int      `json:"count"`
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
	Sandbox    *Sandbox    `json:"sandbox,omitempty"`
}

// readyFD is the child's file descriptor 3: one byte written to it says the
// child has started (libraries loaded, limits set, model read) and waits
// for its job on stdin.
const readyFD = 3

// MaybeRunChild runs the decoding child and exits when the process was
// started as one (os.Args[1] == ChildCommand); otherwise it returns at once.
// Every binary that hosts the thumbnail generator calls it first thing in
// main, because the generator re-executes its own binary (os.Executable) as
// the child.
func MaybeRunChild() {
	if len(os.Args) < 2 || os.Args[1] != ChildCommand {
		return
	}
	os.Exit(childMain(os.Args[2:], os.Stdin, os.Stdout, os.NewFile(readyFD, "ready")))
}

// childMain applies the resource limits named by the arguments, loads the
// model ("model=" argument) and warms up (warmUp), says it is ready, reads its job from stdin,
// confines itself to that job (confine) and runs it, writing the result to
// stdout.
func childMain(args []string, stdin io.Reader, stdout io.Writer, ready io.WriteCloser) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "thumbnail child: "+format+"\n", a...)
		return exitInternal
	}
	var det *vision.Detector
	for _, a := range args {
		if path, ok := strings.CutPrefix(a, "model="); ok {
			d, err := vision.LoadDetector(path)
			if err != nil {
				return fail("load model: %v", err)
			}
			defer d.Close()
			det = d
		} else if err := applyLimit(a); err != nil {
			return fail("%v", err)
		}
	}
	if ready == nil {
		return fail("no ready pipe on descriptor %d", readyFD)
	}
	if err := warmUp(); err != nil {
		return fail("warm up: %v", err)
	}
	_, err := ready.Write([]byte{1})
	_ = ready.Close()
	if err != nil {
		return fail("report ready: %v", err)
	}
	var j job
	if err := json.NewDecoder(io.LimitReader(stdin, 1<<20)).Decode(&j); err != nil {
		return fail("bad job: %v", err)
	}
	sb, err := confine(j)
	if err != nil {
		return fail("sandbox: %v", err)
	}
	work, ok := jobKinds[j.Kind]
	if !ok {
		return fail("unknown job kind %q", j.Kind)
	}
	res, err := work(j, det)
	code := 0
	if err != nil {
		var rej rejection
		if !errors.As(err, &rej) {
			return fail("%v", err)
		}
		res, code = jobResult{Error: err.Error()}, exitRejected
	}
	res.Sandbox = &sb
	if err := json.NewEncoder(stdout).Encode(res); err != nil {
		return exitInternal
	}
	return code
}

// rejection is an error caused by the input: retrying cannot help.
type rejection struct{ error }

func reject(format string, args ...any) error { return rejection{fmt.Errorf(format, args...)} }

// applyLimit sets RLIMIT_AS to the current address space plus "mem=" bytes
// or RLIMIT_CPU to "cpu=" seconds (SIGKILL two seconds later).
func applyLimit(a string) error {
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
	// Elapsed runs from the hand-over of the job to the child's exit.
	Elapsed time.Duration
}

// errChildFailed marks a child that crashed, was killed by a limit or
// rejected its input: the input is at fault, so the failure is permanent.
var errChildFailed = errors.New("decoding failed")

// errNotReady marks a child that died before it could take its job.
var errNotReady = errors.New("the decoding child did not start")

// childProc is a started decoding child: libraries loading or loaded,
// limits set, waiting for its one job.
type childProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout bytes.Buffer
	stderr bytes.Buffer
	// ready receives nil once the child reported ready, or why it did not.
	ready chan error
	// exited is closed when the child has exited and been reaped.
	exited chan struct{}
}

// startChild starts exe as a decoding child under lim, loading modelPath
// (if any) before it reports ready. It returns at once: the child loads its
// libraries while the caller goes on.
func startChild(exe string, lim Limits, modelPath string) (*childProc, error) {
	args := []string{ChildCommand, "mem=" + strconv.FormatInt(lim.Memory, 10), "cpu=" + strconv.FormatInt(int64(lim.CPU/time.Second)+1, 10)}
	if modelPath != "" {
		args = append(args, "model="+modelPath)
	}
	p := &childProc{cmd: exec.Command(exe, args...), ready: make(chan error, 1), exited: make(chan struct{})}
	p.cmd.Env = childEnv
	p.cmd.Dir = "/"
	p.cmd.Stdout = &limitedWriter{w: &p.stdout, n: 1 << 20}
	p.cmd.Stderr = &limitedWriter{w: &p.stderr, n: 4 << 10}
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdin, err := p.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	p.stdin = stdin
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p.cmd.ExtraFiles = []*os.File{readyW} // descriptor 3 in the child
	err = p.cmd.Start()
	_ = readyW.Close()
	if err != nil {
		_ = readyR.Close()
		return nil, fmt.Errorf("start the decoding child %s: %w", exe, err)
	}
	go func() {
		var b [1]byte
		_, err := readyR.Read(b[:])
		_ = readyR.Close()
		if err != nil {
			err = errNotReady
		}
		p.ready <- err
	}()
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// kill stops the child and everything it started, and waits for it.
func (p *childProc) kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.exited
}

// run hands j to the child and waits for its result, for at most lim.Wall
// (from the call, so a warm child has all of it for the job).
// A child that rejects the input, crashes or exceeds a limit gives an error
// wrapping errChildFailed; other errors (the child could not start or work)
// are worth a retry.
func (p *childProc) run(ctx context.Context, lim Limits, j job) (childRun, error) {
	in, err := json.Marshal(j)
	if err != nil {
		p.kill()
		return childRun{}, err
	}
	start := time.Now()
	wall := time.NewTimer(lim.Wall)
	defer wall.Stop()
	var stopped error
	select {
	case err = <-p.ready:
	case <-wall.C:
		p.kill()
		return childRun{}, fmt.Errorf("%w: the decoder took longer than %s and was killed", errChildFailed, lim.Wall)
	case <-ctx.Done():
		p.kill()
		return childRun{}, fmt.Errorf("decoding child stopped: %w", ctx.Err())
	}
	if err != nil {
		<-p.exited
		return childRun{}, fmt.Errorf("%w: %s%s", errNotReady, p.cmd.ProcessState, suffix(firstLine(p.stderr.String())))
	}
	_, _ = p.stdin.Write(in) // a child that died is seen below
	_ = p.stdin.Close()
	select {
	case <-p.exited:
	case <-wall.C:
		p.kill()
		stopped = fmt.Errorf("%w: the decoder took longer than %s and was killed", errChildFailed, lim.Wall)
	case <-ctx.Done():
		p.kill()
		stopped = fmt.Errorf("decoding child stopped: %w", ctx.Err())
	}
	run := childRun{Elapsed: time.Since(start)}
	st := p.cmd.ProcessState
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		run.PeakRSS = ru.Maxrss << 10
	}
	if stopped != nil {
		return run, stopped
	}
	ws, _ := st.Sys().(syscall.WaitStatus)
	detail := firstLine(p.stderr.String())
	switch {
	case ws.Signaled():
		return run, fmt.Errorf("%w: the decoder was killed by %s (memory %d MiB, CPU %s limits)%s",
			errChildFailed, ws.Signal(), lim.Memory>>20, lim.CPU, suffix(detail))
	case ws.ExitStatus() == exitInternal:
		return run, fmt.Errorf("the decoding child could not work%s", suffix(detail))
	}
	if err := json.Unmarshal(p.stdout.Bytes(), &run.result); err != nil {
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

// childEnv is the child's whole environment: nothing of the parent's (no
// credentials, no proxy or path settings), only fixed tunables that must be
// set before the child's libraries load.
var childEnv = []string{
	"MALLOC_ARENA_MAX=2",                  // bounded glibc arenas keep the address space predictable
	"OPENCV_FOR_THREADS_NUM=2",            // OpenCV's thread pool
	"OPENCV_IO_MAX_IMAGE_PIXELS=50000000", // refuse decompression bombs
	"GOMAXPROCS=2",
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

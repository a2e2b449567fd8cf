package thumbgen

import (
	"fmt"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/landlock-lsm/go-landlock/landlock"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// Sandbox describes how the decoding child was confined.
type Sandbox struct {
	// LandlockABI is the Landlock ABI version the kernel enforced (0: the
	// kernel has no Landlock, and the filesystem is not confined).
	LandlockABI int `json:"landlockAbi"`
}

// deniedSyscalls fail with EPERM in the child, on every thread. The child
// parses hostile media: it needs files already open to it, memory and
// threads, never the network, other processes or the kernel's wider
// interfaces.
var deniedSyscalls = []string{
	// No network: no socket of any family, local ones included.
	"socket", "socketpair",
	// io_uring can open sockets and files past the rules below.
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	// No access to other processes' memory or files.
	"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
	// No other program.
	"execve", "execveat",
	// No kernel keyrings, BPF, perf events or userfaultfd.
	"keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
	// No namespaces or mounts.
	"unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
	"open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
}

// confine limits the child to its job once the job is known: Landlock lets
// it read only the job's inputs and write only its output directory, make
// no TCP connection or bind, and signal no process outside its domain (as
// far as the kernel's Landlock ABI goes; none where the kernel lacks it);
// then a seccomp filter refuses deniedSyscalls. Both hold for every thread,
// the ones started later included, and cannot be lifted.
func confine(j job) (Sandbox, error) {
	abi, err := llsys.LandlockGetABIVersion()
	if err != nil {
		abi = 0
	}
	var rules []landlock.Rule
	if j.OutDir != "" {
		rules = append(rules, landlock.RWDirs(j.OutDir))
	}
	if len(j.Inputs) > 0 {
		rules = append(rules, landlock.ROFiles(j.Inputs...))
	}
	if err := landlock.V7.BestEffort().Restrict(rules...); err != nil {
		return Sandbox{}, fmt.Errorf("landlock: %w", err)
	}
	filter := seccomp.Filter{
		NoNewPrivs: true,
		Flag:       seccomp.FilterFlagTSync,
		Policy: seccomp.Policy{
			DefaultAction: seccomp.ActionAllow,
			Syscalls:      []seccomp.SyscallGroup{{Action: seccomp.ActionErrno, Names: deniedSyscalls}},
		},
	}
	if err := seccomp.LoadFilter(filter); err != nil {
		return Sandbox{}, fmt.Errorf("seccomp: %w", err)
	}
	return Sandbox{LandlockABI: abi}, nil
}

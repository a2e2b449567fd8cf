package testservers

import "syscall"

// sysProcAttr makes the kernel kill a server when the test process dies,
// so a crashed or timed-out test leaves nothing running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

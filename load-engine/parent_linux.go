//go:build linux

package main

import "syscall"

// dieWithParent asks the kernel to SIGTERM this process when the harness dies, so a SIGKILLed run
// never leaves its load generator sending.
func dieWithParent() {
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
}

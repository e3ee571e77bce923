// pause_arm64.S: the code of dockercri's built-in pause program for linux/arm64.
//
// The bytes in ../arm64code.go are this file assembled; regenerate or verify with
// GNU binutils for aarch64 (Debian package binutils-aarch64-linux-gnu):
//
//   aarch64-linux-gnu-as -o /tmp/pause_arm64.o pause_arm64.S
//   aarch64-linux-gnu-objdump -d /tmp/pause_arm64.o   # listing, as copied into arm64code.go
//   aarch64-linux-gnu-objcopy -O binary -j .text /tmp/pause_arm64.o /tmp/pause_arm64.bin
//   od -An -tx1 -v /tmp/pause_arm64.bin               # = arm64Code followed by the sigset
//
// TestCodeMatchesAssembly in ../pause_test.go runs these commands when the
// tools are installed and compares the result with what Binary("arm64") holds;
// TestArm64UnderQemu runs the binary with qemu-aarch64-static (Debian package
// qemu-user-static) when that is installed.
//
// The program is position independent (the sigset is addressed PC-relative with
// adr) and needs no stack. Linux/arm64 (generic) system call numbers:
// rt_sigprocmask 135, rt_sigtimedwait 137, wait4 260, exit_group 94.
// Signals: SIGINT 2, SIGTERM 15, SIGCHLD 17.

	.text
	.globl	_start
_start:
	// rt_sigprocmask(SIG_BLOCK, &set, NULL, sizeof(set)): block the signals we
	// wait for, so that they are queued even though we are a pid-namespace init
	// without handlers.
	mov	x0, #0			// SIG_BLOCK
	adr	x1, set
	mov	x2, #0
	mov	x3, #8
	mov	x8, #135
	svc	#0
wait:
	// sig = rt_sigtimedwait(&set, NULL, NULL, sizeof(set)): sleep until one of
	// the signals in set is pending and take it.
	adr	x0, set
	mov	x1, #0
	mov	x2, #0
	mov	x3, #8
	mov	x8, #137
	svc	#0
	cmp	x0, #17			// SIGCHLD
	b.eq	reap
	cmp	x0, #15			// SIGTERM
	b.eq	quit
	cmp	x0, #2			// SIGINT
	b.eq	quit
	b	wait			// -EINTR and other errors: wait again
reap:
	// wait4(-1, NULL, WNOHANG, NULL) until it reaps nobody (0) or fails
	// (-ECHILD); -EINTR retries.
	mov	x0, #-1
	mov	x1, #0
	mov	x2, #1			// WNOHANG
	mov	x3, #0
	mov	x8, #260
	svc	#0
	cmp	x0, #0
	b.gt	reap			// reaped a child: try the next one
	cmn	x0, #4			// -EINTR
	b.eq	reap
	b	wait
quit:
	// exit_group(0)
	mov	x0, #0
	mov	x8, #94
	svc	#0
set:
	// sigset_t (kernel size, 8 bytes): bit (signo-1) for SIGINT, SIGTERM, SIGCHLD.
	.quad	(1 << (2-1)) | (1 << (15-1)) | (1 << (17-1))

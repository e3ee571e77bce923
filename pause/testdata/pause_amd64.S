# pause_amd64.S: the code of dockercri's built-in pause program for linux/amd64.
#
# The bytes in ../amd64code.go are this file assembled; regenerate or verify with
# GNU binutils (Debian package binutils):
#
#   as --64 -o /tmp/pause_amd64.o pause_amd64.S
#   objdump -d /tmp/pause_amd64.o                  # listing, as copied into amd64code.go
#   objcopy -O binary -j .text /tmp/pause_amd64.o /tmp/pause_amd64.bin
#   od -An -tx1 -v /tmp/pause_amd64.bin            # = amd64Code followed by the sigset
#
# TestCodeMatchesAssembly in ../pause_test.go runs these commands when as and
# objcopy are installed and compares the result with what Binary("amd64") holds.
#
# The program runs at a fixed address (see pause.go), is position independent
# anyway (the sigset is addressed RIP-relative) and needs no stack.
# Linux/amd64 system call numbers: rt_sigprocmask 14, rt_sigtimedwait 128,
# wait4 61, exit_group 231. Signals: SIGINT 2, SIGTERM 15, SIGCHLD 17.

	.text
	.globl	_start
_start:
	# rt_sigprocmask(SIG_BLOCK, &set, NULL, sizeof(set)): block the signals we
	# wait for, so that they are queued even though we are a pid-namespace init
	# without handlers.
	mov	$14, %eax
	xor	%edi, %edi		# SIG_BLOCK = 0
	lea	set(%rip), %rsi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
wait:
	# sig = rt_sigtimedwait(&set, NULL, NULL, sizeof(set)): sleep until one of
	# the signals in set is pending and take it.
	mov	$128, %eax
	lea	set(%rip), %rdi
	xor	%esi, %esi
	xor	%edx, %edx
	mov	$8, %r10d
	syscall
	cmp	$17, %eax		# SIGCHLD
	je	reap
	cmp	$15, %eax		# SIGTERM
	je	quit
	cmp	$2, %eax		# SIGINT
	je	quit
	jmp	wait			# -EINTR and other errors: wait again
reap:
	# wait4(-1, NULL, WNOHANG, NULL) until it reaps nobody (0) or fails
	# (-ECHILD); -EINTR retries.
	mov	$61, %eax
	mov	$-1, %rdi
	xor	%esi, %esi
	mov	$1, %edx		# WNOHANG
	xor	%r10d, %r10d
	syscall
	test	%rax, %rax
	jg	reap			# reaped a child: try the next one
	cmp	$-4, %rax		# -EINTR
	je	reap
	jmp	wait
quit:
	# exit_group(0)
	mov	$231, %eax
	xor	%edi, %edi
	syscall
set:
	# sigset_t (kernel size, 8 bytes): bit (signo-1) for SIGINT, SIGTERM, SIGCHLD.
	.quad	(1 << (2-1)) | (1 << (15-1)) | (1 << (17-1))

package pause

// amd64Code is the machine code of testdata/pause_amd64.S (GNU as, AT&T
// syntax) up to, not including, the sigset that Binary appends right after it:
// both lea instructions address that sigset RIP-relative at offset 0x6f.
// testdata/pause_amd64.S says how to regenerate and verify these bytes.
//
// Each line: the bytes, their offset, the instruction (objdump -d) and what it
// is for.
var amd64Code = []byte{
	// _start: rt_sigprocmask(SIG_BLOCK, &set, NULL, 8)
	0xb8, 0x0e, 0x00, 0x00, 0x00, //             00: mov    $14,%eax         SYS_rt_sigprocmask
	0x31, 0xff, //                               05: xor    %edi,%edi        SIG_BLOCK
	0x48, 0x8d, 0x35, 0x61, 0x00, 0x00, 0x00, // 07: lea    set(%rip),%rsi   (0x6f)
	0x31, 0xd2, //                               0e: xor    %edx,%edx        oldset = NULL
	0x41, 0xba, 0x08, 0x00, 0x00, 0x00, //       10: mov    $8,%r10d         sigsetsize
	0x0f, 0x05, //                               16: syscall

	// wait: sig = rt_sigtimedwait(&set, NULL, NULL, 8)
	0xb8, 0x80, 0x00, 0x00, 0x00, //             18: mov    $128,%eax        SYS_rt_sigtimedwait
	0x48, 0x8d, 0x3d, 0x4b, 0x00, 0x00, 0x00, // 1d: lea    set(%rip),%rdi   (0x6f)
	0x31, 0xf6, //                               24: xor    %esi,%esi        info = NULL
	0x31, 0xd2, //                               26: xor    %edx,%edx        timeout = NULL
	0x41, 0xba, 0x08, 0x00, 0x00, 0x00, //       28: mov    $8,%r10d         sigsetsize
	0x0f, 0x05, //                               2e: syscall
	0x83, 0xf8, 0x11, //                         30: cmp    $17,%eax         SIGCHLD?
	0x74, 0x0c, //                               33: je     reap (0x41)
	0x83, 0xf8, 0x0f, //                         35: cmp    $15,%eax         SIGTERM?
	0x74, 0x2c, //                               38: je     quit (0x66)
	0x83, 0xf8, 0x02, //                         3a: cmp    $2,%eax          SIGINT?
	0x74, 0x27, //                               3d: je     quit (0x66)
	0xeb, 0xd7, //                               3f: jmp    wait (0x18)      -EINTR etc.

	// reap: wait4(-1, NULL, WNOHANG, NULL) while it returns > 0 or -EINTR
	0xb8, 0x3d, 0x00, 0x00, 0x00, //             41: mov    $61,%eax         SYS_wait4
	0x48, 0xc7, 0xc7, 0xff, 0xff, 0xff, 0xff, // 46: mov    $-1,%rdi         any child
	0x31, 0xf6, //                               4d: xor    %esi,%esi        wstatus = NULL
	0xba, 0x01, 0x00, 0x00, 0x00, //             4f: mov    $1,%edx          WNOHANG
	0x45, 0x31, 0xd2, //                         54: xor    %r10d,%r10d      rusage = NULL
	0x0f, 0x05, //                               57: syscall
	0x48, 0x85, 0xc0, //                         59: test   %rax,%rax
	0x7f, 0xe3, //                               5c: jg     reap (0x41)      reaped one: next
	0x48, 0x83, 0xf8, 0xfc, //                   5e: cmp    $-4,%rax         -EINTR?
	0x74, 0xdd, //                               62: je     reap (0x41)
	0xeb, 0xb2, //                               64: jmp    wait (0x18)      0 or -ECHILD

	// quit: exit_group(0)
	0xb8, 0xe7, 0x00, 0x00, 0x00, //             66: mov    $231,%eax        SYS_exit_group
	0x31, 0xff, //                               6b: xor    %edi,%edi        status 0
	0x0f, 0x05, //                               6d: syscall

	// set (0x6f): appended by Binary, see sigset.
}

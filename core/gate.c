/* The system-call gate: see gate.h. */
#include "gate.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
/* The System V call puts nr, a1..a5 in rdi, rsi, rdx, rcx, r8, r9 and a6
 * on the stack; the kernel wants nr in rax and the arguments in rdi, rsi,
 * rdx, r10, r8, r9.  It clobbers rcx and r11, which the caller does not
 * expect kept. */
__asm__(".pushsection ue_gate,\"ax\",@progbits\n"
        ".globl ue_gate_syscall6\n"
        ".hidden ue_gate_syscall6\n"
        ".type ue_gate_syscall6,@function\n"
        ".p2align 4\n"
        "ue_gate_syscall6:\n"
        "\tmovq %rdi, %rax\n"
        "\tmovq %rsi, %rdi\n"
        "\tmovq %rdx, %rsi\n"
        "\tmovq %rcx, %rdx\n"
        "\tmovq %r8, %r10\n"
        "\tmovq %r9, %r8\n"
        "\tmovq 8(%rsp), %r9\n"
        "\tsyscall\n"
        "\tret\n"
        ".size ue_gate_syscall6, .-ue_gate_syscall6\n"
        ".popsection\n"
        );
#else
#error "the system-call gate is written for x86-64 only"
#endif

/* The gate in use: the library's own, or its copy at UE_GATE_ADDR. */
static long (*gate)(long, long, long, long, long, long, long) = ue_gate_syscall6;

/* Weak: the unit tests' racer (tests/unit/racer.c) defines its own, which
 * calls the gate itself. */
__attribute__((weak)) long ue_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	return gate(nr, a1, a2, a3, a4, a5, a6);
}

/* The page is taken: by another copy of this library in the process (the
 * loader's audit module, LD_AUDIT, is a second copy with its own state,
 * set up first), whose gate is the same bytes.  Use it then; anything else
 * mapped there is not ours to jump into.  Read through the kernel, which
 * says EFAULT for a page that cannot be read instead of a fault. */
static int share_gate(size_t size)
{
	char have[UE_GATE_SIZE];
	struct iovec local = { have, size }, remote = { (void *)UE_GATE_ADDR, size };
	long pid = ue_gate_syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0);
	if (ue_gate_syscall6(SYS_process_vm_readv, pid, (long)&local, 1, (long)&remote, 1, 0) != (long)size ||
	    memcmp(have, __start_ue_gate, size))
		return -EEXIST;
	gate = (long (*)(long, long, long, long, long, long, long))UE_GATE_ADDR;
	return 0;
}

int ue_gate_fixed(void)
{
	size_t size = (size_t)(__stop_ue_gate - __start_ue_gate);
	if ((void *)gate == (void *)UE_GATE_ADDR)
		return 0;
	if (size > UE_GATE_SIZE)
		return -E2BIG;
	long at = ue_gate_syscall6(SYS_mmap, (long)UE_GATE_ADDR, UE_GATE_SIZE, PROT_READ | PROT_WRITE,
	                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (at == -EEXIST)
		return share_gate(size);
	if (at < 0 && at > -4096)
		return (int)at;
	if ((unsigned long)at != UE_GATE_ADDR) {
		/* a kernel before 4.17 takes NOREPLACE as a hint */
		ue_gate_syscall6(SYS_munmap, at, UE_GATE_SIZE, 0, 0, 0, 0);
		return -EEXIST;
	}
	memcpy((void *)UE_GATE_ADDR, __start_ue_gate, size);
	long r = ue_gate_syscall6(SYS_mprotect, (long)UE_GATE_ADDR, UE_GATE_SIZE, PROT_READ | PROT_EXEC, 0, 0, 0);
	if (r < 0) {
		ue_gate_syscall6(SYS_munmap, (long)UE_GATE_ADDR, UE_GATE_SIZE, 0, 0, 0, 0);
		return (int)r;
	}
	gate = (long (*)(long, long, long, long, long, long, long))UE_GATE_ADDR;
	return 0;
}

void ue_gate_reset(void)
{
	gate = ue_gate_syscall6;
}

/* The seccomp filter's program (docs/design.md, "The filter"): which
 * system calls go to the supervisor, which the filter answers itself,
 * which the kernel does alone.  Built here, attached by filter.c, run
 * through an interpreter by tests/supervisor/filter-check.c. */
#include "filter.h"
#include "gate.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>

#define X32_SYSCALL_BIT 0x40000000u

/* Answered by the filter: io_uring would carry paths and writes where no
 * notification sees them; libuv, tokio and liburing fall back to plain
 * calls on ENOSYS.  The *xattrat calls (6.13) likewise fall back. */
static const int answered_enosys[] = {
	__NR_io_uring_setup, 463 /* setxattrat */, 464 /* getxattrat */,
	465 /* listxattrat */, 466 /* removexattrat */,
	__NR_getdents,       /* the 32-bit-offset listing: glibc uses getdents64 */
};

#define N_ENOSYS (sizeof answered_enosys / sizeof *answered_enosys)

/* The gate's page (core/gate.h) as the two words of seccomp_data's
 * instruction_pointer, little-endian: the high word equal, the low one in
 * [lo, lo + size). */
#define IP_LO offsetof(struct seccomp_data, instruction_pointer)
#define IP_HI (IP_LO + 4)
#define GATE_HI ((unsigned)(UE_GATE_ADDR >> 32))
#define GATE_LO ((unsigned)(UE_GATE_ADDR & 0xffffffffu))
#define GATE_END ((unsigned)((UE_GATE_ADDR + UE_GATE_SIZE) & 0xffffffffu))

#define STMT(code, k) ((struct sock_filter)BPF_STMT((code), (k)))
#define JUMP(code, k, jt, jf) ((struct sock_filter)BPF_JUMP((code), (k), (jt), (jf)))

/* Jumps are relative to the next instruction, and only forward; a
 * conditional one reaches 255 instructions ahead (its jt and jf are a
 * byte each), the program is no longer than that (filter.h). */
static unsigned ahead(size_t from, size_t to) { return (unsigned)(to - from - 1); }

/* From prog[n] on: the answer ret, but for a call whose instruction
 * pointer lies in the gate's page when allow_gate (then allowed); the
 * index past it.  Jumps only go forward: the allow is its own. */
static size_t unless_from_gate(struct sock_filter *prog, size_t n, int allow_gate, unsigned ret)
{
	if (allow_gate) {
		prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, IP_HI);
		prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, GATE_HI, 0, 4);
		prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, IP_LO);
		prog[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, GATE_LO, 0, 2);
		prog[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, GATE_END, 1, 0);
		prog[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	prog[n++] = STMT(BPF_RET | BPF_K, ret);
	return n;
}

/* Only the call's number and architecture are read before a call is known
 * to be one of those sent or answered: for every other number the program
 * allows whatever the arguments and the instruction pointer, which the
 * kernel sees when the filter is attached (its seccomp action cache) and
 * from then on lets that call through without running the program.  The
 * gate's instruction-pointer test comes only after a call was found in
 * the list, else each call of the tree ran the whole program, read, mmap
 * and write included (about 200 ns a call here). */
size_t ue_filter_build(struct sock_filter *prog, int allow_gate, const int *calls, size_t ncalls,
                       const unsigned *ioctl_cmds, size_t nioctl)
{
	if (ncalls > UE_FILTER_MAX_CALLS || nioctl > UE_FILTER_MAX_IOCTLS)
		return 0;
	_Static_assert(3 + 3 + 2 * N_ENOSYS + UE_FILTER_MAX_CALLS + 2 + UE_FILTER_MAX_IOCTLS + 1 + 7 + 7 + 1 <=
	                   UE_FILTER_MAX_INSNS, "the longest program fits");
	size_t n = 0;
	/* Another architecture's calls (32-bit int 0x80, x32) cannot be served. */
	prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	size_t to_enosys_arch = n++;
	prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	/* x32 numbers carry a high bit: refuse them all. */
	prog[n++] = JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1);
	size_t to_enosys_x32 = n++;
	size_t enosys_jumps[N_ENOSYS];
	for (size_t i = 0; i < N_ENOSYS; i++) {
		prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)answered_enosys[i], 0, 1);
		enosys_jumps[i] = n++;
	}
	size_t list = n;
	for (size_t i = 0; i < ncalls; i++)
		prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)calls[i], 0, 0);
	/* ioctl: sent for the commands that change an inode through a
	 * read-only fd (serve_ioctl.c), by the low word of the command as the
	 * kernel takes it (an unsigned int); any other is the kernel's, and
	 * the many a terminal or a socket makes pay nothing more. */
	size_t is_ioctl = n++;
	prog[n++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1]));
	size_t cmds = n;
	for (size_t i = 0; i < nioctl; i++)
		prog[n++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, ioctl_cmds[i], 0, 0);
	size_t ret_allow = n++;
	/* A call sent to the supervisor or answered ENOSYS, unless it leaves
	 * from the gate's page: the preload's own, made for a call it has
	 * served already (its reads of xattrs by directory fd are the
	 * *xattrat calls, which it then has). */
	size_t sent = n;
	n = unless_from_gate(prog, n, allow_gate, SECCOMP_RET_USER_NOTIF);
	size_t refused = n;
	n = unless_from_gate(prog, n, allow_gate, SECCOMP_RET_ERRNO | ENOSYS);
	/* Another architecture's calls, from anywhere. */
	size_t ret_enosys = n++;
	prog[ret_allow] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog[ret_enosys] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	prog[to_enosys_arch] = STMT(BPF_JMP | BPF_JA, ahead(to_enosys_arch, ret_enosys));
	prog[to_enosys_x32] = STMT(BPF_JMP | BPF_JA, ahead(to_enosys_x32, ret_enosys));
	for (size_t i = 0; i < N_ENOSYS; i++)
		prog[enosys_jumps[i]] = STMT(BPF_JMP | BPF_JA, ahead(enosys_jumps[i], refused));
	for (size_t i = list; i < list + ncalls; i++)
		prog[i].jt = (unsigned char)ahead(i, sent);
	/* Not in the list: ioctl goes on to its commands, any other is allowed. */
	prog[is_ioctl] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, (unsigned char)ahead(is_ioctl, ret_allow));
	for (size_t i = cmds; i < cmds + nioctl; i++)
		prog[i].jt = (unsigned char)ahead(i, sent);
	return n;
}

/* The seccomp filter of a supervised tree (docs/design.md, "The filter"):
 * which system calls go to the supervisor, which the filter answers itself,
 * which the kernel does alone. */
#include "filter.h"
#include "gate.h"
#include "serve.h"
#include "syscalls.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

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
#define GATE_INSNS 6

int ue_filter_install(int allow_gate)
{
	/* 4 header instructions, the gate's, ioctl's, 2 per answered call, 1
	 * per notified call, 3 returns. */
	struct sock_filter prog[4 + GATE_INSNS + 3 + UE_SV_IOCTL_CMDS + 2 * N_ENOSYS + UE_SV_MAX_CALLS + 3];
	size_t n = 0, ncalls = ue_sv_ncalls();
	if (ncalls > UE_SV_MAX_CALLS)  /* a conditional jump reaches 255 instructions */
		return -E2BIG;
	/* Another architecture's calls (32-bit int 0x80, x32) cannot be served. */
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	size_t to_enosys_arch = n++;
	/* A call made from the gate's page is the preload's own, made for a
	 * call it has served already: the kernel's alone. */
	size_t to_allow_gate = 0;
	if (allow_gate) {
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_HI);
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, GATE_HI, 0, 4);
		prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, IP_LO);
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, GATE_LO, 0, 2);
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, GATE_END, 1, 0);
		to_allow_gate = n++;
	}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	/* x32 numbers carry a high bit: refuse them all. */
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1);
	size_t to_enosys_x32 = n++;
	/* ioctl: notified for the commands that change an inode through a
	 * read-only fd (serve_ioctl.c), by the low word of the command as the
	 * kernel takes it (an unsigned int); any other is the kernel's, and
	 * the many a terminal or a socket makes pay nothing more. */
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 2 + UE_SV_IOCTL_CMDS);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1]));
	size_t ioctl_jumps[UE_SV_IOCTL_CMDS];
	for (size_t i = 0; i < UE_SV_IOCTL_CMDS; i++) {
		ioctl_jumps[i] = n;
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ue_sv_ioctl_cmds[i], 0, 0);
	}
	size_t to_allow_ioctl = n++;
	size_t enosys_jumps[N_ENOSYS];
	for (size_t i = 0; i < N_ENOSYS; i++) {
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)answered_enosys[i], 0, 1);
		enosys_jumps[i] = n++;
	}
	size_t notify_jumps[UE_SV_MAX_CALLS];
	for (size_t i = 0; i < ncalls; i++) {
		notify_jumps[i] = n;
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)ue_sv_call_nr(i), 0, 0);
	}
	size_t ret_allow = n++, ret_notify = n++, ret_enosys = n++;
	prog[ret_allow] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog[ret_notify] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	prog[ret_enosys] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	/* Jumps are relative to the next instruction. */
	prog[to_enosys_arch] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, (unsigned)(ret_enosys - to_enosys_arch - 1), 0, 0);
	if (allow_gate)
		prog[to_allow_gate] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, (unsigned)(ret_allow - to_allow_gate - 1), 0, 0);
	prog[to_enosys_x32] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, (unsigned)(ret_enosys - to_enosys_x32 - 1), 0, 0);
	for (size_t i = 0; i < N_ENOSYS; i++)
		prog[enosys_jumps[i]] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, (unsigned)(ret_enosys - enosys_jumps[i] - 1), 0, 0);
	for (size_t i = 0; i < ncalls; i++)
		prog[notify_jumps[i]].jt = (unsigned char)(ret_notify - notify_jumps[i] - 1);
	for (size_t i = 0; i < UE_SV_IOCTL_CMDS; i++)
		prog[ioctl_jumps[i]].jt = (unsigned char)(ret_notify - ioctl_jumps[i] - 1);
	prog[to_allow_ioctl] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, (unsigned)(ret_allow - to_allow_ioctl - 1), 0, 0);

	struct sock_fprog fprog = { .len = (unsigned short)n, .filter = prog };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* SPEC_ALLOW: before Linux 5.16 (RHEL 9's 5.14, Ubuntu 22.04's 5.15)
	 * a seccomp filter also turned on the Speculative Store Bypass
	 * mitigation (spec_store_bypass_disable=seccomp, their default),
	 * which slows every filtered program; the filter is the union's, not
	 * a sandbox, and the programs run as they would natively. */
	long fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
	                  SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_SPEC_ALLOW, &fprog);
	if (fd < 0 && errno == EINVAL)
		fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fprog);
	return fd < 0 ? -errno : (int)fd;
}

const char *ue_filter_strerror(int err)
{
	switch (err) {
	case -EBUSY:
		return "a seccomp listener is already on this process's filter chain (a supervised union inside another)";
	case -EINVAL:
	case -ENOSYS:
		return "this kernel has no seccomp user notification (Linux 5.14 or later is needed)";
	case -EACCES:
	case -EPERM:
		return "seccomp filters are not permitted here";
	default:
		return NULL;
	}
}

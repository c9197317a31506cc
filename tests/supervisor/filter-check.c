/* filter-check: the supervisor's seccomp filter (supervisor/filter.c), run
 * through a small BPF interpreter for every system call number, then
 * attached for real in a child.  TAP on stdout.
 *
 * Beside what each call gets, it checks the property that keeps the tree's
 * other calls at the kernel's own cost: a call that is neither sent nor
 * answered is allowed after reading nothing but its number and
 * architecture, the condition of the kernel's seccomp action cache
 * (kernel/seccomp.c, seccomp_is_const_allow), under which the kernel
 * lets it through without running the filter at all. */
#include "filter.h"
#include "gate.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ALLOW SECCOMP_RET_ALLOW
#define NOTIFY SECCOMP_RET_USER_NOTIF
#define ENOSYS_RET (SECCOMP_RET_ERRNO | ENOSYS)
#define X32_BIT 0x40000000u
#define BAD 0xdeadu  /* the interpreter met what it cannot run */

static int tests, failed;

static void ok(int cond, const char *name, const char *diag)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++tests, name);
	if (!cond) {
		failed++;
		if (diag && *diag)
			printf("# %s\n", diag);
	}
}

/* The program's answer to D, and whether it read anything but nr and arch
 * on the way (*other). */
static unsigned run(const struct sock_filter *p, size_t n, const struct seccomp_data *d, int *other)
{
	uint32_t a = 0;
	*other = 0;
	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &p[pc];
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k > sizeof *d - 4 || f->k % 4)
				return BAD;
			if (f->k != offsetof(struct seccomp_data, nr) && f->k != offsetof(struct seccomp_data, arch))
				*other = 1;
			memcpy(&a, (const char *)d + f->k, 4);
			break;
		case BPF_JMP | BPF_JA:
			pc += f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == f->k ? f->jt : f->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= f->k ? f->jt : f->jf;
			break;
		case BPF_RET | BPF_K:
			return f->k;
		default:
			return BAD;
		}
	}
	return BAD;  /* ran off the end */
}

static int in(const int *list, size_t n, int nr)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == nr)
			return 1;
	return 0;
}

static const int enosys[] = { __NR_io_uring_setup, 463, 464, 465, 466, __NR_getdents };
static const unsigned cmds[] = { 0x40086602u /* FS_IOC_SETFLAGS */, 0x401c5820u, 0x40087602u };
#define N(a) (sizeof a / sizeof *a)

/* Every number 0..499, the x32 and 32-bit forms, from inside and outside
 * the gate's page: what the program answers, against what it should. */
static void check_program(const char *what, int allow_gate, const int *calls, size_t ncalls)
{
	struct sock_filter prog[UE_FILTER_MAX_INSNS];
	char name[200], diag[200] = "";
	size_t n = ue_filter_build(prog, allow_gate, calls, ncalls, cmds, N(cmds));
	int wrong = 0, uncached = 0, other;
	const uint64_t ips[] = { 0x401000, UE_GATE_ADDR, UE_GATE_ADDR + UE_GATE_SIZE - 1, UE_GATE_ADDR + UE_GATE_SIZE,
	                         UE_GATE_ADDR - 1, UE_GATE_ADDR + (1ULL << 32), 0x7f0000001000ULL };
	snprintf(name, sizeof name, "%s: built (%zu instructions)", what, n);
	ok(n > 0 && n <= UE_FILTER_MAX_INSNS, name, NULL);
	for (int nr = 0; nr < 500; nr++) {
		for (size_t i = 0; i < N(ips); i++) {
			int gate = ips[i] >= UE_GATE_ADDR && ips[i] < UE_GATE_ADDR + UE_GATE_SIZE;
			for (size_t c = 0; c <= N(cmds); c++) {
				/* ioctl's command: each listed one (with high bits the kernel drops), and another. */
				uint64_t cmd = c < N(cmds) ? (0xffffffff00000000ULL | cmds[c]) : 0x5401 /* TCGETS */;
				struct seccomp_data d = { .nr = nr, .arch = AUDIT_ARCH_X86_64, .instruction_pointer = ips[i],
				                          .args = { 3, cmd } };
				unsigned want = in(enosys, N(enosys), nr) ? (allow_gate && gate ? ALLOW : ENOSYS_RET)
				              : in(calls, ncalls, nr) || (nr == __NR_ioctl && c < N(cmds)) ? (allow_gate && gate ? ALLOW : NOTIFY)
				              : ALLOW;
				unsigned got = run(prog, n, &d, &other);
				if (got != want && !wrong++)
					snprintf(diag, sizeof diag, "nr %d ip %#llx arg1 %#llx: %#x, not %#x", nr,
					         (unsigned long long)ips[i], (unsigned long long)cmd, got, want);
				/* Neither sent nor answered: allowed on its number alone. */
				if (!in(enosys, N(enosys), nr) && !in(calls, ncalls, nr) && nr != __NR_ioctl && other)
					uncached++;
				if (nr != __NR_ioctl)
					break;
			}
		}
		struct seccomp_data x32 = { .nr = (int)(nr | X32_BIT), .arch = AUDIT_ARCH_X86_64 };
		struct seccomp_data i386 = { .nr = nr, .arch = AUDIT_ARCH_I386 };
		if (run(prog, n, &x32, &other) != ENOSYS_RET || run(prog, n, &i386, &other) != ENOSYS_RET || other)
			if (!wrong++)
				snprintf(diag, sizeof diag, "nr %d: an x32 or 32-bit call not refused on its number", nr);
	}
	snprintf(name, sizeof name, "%s: each call's answer (sent or ENOSYS, or from the gate allowed; the rest allowed)", what);
	ok(!wrong, name, diag);
	snprintf(name, sizeof name, "%s: a call neither sent nor answered reads only its number (the kernel's cache holds it)", what);
	snprintf(diag, sizeof diag, "%d calls read more", uncached);
	ok(!uncached, name, diag);
}

/* The kernel takes the program and acts on it: in a child, with no
 * listener, a sent call fails ENOSYS (seccomp(2)), an allowed one runs. */
static void check_attached(const int *calls, size_t ncalls)
{
	struct sock_filter prog[UE_FILTER_MAX_INSNS];
	size_t n = ue_filter_build(prog, 1, calls, ncalls, cmds, N(cmds));
	pid_t pid = fork();
	if (pid == 0) {
		struct sock_fprog fp = { .len = (unsigned short)n, .filter = prog };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
			_exit(10);
		if (syscall(__NR_getppid) != getppid())
			_exit(11);
		errno = 0;
		if (syscall(__NR_mkdirat, AT_FDCWD, "/nonexistent/x", 0700) != -1 || errno != ENOSYS)
			_exit(12);
		if (syscall(__NR_io_uring_setup, 1, NULL) != -1 || errno != ENOSYS)
			_exit(13);
		if (syscall(__NR_ioctl, 0, 0x40086602u, NULL) != -1 || errno != ENOSYS)
			_exit(14);
		errno = 0;
		if (syscall(__NR_ioctl, -1, 0x5401, NULL) != -1 || errno != EBADF)
			_exit(15);
		_exit(0);
	}
	int st = 0;
	char diag[80];
	waitpid(pid, &st, 0);
	snprintf(diag, sizeof diag, "the child's status %#x (exit 10: not attached; 11-15: a call's answer)", st);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "attached: getppid runs; mkdirat and a listed ioctl are sent (ENOSYS with no listener); io_uring_setup ENOSYS; another ioctl runs", diag);
}

int main(void)
{
	static const int few[] = { __NR_openat, __NR_newfstatat, __NR_statx, __NR_mkdirat, __NR_unlinkat,
	                           __NR_execve, __NR_getdents64, __NR_fstat };
	int most[UE_FILTER_MAX_CALLS + 1];
	size_t k = 0;
	/* The longest list: the lowest numbers that are none of the others. */
	for (int nr = 0; k < N(most); nr++)
		if (nr != __NR_read && nr != __NR_write && nr != __NR_ioctl && nr != __NR_getppid && !in(enosys, N(enosys), nr))
			most[k++] = nr;
	printf("1..8\n");
	check_program("a few calls, the gate allowed", 1, few, N(few));
	check_program("the longest list, no gate", 0, most, UE_FILTER_MAX_CALLS);
	struct sock_filter prog[UE_FILTER_MAX_INSNS];
	ok(ue_filter_build(prog, 1, most, UE_FILTER_MAX_CALLS + 1, cmds, N(cmds)) == 0,
	   "a list longer than a jump reaches is refused", NULL);
	check_attached(few, N(few));
	return failed != 0;
}

/* The system-call gate: the one place where the library's own code enters
 * the kernel (docs/design.md, "The system-call gate").
 *
 * ue_syscall6 is a few instructions of assembly in a section of its own
 * (ue_gate), so that the instruction pointer of every system call the
 * union's code makes lies in [__start_ue_gate, __stop_ue_gate).  It returns
 * what the kernel returns: a value, or -errno; errno is never touched.
 *
 * Why not glibc's syscall(): the preload exports its own `syscall` (a
 * program's raw path calls made through it are served in the union,
 * preload/rawcall.c), and the library's calls to syscall() would land in
 * it. */
#ifndef UE_GATE_H
#define UE_GATE_H

long ue_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
/* The gate itself; ue_syscall6 calls the gate in use, and is weak: the
 * unit tests replace it to play a racer at one exact call
 * (tests/unit/racer.h). */
long ue_gate_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* UE_SYSCALL(nr, args...): up to six arguments, the missing ones zero. */
#define UE_SYSCALL(...) ue_syscall_pad_(__VA_ARGS__, 0L, 0L, 0L, 0L, 0L, 0L, 0L)
#define ue_syscall_pad_(nr, a, b, c, d, e, f, ...)                                                  \
	ue_syscall6((long)(nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* Where a process whose system calls a seccomp filter notifies (the whole
 * tree supervised with the preload kept: docs/design.md, "The gate") puts
 * a copy of the gate: the filter, written before the program and its
 * library are loaded, allows the calls made from this page by instruction
 * pointer.  A fixed address, since the library's own lies wherever the
 * loader put it. */
#define UE_GATE_ADDR 0x7e0000000000UL
#define UE_GATE_SIZE 4096UL

/* Copy the gate to UE_GATE_ADDR and use that copy from now on: 0, or
 * -errno (-EEXIST: something else is mapped there).  Once per process; a
 * child made by fork keeps the mapping, an exec'd program maps its own.
 * A page there that holds this gate already (another copy of the library
 * in the process: the loader's audit module) is shared. */
int ue_gate_fixed(void);
/* Back to the library's own gate (the page stays mapped). */
void ue_gate_reset(void);

/* The gate's bounds in this object (the linker's names for the section). */
extern const char __start_ue_gate[] __attribute__((visibility("hidden")));
extern const char __stop_ue_gate[] __attribute__((visibility("hidden")));

#endif

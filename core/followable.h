/* followable: can the union follow the program that an exec would run?
 *
 * The union lives in a preloaded library: it sees a program's file
 * accesses only when glibc's dynamic loader loads it with LD_PRELOAD (not
 * for a set-id program: secure mode) and the program reaches the kernel
 * through glibc's functions.  This is the one verdict that the launcher's
 * check (tools/check.c), the preload's exec wrappers (preload/exec.c) and
 * the supervisor use; each decides what to do with it (refuse, warn, or
 * follow under supervision).
 *
 * Not followed, from the file's headers (core/elfhead.c):
 *   statically linked (static-pie too: no PT_INTERP), another libc (musl),
 *   another loader, no libc at all, a Go program (its build-id note or
 *   sections: its runtime makes its system calls itself), a Free Pascal
 *   program (.fpcdata: its RTL does too), another class or machine;
 * and from the caller's credentials: set-user-ID or set-group-ID to
 * another id, or file capabilities, where they take effect.  A #! script:
 * its interpreter, and through /usr/bin/env the program env runs.
 *
 * What is not judged: raw `syscall` instructions elsewhere.  A byte scan
 * for them is neither sound nor cheap: in this machine's /usr/bin it flags
 * cc1, node, ssh and zstd (the bytes 0f 05 inside other instructions) and
 * misses Free Pascal's stubs (the number comes from a register); the check
 * tool reports its scan as a warning, never as a verdict.
 *
 * Cost: the header verdict depends only on the file's contents, so it is
 * cached across processes (core/followcache.c) under the file's device,
 * inode, size, mtime and ctime; a hit costs an fstat and one pread. */
#ifndef UE_FOLLOWABLE_H
#define UE_FOLLOWABLE_H

#include <stddef.h>

enum ue_follow {
	UE_FOLLOWED,
	UE_NOT_FOLLOWED,        /* reason says why */
	UE_CANNOT_RUN,          /* not a program we can judge; reason says why
	                           (exec itself will fail, or run it as sh does) */
};

struct ue_verdict {
	enum ue_follow v;
	char reason[512];       /* "statically linked", "a script run by X, which is ..." */
	/* UE_NOT_FOLLOWED, but the seccomp supervisor (unionenv-supervise)
	 * can follow it: a native program that reaches the kernel itself
	 * (static, another libc or loader, no libc, Go, Free Pascal), or a
	 * script run by one.  Never a set-id program whose privileges take
	 * effect: under the filter's no_new_privs it would run without them,
	 * so it stays refused. */
	int supervise;
};

/* How the caller finds the files a script names, as its view shows them:
 * open_path opens PATH (absolute or relative to the current directory),
 * find_command looks a command up in PATH as execvp does; both return an
 * fd opened O_RDONLY|O_CLOEXEC, or -errno. */
struct ue_follow_finder {
	int (*open_path)(void *ctx, const char *path);
	int (*find_command)(void *ctx, const char *cmd);
	void *ctx;
};

/* Judge the program open as FD (O_RDONLY; an O_PATH fd is reopened).
 * A file that is neither ELF nor #!: UE_CANNOT_RUN, reason "no #!" (the
 * kernel says ENOEXEC; execvp and the shells then run /bin/sh, which the
 * caller judges if it wants to). */
void ue_followable_fd(int fd, const struct ue_follow_finder *find, struct ue_verdict *out);

/* One line for stderr: "unionenv: NAME is REASON: the union cannot follow
 * it (use --allow-unfollowed to run it anyway)", or as a warning when
 * ALLOWED.  A newline in NAME or REASON is written as "\n".  Returns the
 * length (cut to fit SIZE). */
size_t ue_followable_message(char *buf, size_t size, const char *name, const struct ue_verdict *v,
                             int allowed);

#endif

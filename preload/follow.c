/* Refusing, at exec, a program the union cannot follow: see follow.h. */
#include "follow.h"
#include "followable.h"
#include "impl.h"
#include "procfd.h"
#include "sys.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Read once, before the program can change its environment: a program
 * that clears it still runs its children under the user's choice (and
 * init.c gives the variable back to them). */
static int allow_unfollowed;

__attribute__((constructor)) static void read_allow(void)
{
	const char *v = getenv("UNIONENV_ALLOW_UNFOLLOWED");
	allow_unfollowed = v && *v && strcmp(v, "0") != 0;
}

/* The program last refused during one PATH search: execvp goes on to
 * the next directory after EACCES, and /bin/go and /usr/bin/go (one file
 * where /bin is /usr/bin) are said once.  Outside a search, every refusal
 * is said. */
static __thread int searching;
static __thread dev_t said_dev;
static __thread ino_t said_ino;

void ue_exec_followable_search(int on)
{
	searching = on;
	said_dev = 0;
	said_ino = 0;
}

struct finder_ctx {
	char *const *envp;
};

/* A path as the union shows it, opened for reading. */
static int open_in_union(void *ctx, const char *path)
{
	struct ue_path p;
	(void)ctx;
	int r = ue_resolve_as(ue_for(), AT_FDCWD, path, UE_FOLLOW, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION && !ue_node_exists(&p.node))
		return -ENOENT;
	return sys_openat(ue_kfd(&p, AT_FDCWD), ue_kpath(&p, path), O_RDONLY | O_CLOEXEC, 0);
}

/* COMMAND along the child's PATH, as env's execvp will look for it. */
static int find_in_union(void *ctx, const char *cmd)
{
	struct finder_ctx *c = ctx;
	const char *path = NULL;
	char cand[PATH_MAX];
	if (strchr(cmd, '/'))
		return open_in_union(ctx, cmd);
	for (char *const *e = c->envp; e && *e && !path; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	if (!path)
		path = "/bin:/usr/bin";
	for (const char *s = path;;) {
		const char *end = strchrnul(s, ':');
		int n = (int)(end - s);
		if (snprintf(cand, sizeof cand, "%.*s/%s", n ? n : 1, n ? s : ".", cmd) < (int)sizeof cand) {
			struct stat st;
			int fd = open_in_union(ctx, cand);
			if (fd >= 0 && sys_fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
				return fd;
			if (fd >= 0)
				sys_close(fd);
		}
		if (!*end)
			return -ENOENT;
		s = end + 1;
	}
}

/* unionenv-supervise beside the library (UNIONENV_LIB), when it is there. */
static int supervisor_path(char *out, size_t size)
{
	const char *lib = ue_lib_path(), *slash = lib ? strrchr(lib, '/') : NULL;
	if (!slash || snprintf(out, size, "%.*s/unionenv-supervise", (int)(slash - lib), lib) >= (int)size)
		return -ENOENT;
	return sys_faccessat(AT_FDCWD, out, X_OK);
}

/* The real path of the program open as FD, for the supervisor's --exec. */
static int real_path(int fd, char *out, size_t size)
{
	char proc[64];
	ue_proc_fd(proc, sizeof proc, fd, NULL);
	long n = sys_readlinkat(AT_FDCWD, proc, out, size - 1);
	if (n <= 0 || out[0] != '/')
		return -ENOENT;
	out[n] = '\0';
	return 0;
}

/* The verdict is judged again here rather than kept from the hand-over:
 * this is the rare path, and the library's thread-local storage must stay
 * small (a preloaded audit module's comes out of the loader's static TLS
 * surplus: a verdict there made programs fail to start). */
int ue_exec_refuse_unsupervised(const char *real, const char *shown, char *const envp[])
{
	struct finder_ctx ctx = { envp };
	const struct ue_follow_finder find = { open_in_union, find_in_union, &ctx };
	struct ue_verdict v = { UE_NOT_FOLLOWED, "a program the union cannot follow", 0 };
	char line[1024];
	int fd = sys_openat(AT_FDCWD, real, O_RDONLY | O_CLOEXEC, 0);
	if (fd >= 0) {
		ue_followable_fd(fd, &find, &v);
		sys_close(fd);
	}
	size_t n = ue_followable_message(line, sizeof line, shown, &v, 0);
	sys_write(2, line, n);
	return -EACCES;
}

int ue_exec_followable(int dirfd, const char *path, int flags, const char *shown, char *const envp[],
                       char *supervisor, char *real, size_t size)
{
	struct finder_ctx ctx = { envp };
	const struct ue_follow_finder find = { open_in_union, find_in_union, &ctx };
	struct ue_verdict v;
	char line[1024];
	int fd;
	if (!ue_config_active())
		return 0;
	if ((flags & AT_EMPTY_PATH) && !*path) {
		fd = dirfd;     /* ue_followable_fd reopens an O_PATH fd itself */
	} else {
		int nofollow = (flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0;
		fd = sys_openat(dirfd, path, O_RDONLY | O_CLOEXEC | nofollow, 0);
		/* A name missing (a PATH search's every candidate but one) is
		 * missing for the exec too: said here, as the exec would say
		 * it, the exec is not made.  Under the filter with the preload
		 * kept, each would be a round trip to the supervisor (gcc's
		 * execvp of `as` along a PATH of ten directories). */
		if (fd == -ENOENT || fd == -ENOTDIR)
			return fd;
		/* Execute-only: what fstat tells is judged. */
		if (fd < 0)
			fd = sys_openat(dirfd, path, O_PATH | O_CLOEXEC | nofollow, 0);
		if (fd < 0)
			return 0;       /* the kernel's exec says what is wrong */
	}
	struct stat st;
	ue_followable_fd(fd, &find, &v);
	int known = sys_fstat(fd, &st) == 0;
	/* --allow-unfollowed keeps its meaning: run it as it is, warned of.
	 * Under the supervisor's filter already (the whole tree, the preload
	 * kept: ue_gated), the program is followed where it is: it is "handed
	 * over" to itself, without the library (ue_handoff_build). */
	int handoff = v.v == UE_NOT_FOLLOWED && v.supervise && !allow_unfollowed && supervisor &&
	              real_path(fd, real, size) == 0 &&
	              (ue_gated ? snprintf(supervisor, size, "%s", real) < (int)size
	                        : supervisor_path(supervisor, size) == 0);
	if (fd != dirfd)
		sys_close(fd);
	if (v.v != UE_NOT_FOLLOWED)
		return 0;
	if (handoff)
		return UE_EXEC_SUPERVISE;
	if (!known || !searching || st.st_dev != said_dev || st.st_ino != said_ino) {
		size_t n = ue_followable_message(line, sizeof line, shown, &v, allow_unfollowed);
		sys_write(2, line, n);
	}
	if (known) {
		said_dev = st.st_dev;
		said_ino = st.st_ino;
	}
	return allow_unfollowed ? 0 : -EACCES;
}

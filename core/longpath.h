/* Paths longer than the kernel takes in one argument.
 *
 * The kernel refuses a path argument of PATH_MAX bytes or more, but walks a
 * tree of any depth: a program in a directory 3,000 bytes deep may name a
 * file 4,000 bytes further down.  In the union that file's real name (the
 * layer's root, the current directory, the program's path) is longer than
 * either, so the library hands the kernel a directory opened part of the way
 * down and the rest of the name, as the kernel's own walk would have reached
 * it: the same components, symlinks in the middle followed, the same errors
 * (ENOENT, ENOTDIR, EACCES) from the component that has them. */
#ifndef UE_LONGPATH_H
#define UE_LONGPATH_H

#include <limits.h>
#include <string.h>

/* The remainder left after the walk, short enough to go behind
 * "/proc/self/fd/N/" and still be taken by the kernel. */
#define UE_LONG_REST (PATH_MAX - 64)

/* Whether path is too long for the kernel to take as it is. */
static inline int ue_path_long(const char *path)
{
	return path && __builtin_expect(strlen(path) >= PATH_MAX, 0);
}

/* Walk (*dirfd, *path) down until the rest is shorter than UE_LONG_REST:
 * *dirfd and *path become the directory reached and the rest; *opened is
 * the fd to close after the call (-1 when nothing was opened).  0 or -errno. */
int ue_long_walk(int *dirfd, const char **path, int *opened);

/* The same, the rest named "/proc/self/fd/N/REST" in buf (for a call that
 * takes no directory fd): *path becomes buf. */
int ue_long_proc(const char **path, char *buf, size_t size, int *opened);

/* A name for the long absolute path real that any call taking a path
 * accepts: "/proc/self/fd/N/REST".  The fd stays open in this thread until
 * ue_long_release(); NULL when the walk fails (errno-style code in *err). */
const char *ue_long_name(const char *real, int *err);

/* The fds held for ue_long_name in this thread: closed at the end of each
 * call the library serves (the preload's outermost wrapper, each request
 * of the supervisor). */
extern __thread int ue_long_held __attribute__((tls_model("initial-exec")));  /* read by every wrapper: no __tls_get_addr */
void ue_long_release(void);

#endif

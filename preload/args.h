/* The path arguments of a wrapped call, resolved from the table's columns
 * (preload/wrappers.def, docs/design.md "The preload layer") by one
 * pipeline (preload/args.c) before the implementation runs: the
 * implementation is handed the result and resolves nothing itself.
 *
 * A row's path column is one of
 *
 *   NOPATH                         no path argument
 *   PATH(path, at, follow, empty, mode)
 *                                  the parameter path, relative to the
 *                                  directory fd parameter at (or AT_FDCWD),
 *                                  resolved into P
 *   PAIR(from, fromat, follow, empty, to, toat, order)
 *                                  two names (link, rename) into P and Q,
 *                                  both NAMES, the second never followed,
 *                                  looked up in the kernel's order
 *   VIA(path)                      the implementation calls other rows of
 *                                  the table with it (ue_call_NAME)
 *   HAND(path)                     resolved by the implementation itself:
 *                                  the few listed in tests/coverage-hand.expected
 *
 * follow:  FOLLOW, NOFOLLOW, NOFOLLOW_IF(flag test), FOLLOW_IF(flag test):
 *          whether a symlink in the last component is followed;
 * empty:   NOEMPTY, or EMPTY_IF(fl & AT_EMPTY_PATH): "" then names the fd
 *          at itself (the fd form: P->fd), and with AT_FDCWD the current
 *          directory;
 * mode:    READS (look up; a missing union name is ENOENT), CHANGES (a
 *          change follows: resolved for change, which catches a road into
 *          a lower, and the file is copied up by the implementation;
 *          missing: ENOENT), NAMES (makes or removes the name: for change,
 *          missing is no error), LOOKS (look up, missing is no error),
 *          with any of MARKS (the marks of fdtab.h taken before the
 *          lookup: the call names an fd or the cwd after it), NULLABLE (a
 *          NULL path is no error: the implementation decides), SLASHED (a
 *          name without a slash is not a path: searched by libc), TRIES
 *          (a failed lookup is not the call's failure: the path is given
 *          to libc as it is). */
#ifndef UE_ARGS_H
#define UE_ARGS_H

#include "fdtab.h"
#include "resolve.h"

#include <fcntl.h>
#include <string.h>

/* The modes, bits. */
#define UE_ARG_CHANGE   1    /* resolve for change (core/guard.h) */
#define UE_ARG_EXISTS   2    /* a missing union name is ENOENT */
#define UE_ARG_MARK     4    /* take a->mark before the lookup */
#define UE_ARG_NULL     8    /* NULL is no error */
#define UE_ARG_SLASH   16    /* without a slash: not a path */
#define UE_ARG_TRY     32    /* a failed lookup leaves the path as it is */
#define UE_ARG_NEW     64    /* a new name may be taken as missing unlooked (core/resolve.h UE_NEW) */

#define READS    UE_ARG_EXISTS
#define LOOKS    0
#define CHANGES  (UE_ARG_CHANGE | UE_ARG_EXISTS)
#define NAMES    UE_ARG_CHANGE
#define MARKS    UE_ARG_MARK
#define NULLABLE UE_ARG_NULL
#define SLASHED  UE_ARG_SLASH
#define TRIES    UE_ARG_TRY
#define NEW_NAME UE_ARG_NEW

#define FOLLOW 1
#define NOFOLLOW 0
#define FOLLOW_IF(test) (!!(test))
#define NOFOLLOW_IF(test) (!(test))
#define NOEMPTY 0
#define EMPTY_IF(test) (!!(test))

/* open(2)'s flags decide: O_NOFOLLOW, or O_CREAT with O_EXCL, follow
 * nothing; an open that may write or create resolves for change, one
 * that reads looks; the marks are taken first (the fd is tracked and
 * named as the union stood before the lookup). */
static inline int ue_open_changes(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) || (flags & O_TMPFILE) == O_TMPFILE;
}
#define OPEN_FOLLOW(fl) (!((fl) & O_NOFOLLOW) && !(((fl) & O_CREAT) && ((fl) & O_EXCL)))
#define OPEN_MODE(fl) ((ue_open_changes(fl) ? NAMES : LOOKS) | MARKS)
/* open_impl's rows only: it resolves again (ue_arg_look_again) when
 * the kernel says EEXIST to an O_CREAT with O_EXCL of a name taken as
 * missing without a look. */
#define OPEN_IMPL_MODE(fl) (OPEN_MODE(fl) | (((fl) & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) ? NEW_NAME : 0))
/* fopen(3)'s mode string as open(2)'s flags (preload/open.c). */
int ue_fopen_flags(const char *mode);

/* PAIR's order: link looks the whole source up before the new name; rename
 * both parents, then the source (the kernel's errors come in that order). */
#define SOURCE_FIRST 1
#define PARENTS_FIRST 0

struct ue_arg {
	/* The fd form ("" with the empty flag): the fd the call acts on, else
	 * -1.  For a change of a lower's file (and a link of it) the fd is
	 * named instead: named = 1, and p is its file's union path, never
	 * followed (an O_PATH fd may be on a symlink). */
	int fd;
	int named;
	/* What the kernel is given for a path outside the union (UE_PASS):
	 * the caller's own, "." for "" of AT_FDCWD with the empty flag. */
	int dirfd;
	const char *path;
	int dot;                  /* that "." */
	struct ue_fd_mark mark;   /* MARKS: before the lookup */
	int follow, empty, mode;  /* as resolved, for ue_arg_look_again */
	struct ue_path p;
};

/* Resolve one path argument; 0 or -errno. */
int ue_arg_resolve(struct ue_arg *a, int dirfd, const char *path, int follow, int empty, int mode);

/* Resolve a again as it was, the layers asked for its last name this time
 * (NEW_NAME took it as missing: a->p.guessed); 0 or -errno. */
int ue_arg_look_again(struct ue_arg *a);

/* Resolve link's or rename's two names in the kernel's order; 0 or -errno. */
int ue_arg_pair(struct ue_arg *a, int afd, const char *apath, int follow, int empty, struct ue_arg *b, int bfd,
                const char *bpath, int source_first);

/* What the kernel is given for a: (dirfd, path) of the caller outside the
 * union, the fd and "" for the fd form, else (AT_FDCWD, the real path). */
static inline int ue_arg_kfd(const struct ue_arg *a)
{
	return a->p.where == UE_PASS ? a->dirfd : AT_FDCWD;
}

static inline const char *ue_arg_kpath(const struct ue_arg *a)
{
	return a->p.where == UE_PASS ? a->path : ue_kreal(&a->p);
}

/* The kernel's (fd, name) for a, to be let go with ue_lowerdir_done after
 * the call: a name of a lower's directory under the fd held on it
 * (core/lowerdirs.h), else ue_arg_kfd and ue_arg_kpath.  For the calls
 * that read. */
struct ue_kname;
void ue_arg_kname(const struct ue_arg *a, struct ue_kname *k);

/* The flags for the kernel: a named fd form is the name itself, never
 * followed; "" of AT_FDCWD became ".". */
static inline int ue_arg_kflags(const struct ue_arg *a, int fl)
{
	if (a->named)
		return (fl & ~AT_EMPTY_PATH) | AT_SYMLINK_NOFOLLOW;
	if (a->dot)
		return fl & ~AT_EMPTY_PATH;
	return fl;
}

/* Is a in the union (a name of it, existing or not)? */
static inline int ue_arg_in_union(const struct ue_arg *a)
{
	return a->p.where == UE_UNION;
}

#endif

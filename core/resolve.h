/* The path pipeline: a path as a program gives it (relative to the current
 * directory or a directory fd, with "..", symlinks) becomes either a union
 * path (canonical relative path + node + real path in one layer) or a path
 * the kernel handles alone. */
#ifndef UE_RESOLVE_H
#define UE_RESOLVE_H

#include <limits.h>
#include <stdint.h>
#include "caller.h"
#include "longpath.h"
#include "node.h"
#include "path.h"

enum ue_where {
	UE_PASS,      /* outside the union: call the kernel with the caller's dirfd and path */
	UE_OUTSIDE,   /* outside the union, reached through it: use real, absolute */
	UE_UNION,     /* inside: node, rel and real (top layer, or the upper when missing) */
};

/* What the last component of the path as given is, as the kernel's
 * LAST_NORM, LAST_DOT and LAST_DOTDOT: a call that acts on a name (rename,
 * rmdir, unlink, mkdir...) refuses "." and ".." instead of acting on the
 * directory they lead to. */
enum ue_last { UE_LAST_NAME, UE_LAST_DOT, UE_LAST_DOTDOT };

#define UE_FOLLOW 1     /* follow a symlink in the last component */
#define UE_RECHECK 2    /* a change follows: recheck missing middle components */
/* The caller makes the last name with O_EXCL and, should the kernel say
 * EEXIST, resolves again without this: a name the cache does not know, in
 * a directory that only the upper holds, is taken as missing without a
 * look (untar's every file: the create itself is the look). */
#define UE_NEW 4

struct ue_path {
	const struct ue_caller *caller;  /* whom it was resolved for: an operation acts for it */
	int where;
	int trailing_slash;
	int last;          /* enum ue_last of the path as given */
	struct ue_node node;
	/* When the walk asked the layers for the last name (the cache did
	 * not know it): the lstat of real it made then, which a stat of the
	 * same name may take as its own, and the statx reply it was made
	 * from (stx_mask 0: none), for a statx of the name (lookup.h). */
	int top_st_valid;
	/* UE_NEW took the last name as missing without asking the upper. */
	int guessed;
	struct stat top_st;
	struct statx top_stx;
	/* ue_hide_snapshot before the look (core/hideseq.h); 0: unsure. */
	uint64_t hide_mark;
	char rel[UE_PATH_MAX];
	char real[UE_PATH_MAX];
};

/* Returns 0 or -errno (-ENOENT for a missing middle component, -ENOTDIR,
 * -ELOOP, -ENAMETOOLONG).  A missing last component is not an error: the
 * node has layer -1 and real names where a create would put it. */
int ue_resolve_as(const struct ue_caller *c, int dirfd, const char *path, int flags, struct ue_path *p);

/* The same for this process (the preload). */
static inline int ue_resolve(int dirfd, const char *path, int flags, struct ue_path *p)
{
	return ue_resolve_as(&ue_self, dirfd, path, flags, p);
}

/* p->real as the kernel takes it: itself, or when it is too long for one
 * argument, a name through a directory fd held until the call ends
 * (core/longpath.h; where that walk fails, the kernel says ENAMETOOLONG). */
static inline const char *ue_kreal(const struct ue_path *p)
{
	if (!ue_path_long(p->real))
		return p->real;
	int err;
	const char *name = ue_long_name(p->real, &err);
	return name ? name : p->real;
}

/* What the kernel should be given for p: (dirfd, path) of the caller for
 * UE_PASS, else (AT_FDCWD, p->real). */
static inline const char *ue_kpath(const struct ue_path *p, const char *orig) { return p->where == UE_PASS ? orig : ue_kreal(p); }
static inline int ue_kfd(const struct ue_path *p, int orig) { return p->where == UE_PASS ? orig : -100 /* AT_FDCWD */; }

/* Recompute real for p after its node changed (copy-up, create). */
int ue_path_refresh(struct ue_path *p);

/* A real path (in a layer) as the program sees it: the mount plus the part
 * below the layer root, where a lower directory renamed in the union has
 * gone since (core/renames.h); other paths unchanged.  -ENAMETOOLONG. */
int ue_unreal(char *out, size_t size, const char *real);
/* The same, and *moved = 1 when the lower map named it elsewhere. */
int ue_unreal_moved(char *out, size_t size, const char *real, int *moved);

/* The program's view of what fd is open on: -EBADF, or -ENOTDIR when it is
 * not a path (a pipe, a socket). */
int ue_fd_vpath(int fd, char *out, size_t size);
/* The same for fd used as a directory (the base of an *at call): keep,
 * the name found is kept for the next use (core/fdnames.h). */
int ue_fd_vpath_keep(int fd, char *out, size_t size, int keep);

/* The current directory (ue_cwd_get and friends) has a home of its own. */
#include "cwd.h"

#endif

/* Merged directory listings (the kernel's readdir.c): every layer of the
 * directory's stack, upper first; a name is shown once, from its top layer;
 * whiteouts hide the names below them and are themselves hidden, as are the
 * copy-up's temporary names.  Sorted by name, so the order is deterministic. */
#ifndef UE_READDIR_H
#define UE_READDIR_H

#include <stddef.h>
#include <stdint.h>
#include "node.h"

struct ue_dirent {
	uint64_t ino;
	unsigned char type;        /* DT_* */
	char name[];
};

struct ue_block;

struct ue_dirlist {
	size_t n;
	struct ue_dirent **ent;    /* ".", ".." then the names, sorted */
	struct ue_block *blocks; /* where the entries live */
};

int ue_dir_list(const char *rel, const struct ue_node *dir, struct ue_dirlist *out);
/* The same, where the caller has fd open on the directory (its own open,
 * as fts lists): a directory of one layer is read through it. */
int ue_dir_list_fd(const char *rel, const struct ue_node *dir, int fd, struct ue_dirlist *out);
/* The same, told more of fd (a system call saved per directory listed):
 * UE_LIST_OWN_FD, the caller opened it on the directory's real path a
 * moment ago (opendir), nothing to check, its position 0 and not put back;
 * UE_LIST_POS_FREE, its position is the caller's no more (POSIX gives the
 * fd to the stream fdopendir makes): read from the start, not put back. */
#define UE_LIST_OWN_FD   1
#define UE_LIST_POS_FREE 2
int ue_dir_list_fd_how(const char *rel, const struct ue_node *dir, int fd, int how, struct ue_dirlist *out);
void ue_dir_free(struct ue_dirlist *l);

/* 1 when the union directory holds no name, 0 when it does, or -errno. */
int ue_dir_is_empty(const char *rel, const struct ue_node *dir);

/* Remove the whiteouts (and leftovers of ours) from an upper directory:
 * before it is removed or replaced, or once it is opaque. */
int ue_dir_drop_whiteouts(const char *real_dir);

#endif

/* What the union holds at one canonical relative path. */
#ifndef UE_NODE_H
#define UE_NODE_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct ue_redirect;

struct ue_node {
	int layer;               /* top layer holding the name; -1: none */
	mode_t type;             /* S_IFMT of the top entry; 0: none */
	/* Directories: the overlay inode's permissions (the top entry's, as the
	 * kernel takes them), checked when the walk searches the directory. */
	mode_t mode;             /* permission bits (07777) */
	uid_t uid;
	gid_t gid;
	unsigned override:1;     /* files and directories: mode, uid and gid are
	                          * a recorded owner's (override.h) */
	unsigned open_above:1;   /* every directory above grants search to all:
	                          * a cached path needs no check */
	uint64_t stack;          /* directories: bit i set when layer i merges in */
	unsigned upper_whiteout:1; /* the upper holds a whiteout at this name */
	unsigned in_lower:1;     /* a visible lower holds the name: removal leaves a whiteout */
	uint64_t origin_ino;     /* copied up: the lower file's inode number, kept as its own */
	uint64_t aufs;           /* directories: layers whose directory holds .wh.NAME markers */
	uint64_t xwh;            /* directories: layers whose directory holds xattr whiteouts */
	/* The kernel's redirect_dir and metacopy (core/redirect.h). */
	const struct ue_redirect *redirect; /* where the layers below a redirect hold rel; NULL: at rel */
	int data_layer;          /* a metacopy file: the layer holding its data; 0: none */
	/* A lower file with other names, one of them copied up (core/index.h):
	 * the union shows its index entry, which real names. */
	unsigned indexed:1;
	/* Directories: the top entry's inode as the lookup's statx found it,
	 * known not to be the root of a mount (0: not known).  A listing
	 * through the caller's fd (core/readdir.c) tells with one fstat that
	 * the fd is this directory, where it asked the path again. */
	uint64_t dir_ino;
	dev_t dir_dev;
};

/* How many layers a directory merges: more than one and the kernel reports
 * a link count of 1, the real count being unknown. */
static inline int ue_node_merged(const struct ue_node *n) { return __builtin_popcountll(n->stack) > 1; }

/* A directory that lets everyone search it needs no credentials to pass. */
static inline int ue_node_search_all(const struct ue_node *n) { return (n->mode & 0111) == 0111; }
static inline void ue_node_set_attr(struct ue_node *n, const struct stat *st)
{
	n->mode = st->st_mode & 07777;
	n->uid = st->st_uid;
	n->gid = st->st_gid;
}

static inline int ue_node_exists(const struct ue_node *n) { return n->layer >= 0; }
static inline int ue_node_pure_upper(const struct ue_node *n) { return n->stack == 1 && !n->in_lower; }

#endif

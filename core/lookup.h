/* Lookup across the layers (the kernel's namei.c): upper first, then each
 * lower of the parent's stack; a whiteout ends the search; an opaque
 * directory hides everything below it. */
#ifndef UE_LOOKUP_H
#define UE_LOOKUP_H

#include <stddef.h>
#include "node.h"

#include <sys/stat.h>

/* Where layer holds rel for the node n: rel itself, or where the
 * redirects above it (core/redirect.h) point; -ENAMETOOLONG. */
int ue_node_real(char *buf, size_t size, const struct ue_node *n, int layer, const char *rel);
/* Where n's data lies: its top layer, or for a metadata-only copy-up
 * (metacopy) the layer below that holds the data. */
int ue_node_data_real(char *buf, size_t size, const struct ue_node *n, const char *rel);

/* The node at a canonical relative path (no symlinks, dots or doubled
 * slashes), through the cache.  A missing name gives a node with layer -1;
 * -ENOENT/-ENOTDIR when a parent is missing or not a directory. */
int ue_node_at(const char *rel, struct ue_node *out);

/* The node named by rel whose parent node is known (the resolver's step);
 * _fresh asks the layers, not the cache. */
int ue_node_child(const char *rel, const struct ue_node *parent, struct ue_node *out);
int ue_node_child_fresh(const char *rel, const struct ue_node *parent, struct ue_node *out);
/* ue_node_child, and when the layers were asked (not the cache), the
 * lstat of the top entry into *top and 1 in *asked.  That lstat was made
 * as a statx of STATX_BASIC_STATS with AT_SYMLINK_NOFOLLOW and
 * AT_NO_AUTOMOUNT (what newfstatat asks the kernel): its reply goes into
 * *top_stx, whose stx_mask is 0 where there is none (a kernel without
 * statx, an entry the index holds). */
int ue_node_child_st(const char *rel, const struct ue_node *parent, struct ue_node *out, struct stat *top,
                     struct statx *top_stx, int *asked);
/* An fd open on the parent's directory in one layer (fdnames.h). */
struct ue_dir_at {
	int layer;
	int fd;
};
/* The same for a rel the cache has just been asked for and did not hold;
 * at (or NULL): the parent's directory in one layer, open. */
int ue_node_child_new_st(const char *rel, const struct ue_node *parent, const struct ue_dir_at *at,
                         struct ue_node *out, struct stat *top, struct statx *top_stx, int *asked);

#endif

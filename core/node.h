/* What the union holds at one canonical relative path. */
#ifndef UE_NODE_H
#define UE_NODE_H

#include <stdint.h>
#include <sys/types.h>

struct ue_node {
	int layer;               /* top layer holding the name; -1: none */
	mode_t type;             /* S_IFMT of the top entry; 0: none */
	uint64_t stack;          /* directories: bit i set when layer i merges in */
	unsigned upper_whiteout:1; /* the upper holds a whiteout at this name */
	unsigned in_lower:1;     /* a visible lower holds the name: removal leaves a whiteout */
	uint64_t origin_ino;     /* copied up: the lower file's inode number, kept as its own */
	uint64_t aufs;           /* directories: layers whose directory holds .wh.NAME markers */
	uint64_t xwh;            /* directories: layers whose directory holds xattr whiteouts */
};

/* How many layers a directory merges: more than one and the kernel reports
 * a link count of 1, the real count being unknown. */
static inline int ue_node_merged(const struct ue_node *n) { return __builtin_popcountll(n->stack) > 1; }

static inline int ue_node_exists(const struct ue_node *n) { return n->layer >= 0; }
static inline int ue_node_pure_upper(const struct ue_node *n) { return n->stack == 1 && !n->in_lower; }

#endif

/* The walk of an upper layer in OCI layer order, shared by export and
 * `diff --format oci`: depth first, names sorted, each directory followed
 * by its opaque marker (".wh..wh..opq") when it has one, whiteouts given as
 * ".wh.NAME".  With lowers, whiteouts that hide nothing are left out. */
#ifndef UE_TOOLS_OCIWALK_H
#define UE_TOOLS_OCIWALK_H

#include "layer.h"

enum { OI_ENTRY, OI_WHITEOUT, OI_OPAQUE };

struct oci_item {
	int kind;
	const char *path;     /* the entry's name in the layer, no "./", no trailing "/" */
	int dfd;              /* directory holding raw (for OI_OPAQUE: the opaque dir) */
	const char *raw;      /* name on disk in dfd (NULL for OI_OPAQUE) */
	unsigned char dtype;  /* of the entry on disk */
};

typedef void (*oci_cb)(void *ctx, const struct oci_item *it);

/* Returns the number of leftover temporary names seen (not walked). */
size_t oci_walk(int ufd, const struct mdir *lowers, oci_cb cb, void *ctx);
/* Print the names, directories with a trailing "/"; returns the count. */
int oci_list(int ufd, const struct mdir *lowers, FILE *out);

#endif

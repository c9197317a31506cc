/* The kernel's redirect_dir and metacopy, as a root kernel mount writes
 * them (trusted.overlay.*) or an unprivileged tool (user.overlay.*): a
 * directory renamed in the union keeps, in overlay.redirect, where the
 * layers below it hold its content; a file whose metadata alone was copied
 * up (overlay.metacopy) takes its data from the file found below it.
 *
 * A node carries, for the layers below a redirect, the path to look at as
 * a chain of records: "from layer F on, the union path's first ULEN bytes
 * read PATH", the chain sorted by F, highest first.  Every name below a
 * redirected directory shares its record, so the chain costs nothing per
 * lookup; records are interned and live as long as the process (a node
 * copied out of the cache may point at one at any time). */
#ifndef UE_REDIRECT_H
#define UE_REDIRECT_H

#include <stddef.h>
#include <stdint.h>

struct ue_redirect {
	const struct ue_redirect *outer;   /* the mapping of the layers above from */
	int from;                          /* first layer this record maps */
	size_t ulen;                       /* bytes of the union path it replaces */
	char path[];                       /* what they read in those layers ("" = root) */
};

/* rel's path in layer (layer root glued in front), under the chain r. */
int ue_redirect_real(char *buf, size_t size, const struct ue_redirect *r, int layer, const char *rel);

/* What the chain r gives rel in layer, without the layer root (buf holds
 * at least PATH_MAX).  -ENAMETOOLONG. */
int ue_redirect_rel(char *buf, size_t size, const struct ue_redirect *r, int layer, const char *rel);

/* The chain r once the entry at rel, found in layer, carries the redirect
 * value target: absolute ("/a/b", from the layer root) or one name in the
 * same parent.  NULL with -errno in *err for a value the kernel refuses
 * (-EINVAL malformed, -EACCES a "." or ".." name: the entry cannot be
 * looked up, as on the kernel's mount) or no memory. */
const struct ue_redirect *ue_redirect_apply(const struct ue_redirect *r, int layer, const char *rel,
                                            const char *target, int *err);

/* Whether the kernel's lookup of a redirect target refused for a "." or
 * ".." name (-EACCES above) gets as far as that name in one of the
 * layers below (a bit set for each): the names before it are
 * directories there.  Where it does not, the kernel finds nothing and
 * refuses nothing. */
int ue_redirect_dots_reached(const char *target, uint64_t below);

/* Reading and clearing the stored markers: core/markers.h. */

/* Forget every record: only where no node can point at one (tests). */
void ue_redirect_reset(void);

#endif

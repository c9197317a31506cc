/* The guard against changes that would reach a lower (core/guard.c). */
#ifndef UE_GUARD_H
#define UE_GUARD_H

#include "resolve.h"

/* ue_resolve_as for a path caller c is about to change (UE_RECHECK
 * added): a path outside the union whose kernel target (the file, or for a
 * missing name its parent directory) lies in a lower is resolved again in
 * the union, under the name the union gives that target.  The kernel's
 * target is asked of this process: a client serving another gives
 * absolute paths. */
int ue_resolve_for_change(const struct ue_caller *c, int dirfd, const char *path, int flags, struct ue_path *p);

#endif

/* The guard against changes that would reach a lower (core/guard.c). */
#ifndef UE_GUARD_H
#define UE_GUARD_H

#include "resolve.h"

/* ue_resolve for a path about to be changed (UE_RECHECK added): a path
 * outside the union whose kernel target (the file, or for a missing name
 * its parent directory) lies in a lower is resolved again in the union,
 * under the name the union gives that target. */
int ue_resolve_for_change(int dirfd, const char *path, int flags, struct ue_path *p);

#endif

/* What the lower layers' directories say of themselves (ue_dir_markers:
 * opaque, xattr whiteouts, aufs markers, a redirect), kept for the
 * process's life: the lowers never change while a union runs, so no
 * change event can make an answer stale.  Without it every fresh lookup of
 * a directory (each removal checks its parents afresh, core/ops.c) read
 * the lower's xattrs and, for the aufs form, its whole listing again: rm
 * -rf of a lower tree was quadratic in the size of its directories.
 *
 * Keyed by the real path in the lower.  Guarded by UE_LOCK_NODECACHE
 * (core/state.h), reset and abandoned with the node cache; not used while
 * the node cache is bypassed (a wrapper in a signal handler: it allocates). */
#ifndef UE_LOWERMARKS_H
#define UE_LOWERMARKS_H

/* ue_dir_markers(real_dir, aufs) of a directory of lower layer, from
 * the table or read once (through its parent where that is held open,
 * core/lowerdirs.h); an error reads as no markers, as there.  A directory
 * is always asked with the same aufs (its layer's). */
int ue_lower_dir_markers(const char *real_dir, int layer, int aufs);

/* Under UE_LOCK_NODECACHE: forget everything (the unit tests change their
 * lowers between cases), or, in a fork child whose parent thread could not
 * take the lock, forget the table without touching it. */
void ue_lower_marks_flush_locked(void);
void ue_lower_marks_abandon(void);

#endif

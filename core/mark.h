/* Writing the upper's markers, in the form of ue_cfg.upper_form: the
 * kernel's char 0/0 whiteouts and user.overlay.opaque=y; its xattr
 * whiteouts (an empty file with user.overlay.whiteout, its directory
 * user.overlay.opaque=x); aufs/OCI .wh.NAME files and .wh..wh..opq.
 * Where the launcher did not name the form, a refused marker moves the
 * process to the next form its upper takes (core/form.c).
 * Each returns 0 or -errno; paths are real paths in the upper. */
#ifndef UE_MARK_H
#define UE_MARK_H

#include <stdint.h>

int ue_set_opaque(const char *real_dir);
/* Opaque, and the whiteouts inside dropped (they hide nothing any more),
 * in the order that leaves none a racing remover adds (see mark.c). */
int ue_set_opaque_clean(const char *real_dir);
/* A whiteout at real, where the upper has nothing.  dir_plain (may be
 * NULL): 1 when the directory it was made in was found plain
 * (ue_upper_dir_plain) after it was made, through the same fd.
 * hide_mark: ue_hide_snapshot before the caller's look (0: unsure); where
 * nothing that hides a lower's name began since, the directory is not
 * asked (core/hideseq.h). */
int ue_make_whiteout(const char *real, int *dir_plain, uint64_t hide_mark);
/* The entry at real (a directory: empty but for markers) gives way to a
 * whiteout, atomically where the form allows. */
int ue_whiteout_replace(const char *real, int is_dir);
/* The whiteout at real goes: it turned out to hide nothing. */
void ue_drop_whiteout(const char *real);

/* Rename from to to in the upper.  UE_MV_WHITEOUT: a whiteout stays at
 * from (a lower has the name); UE_MV_OVER: to is a whiteout, replaced;
 * UE_MV_DIR: from is a directory. */
#define UE_MV_WHITEOUT 1
#define UE_MV_OVER     2
#define UE_MV_DIR      4
int ue_rename_marked(const char *from, const char *to, int flags);

/* Whether a marker beside the name real hides it (the aufs form): a
 * copy-up must not put the name back after a racer removed it. */
int ue_hidden_beside(const char *real);

/* A name the upper cannot hold in its form (.wh.* in the aufs form). */
int ue_name_reserved(const char *name);

#endif

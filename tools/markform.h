/* Rewriting an upper layer's markers from one form to another, in place:
 * the engine of `unionenv convert`, and of `unionenv fsck --repair` for
 * markers in the wrong form.
 *
 * Every step leaves a layer that reads the same: the new marker is made
 * before the old one goes (a whiteout that replaces a file does so by an
 * atomic rename of a temporary name), so an interrupted conversion can
 * simply be run again.  Directory times are put back after their entries
 * changed.  The mode, owner and times of each marker move with it. */
#ifndef UE_TOOLS_MARKFORM_H
#define UE_TOOLS_MARKFORM_H

#include "layer.h"
#include "tmpname.h"

enum { TO_OVERLAY, TO_AUFS, TO_TRUSTED };
/* The form named on a command line (overlay, aufs, overlay-trusted), or -1. */
int markers_form(const char *name);

/* The prefix of convert's own temporary names (removed when run again). */
#define CV_TMP_PREFIX UE_TMP_PREFIX "cv."

/* Forms already in the target form: what does not need converting. */
unsigned target_forms(int to);

/* Convert the markers of one directory (fd, listing d) to `to`.  Reports
 * each change through `note` when not NULL (path: the dir, name: the entry
 * or NULL for the dir's own opaque marker).  Returns the number of changes;
 * dies on errors. */
typedef void (*mk_note)(void *ctx, const char *path, const char *name, const char *what);
size_t convert_dir(int fd, const struct ldir *d, const char *path, int to, mk_note note, void *ctx);

/* Name of a form bit, for messages. */
const char *form_name(unsigned f);

#endif

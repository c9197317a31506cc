/* A progress line for the layer tools that walk large trees (diff, export,
 * import, commit, convert), as rsync --info=progress2 draws it:
 *
 *     unionenv export: 12,345 entries, 1.2 GiB, 35.0 MiB/s, 0:03
 *
 * on standard error, redrawn in place at most ten times a second, and
 * drawn once more, finished with a newline, at the end.  Only on a
 * terminal: when standard error is not one (a script, a log, CI), or the
 * user said --quiet, nothing at all is written. */
#ifndef UE_PROGRESS_H
#define UE_PROGRESS_H

#include <stdint.h>

/* Begin counting for the tool named what ("unionenv export"); quiet: the
 * user asked for no progress.  Resets any earlier count. */
void progress_start(const char *what, int quiet);
/* One entry done, with the bytes of data it moved or read. */
void progress_entry(uint64_t bytes);
/* Bytes within an entry (a large file), for the rate to move meanwhile. */
void progress_bytes(uint64_t bytes);
/* Wipe the line before other output goes to the same terminal; the next
 * update draws it again. */
void progress_clear(void);
/* The final count, with its newline; the line is not drawn again. */
void progress_end(void);

#endif

/* unionenv commit: apply an upper layer onto its lower, making the union's
 * view the lower's plain content, then empty the upper.
 *
 * Staged, so that an interruption can be finished or rolled back:
 *   1. plan and stage: walk the upper against the lower; every entry to put
 *      in place is prepared under LOWER/.unionenv.commit/stage (hard links
 *      from the upper where they share a file system, else copies with
 *      their metadata; a directory that is new, replaces a non-directory or
 *      is opaque is staged whole).  The plan lists the operations:
 *        R path   put stage/path in place; what was there goes to backup/path
 *        D path   a whiteout: path goes to backup/path
 *        M path   a directory both have: the upper's metadata (the old one is
 *                 in the plan), after everything inside it
 *        T path   a directory only the lower has, in which R ops put names:
 *                 its own metadata (in the plan) put back after them
 *      The lower is not touched in this phase.
 *   2. apply the plan in order.  Each step is a rename, and its state is
 *      visible from which of stage/path, backup/path and path exist, so
 *      --continue redoes the rest and --rollback undoes the done ones.
 *   3. when everything landed: drop backup, empty the upper, drop the
 *      journal.
 * The journal's name starts with ".unionenv.", so a union over the lower
 * does not show it and `unionenv fsck` reports it.
 * With --work (the union's index, layerindex.h), the names of the lower
 * that show an index entry (a file the union copied up through another of
 * its names) are R ops too, staged as links of the entry: in the lower
 * they are then one file with the copied-up names, as the union showed
 * them; the emptied upper leaves the index's entries nothing to link, so
 * they go with it.
 * Overlay redirects and metacopy files (a root kernel mount's) are refused *
 * commit.c reads the command line and runs the phases; commitplan.c writes
 * and reads the plan, commitfs.c holds the file operations the others
 * share, commitstage.c walks and stages, commitapply.c applies, undoes and
 * finishes.  This header is theirs alone. */
#ifndef UE_TOOLS_COMMIT_H
#define UE_TOOLS_COMMIT_H

#include "layer.h"
#include "layerindex.h"

#include <time.h>

#define JOURNAL UE_TMP_PREFIX "commit"

enum { OP_R = 'R', OP_D = 'D', OP_M = 'M', OP_T = 'T' };

struct op {
	char type;
	char *path;            /* relative to the lower; "." for its root */
	/* M, T: the lower directory's metadata before the commit */
	unsigned mode;
	unsigned uid, gid;
	struct timespec atime, mtime;
	struct xattrs x;
};

struct cctx {
	int lower, upper, jfd, stage, backup;
	const char *lower_name, *upper_name;
	int is_root, same_fs;
	struct op *ops;
	size_t nops, capops;
	struct pbuf path;
	size_t leftovers;
	/* copies across file systems: upper inode -> staged name */
	struct hl { dev_t dev; ino_t ino; char *name; } *hl;
	size_t nhl;
	long crash_after;
	struct timespec root_times[2];   /* the lower root's, before the journal */
	int xfd;                         /* --work's index, or -1 */
};

/* ---- the plan (commitplan.c) ---------------------------------------------- */

struct op *add_op(struct cctx *c, char type, const char *path);
void write_plan(struct cctx *c);
void read_plan(struct cctx *c);

/* ---- file operations (commitfs.c) ----------------------------------------- */

int open_parent_of(int root, const char *rel, const char **base, int make);
int exists_at(int dfd, const char *name);
void put_xattrs(struct cctx *c, int dfd, const char *name, const struct xattrs *x);
void put_meta(struct cctx *c, int dfd, const char *name, const struct stat *from, int sfd, const char *sname);

/* ---- staging (commitstage.c) ---------------------------------------------- */

void plan_dir(struct cctx *c, int ufd, int lfd);
/* The lower's names that show an index entry (before plan_dir, so that the
 * M ops of their directories come after them). */
void plan_indexed(struct cctx *c, const struct lindex *x);

/* ---- applying, undoing, the phases (commitapply.c) ------------------------ */

void set_state(struct cctx *c, const char *state);
void get_state(struct cctx *c, char *buf, size_t size);
int open_journal_dir(struct cctx *c, const char *name);
void drop_journal(struct cctx *c);
void apply_all(struct cctx *c);
void finish(struct cctx *c);
void rollback(struct cctx *c);

#endif

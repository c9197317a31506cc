/* Work in progress under a temporary name (.unionenv.PID.N) in a directory
 * of the upper: a copy-up made out of sight, an entry moved aside to give
 * its name to a whiteout, a prepared whiteout.
 *
 * The name is taken relative to an fd of its directory, never as a path
 * string: another process may rename that directory while we work (a
 * `mv` racing the copy-up below it), and a path would then point at the
 * old place, where the temporary entry is no longer found and so stays
 * behind for good.  Every function here leaves nothing at the temporary
 * name when it returns, whether it succeeded, lost a race or failed.
 * Each returns 0 or -errno. */
#ifndef UE_TMPENTRY_H
#define UE_TMPENTRY_H

struct ue_tmp {
	int dfd;                 /* O_PATH fd of the directory */
	char name[48];           /* the temporary name in it */
	char path[96];           /* /proc/self/fd/DFD/NAME, for calls that take a path */
};

/* Open the directory real_dir and pick a fresh temporary name in it. */
int ue_tmp_open(struct ue_tmp *t, const char *real_dir);
/* The directory of a real path (the parent of real); *base = its last name. */
int ue_tmp_open_parent(struct ue_tmp *t, const char *real, const char **base);
/* The same without a temporary name yet (name and path ""): most whiteouts
 * need none; ue_tmp_name_pick gives one when a form does. */
int ue_tmp_open_parent_unnamed(struct ue_tmp *t, const char *real, const char **base);
int ue_tmp_name_pick(struct ue_tmp *t);
void ue_tmp_close(struct ue_tmp *t);

/* Move the prepared entry to base in the same directory unless something
 * is there already (a racing copy-up that won: 0, and ours goes). */
int ue_tmp_place(struct ue_tmp *t, const char *base);

/* Remove whatever is at the temporary name, a whole tree if need be. */
void ue_tmp_discard(struct ue_tmp *t);

/* The entry at base was moved to the temporary name and a whiteout put at
 * base, in one step, to remove it from the union.  Finish: the entry goes
 * if it is what the caller meant to remove (is_dir: a directory holding
 * only markers, else a non-directory).  When a racing process put
 * something else at base after the caller looked, that goes back, the
 * whiteout goes, and the caller gets the error it would have got after
 * that process: -ENOTEMPTY, -EISDIR or -ENOTDIR.  When base was already a
 * whiteout (removed by a racer), -ENOENT.  *back (may be NULL) is 1
 * when an entry, ours or the racer's, was put back at base: a directory
 * so put back was out of sight of a racing copy of the parent. */
int ue_tmp_finish_aside(struct ue_tmp *t, const char *base, int is_dir, int *back);

/* Whether the entry name in the directory dfd is a whiteout in any form
 * the upper writes: a char 0/0 device, an xattr whiteout file. */
int ue_tmp_is_whiteout(int dfd, const char *name);

#endif

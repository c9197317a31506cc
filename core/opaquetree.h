/* A directory tree that has come to lie below an opaque directory unseen
 * by the copy that made it so (racing processes, issue 9).  Every
 * directory of a copy made whole is opaque and holds no whiteouts; one
 * the copy missed (aside for a racer's rmdir that then failed and put it
 * back, or made by a racer after the copy listed its parent) may still
 * hold whiteouts for lower names the opaque parent now hides: they would
 * hide nothing.  Whoever comes second of the copy and that racer cleans
 * it: the copy lists its directory after the mark, the racer looks at
 * the mark after putting its directory there. */
#ifndef UE_OPAQUETREE_H
#define UE_OPAQUETREE_H

/* The directory name in dfd and every directory below it marked opaque,
 * their whiteouts dropped, as a copy made whole leaves them. */
int ue_opaque_tree_at(int dfd, const char *name);

/* The directories in the opaque upper directory dir that seen does not
 * name (those the copy did not see) cleaned as ue_opaque_tree_at does. */
int ue_opaque_unseen(const char *dir, int (*seen)(const char *name, void *arg), void *arg);

/* Whether the upper directory dfd is opaque. */
int ue_opaque_dir_fd(int dfd);

#endif

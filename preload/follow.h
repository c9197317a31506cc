/* The launcher's rule, applied to every program the union starts: a
 * program it cannot follow (core/followable.h) is refused with one line on
 * stderr and EACCES, or, when the user asked for --allow-unfollowed
 * (UNIONENV_ALLOW_UNFOLLOWED, kept for every child), run with a warning. */
#ifndef UE_FOLLOW_H
#define UE_FOLLOW_H

/* The program the kernel would run for (dirfd, path, flags of execveat:
 * AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW) as a real path, the caller's
 * view-resolved form; SHOWN is the name the program gave, for the line;
 * ENVP the child's environment (its PATH finds what "#!/usr/bin/env CMD"
 * runs).  0 when it may run, -EACCES when it is refused (said on stderr). */
int ue_exec_followable(int dirfd, const char *path, int flags, const char *shown, char *const envp[]);

/* Around a PATH search (execvp, posix_spawnp): a file refused in two
 * directories of PATH is said once. */
void ue_exec_followable_search(int on);

#endif

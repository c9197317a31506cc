/* The launcher's rule, applied to every program the union starts: a
 * program the preload cannot follow (core/followable.h) is handed to the
 * seccomp supervisor when it can follow it (static, Go, another libc; not
 * set-id), else refused with one line on stderr and EACCES, or, when the
 * user asked for --allow-unfollowed (UNIONENV_ALLOW_UNFOLLOWED, kept for
 * every child), run unfollowed with a warning. */
#ifndef UE_FOLLOW_H
#define UE_FOLLOW_H

#include <stddef.h>

#define UE_EXEC_SUPERVISE 1

/* The program the kernel would run for (dirfd, path, flags of execveat:
 * AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW) as a real path, the caller's
 * view-resolved form; SHOWN is the name the program gave, for the line;
 * ENVP the child's environment (its PATH finds what "#!/usr/bin/env CMD"
 * runs).  0 when it may run, -EACCES when it is refused (said on stderr),
 * -ENOENT or -ENOTDIR when there is no such file (the exec would fail so),
 * UE_EXEC_SUPERVISE when the supervisor is to run it: SUPERVISOR (SIZE
 * bytes) then holds unionenv-supervise's path and REAL (SIZE bytes) the
 * program's real path.  With SUPERVISOR NULL nothing is handed over. */
int ue_exec_followable(int dirfd, const char *path, int flags, const char *shown, char *const envp[],
                       char *supervisor, char *real, size_t size);

/* The supervisor could not be started after all (ue_exec_followable said
 * UE_EXEC_SUPERVISE for REAL, the exec failed): the refusal it would have
 * made, said now; -EACCES. */
int ue_exec_refuse_unsupervised(const char *real, const char *shown, char *const envp[]);

/* What to exec instead of a program the supervisor is to run:
 * "SUPERVISOR --exec REAL -- ARGV...", in the child's environment with the
 * library taken out of LD_PRELOAD and LD_AUDIT (a supervised tree has no
 * preload: every call is served once, by the supervisor). */
struct ue_handoff {
	char **argv;
	char **env;
};
int ue_handoff_build(struct ue_handoff *h, const char *supervisor, const char *real, char *const argv[],
                     char *const envp[]);
void ue_handoff_free(struct ue_handoff *h);

/* Around a PATH search (execvp, posix_spawnp): a file refused in two
 * directories of PATH is said once. */
void ue_exec_followable_search(int on);

#endif

/* The command's stop made the supervisor's, for the shell that waits on
 * it (supervisor/jobstop.c). */
#ifndef UE_SV_JOBSTOP_H
#define UE_SV_JOBSTOP_H

#include <sys/types.h>

/* The command pid was reported stopped by sig: when it is stopped still,
 * stop this process with sig, and once continued, continue the command
 * if nothing else did.  SIGCONT must be blocked in the caller. */
void ue_sv_follow_stop(pid_t pid, int sig);

#endif

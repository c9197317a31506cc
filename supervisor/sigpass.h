/* The signals sent to the supervisor that are the command's
 * (supervisor/sigpass.c). */
#ifndef UE_SV_SIGPASS_H
#define UE_SV_SIGPASS_H

#include <signal.h>

/* Add to set every signal the supervisor passes on to the command. */
void ue_sv_passed_signals(sigset_t *set);

/* Is sig one of them? */
int ue_sv_passes(int sig);

/* The command's wait status made this process's: its exit status, or
 * this process ended by the signal that ended the command (128+N
 * returned where it could not be). */
int ue_sv_end_as(int status);

#endif

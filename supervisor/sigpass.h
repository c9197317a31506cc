/* The signals sent to the supervisor that are the command's
 * (supervisor/sigpass.c). */
#ifndef UE_SV_SIGPASS_H
#define UE_SV_SIGPASS_H

#include <signal.h>
#include <sys/signalfd.h>
#include <sys/types.h>

/* Add to set every signal the supervisor may pass on to the command
 * (to be blocked and read from a signalfd). */
void ue_sv_passed_signals(sigset_t *set);

/* Is sig, with the siginfo code it came with, passed on? */
int ue_sv_passes(int sig, int code);

/* Pass the signal read as si on to pid. */
void ue_sv_pass(pid_t pid, const struct signalfd_siginfo *si);

/* The command's wait status made this process's: its exit status, or
 * this process ended by the signal that ended the command (128+N
 * returned where it could not be). */
int ue_sv_end_as(int status);

#endif

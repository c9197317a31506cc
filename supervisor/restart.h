/* Restarting a caller's call with a real path (supervisor/restart.c). */
#ifndef UE_SV_RESTART_H
#define UE_SV_RESTART_H

#include "serve.h"

/* Restart the caller's waiting call with argument argi (0 or 1) pointing
 * at path instead of given: UE_SV_RESTARTED (the notification is
 * withdrawn; the call comes again), or -ENOENT when it cannot be done (no
 * room on the caller's stack, a tracer already there). */
long ue_restart_with_path(struct ue_req *q, int argi, const char *path, const char *given);

/* Below the caller's stack pointer (past the red zone), where a block of
 * len bytes is written for a restarted call: r->addr, to build the block
 * with (pointers into itself).  0, or -ENOENT: no room there. */
struct ue_restart {
	unsigned long sp, addr;
	size_t len;
};
int ue_restart_place(struct ue_req *q, size_t len, struct ue_restart *r);

/* Restart the caller's waiting call with the block (r->len bytes) written
 * at r->addr and argument i set to vals[i] for each bit i of args; real
 * is the path the call comes again with, given the program's string for
 * it (the trace).  UE_SV_RESTARTED or -ENOENT, as ue_restart_with_path. */
long ue_restart_call(struct ue_req *q, const struct ue_restart *r, const void *block, unsigned args,
                     const unsigned long vals[6], const char *real, const char *given);

/* The string thread tid had given for a call restarted with path, when
 * it comes again (for the trace); else NULL. */
const char *ue_restart_given(pid_t tid, const char *path);

/* Before a notification is served: is it a restarted call come again
 * after a signal handler wrote over its block (restart.c)?  Then it is
 * restarted once more with the block: UE_SV_RESTARTED, or -ENOENT as
 * ue_restart_with_path.  0: serve it as any call. */
long ue_restart_recheck(struct ue_req *q);

/* main.c's collection of exits holds this while it waits: no restart is
 * then tracing a thread of the tree, whose stop it would take. */
void ue_restart_waits_lock(void);
void ue_restart_waits_unlock(void);

#endif

/* Restarting a caller's call with a real path (supervisor/restart.c). */
#ifndef UE_SV_RESTART_H
#define UE_SV_RESTART_H

#include "serve.h"

/* Restart the caller's waiting call with argument argi (0 or 1) pointing
 * at path instead of given: UE_SV_RESTARTED (the notification is
 * withdrawn; the call comes again), or -ENOENT when it cannot be done (no
 * room on the caller's stack, a tracer already there). */
long ue_restart_with_path(struct ue_req *q, int argi, const char *path, const char *given);

/* The string thread tid had given for a call restarted with path, when
 * it comes again (tracing only), once; else NULL. */
const char *ue_restart_given(pid_t tid, const char *path);

#endif

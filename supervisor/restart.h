/* Restarting a caller's call with a real path (supervisor/restart.c). */
#ifndef UE_SV_RESTART_H
#define UE_SV_RESTART_H

#include "serve.h"

/* Restart the caller's waiting call with argument argi (0 or 1) pointing
 * at path: UE_SV_SENT (the notification is withdrawn; the call comes
 * again), or -ENOENT when it cannot be done (no room on the caller's
 * stack, a tracer already there). */
long ue_restart_with_path(struct ue_req *q, int argi, const char *path);

#endif

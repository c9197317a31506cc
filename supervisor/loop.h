/* The listener loop (supervisor/loop.c). */
#ifndef UE_SV_LOOP_H
#define UE_SV_LOOP_H

/* Receive and answer one notification: 0, or -errno for a listener that
 * cannot go on. */
int ue_loop_serve_one(int listener);

#endif

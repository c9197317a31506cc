/* The listener loop (supervisor/loop.c). */
#ifndef UE_SV_LOOP_H
#define UE_SV_LOOP_H

/* Receive and answer one notification: 0; -ENOENT when none was received
 * (its caller died meanwhile, or no filtered task is left: the listener
 * then says POLLHUP); or -errno for a listener that cannot go on. */
int ue_loop_serve_one(int listener);

/* How many workers serve: UNIONENV_SUPERVISE_THREADS when set (1 to 64),
 * else one (docs/design.md, "The workers", says why). */
unsigned ue_loop_workers_wanted(void);

/* Start n workers, each receiving from listener and serving what it
 * receives, until no filtered task is left.  The fd returned becomes
 * readable when a worker's listener failed (ue_loop_failure says how);
 * -errno when not one worker could be started (main.c then serves). */
int ue_loop_start(int listener, unsigned n);
int ue_loop_failure(void);

/* Once no filtered task is left: wait (2 s at most) for the workers to
 * end, so that what a worker does after its answer (the trace of a call
 * answered with an fd, its last lines) is not cut short by the exit. */
void ue_loop_finish(void);

#endif

/* A racing process, played at one exact moment: core/ makes every system
 * call through the gate's ue_syscall6 (core/sys.h, UE_SYS; core/gate.h),
 * which the unit tests define for themselves (tests/unit/racer.c).  A test names the moment, a
 * call before or after it is made, and what the racer does then; the race
 * the stress scenarios hit once in hundreds of rounds then happens every
 * time, and a fix can be shown to close it. */
#ifndef UE_RACER_H
#define UE_RACER_H

/* Called around each system call of core/ while set: after = 0 before
 * the call (ret unused), 1 after it (ret: what it returned, -errno).
 * Returns 1 when it has acted: it is then cleared, so that it acts once
 * and what it does through core/ is not seen again. */
typedef int racer_fn(int after, long nr, const long a[6], long ret);

void racer_set(racer_fn *fn);
/* Whether the racer set last has acted. */
int racer_acted(void);

#endif

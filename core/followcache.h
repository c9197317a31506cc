/* followcache: the verdicts of core/followable.c, shared by every process
 * of a user, so that a `configure` script's thousands of execs read each
 * program's headers once.
 *
 * A table of fixed-size slots in one file per user,
 * /dev/shm/unionenv-followable-UID (UNIONENV_FOLLOW_CACHE names another;
 * empty: no cache), read and written with pread/pwrite, never mapped: a
 * truncated or damaged file costs a miss, never a SIGBUS.  Each slot holds
 * the key (device, inode, size, mtime, ctime of the program) and the
 * verdict, sealed with a checksum: a torn or scribbled slot is a miss.
 * The file is used only when it is a regular file of ours, mode 0600,
 * with one link: one that another user placed under the name (a FIFO, a
 * hard link) is never opened for writing nor trusted; the verdict is then
 * computed each time.  A file changed in the last two seconds is not
 * cached (it may change again within one tick of its timestamps).  No
 * state is kept in the process. */
#ifndef UE_FOLLOWCACHE_H
#define UE_FOLLOWCACHE_H

#include <stdint.h>
#include <sys/stat.h>

/* 1 and *code on a hit, 0 on a miss. */
int ue_followcache_get(const struct stat *st, uint32_t *code);
void ue_followcache_put(const struct stat *st, uint32_t code);

#endif

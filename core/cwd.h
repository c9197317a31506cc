/* The current directory as the program sees it, a value of the state
 * subsystem (core/state.h): a buffer read lock-free under a sequence
 * counter (a wrapper in a signal handler may need it), written under
 * UE_LOCK_CWD.  A new process recovers it from the kernel's current
 * directory (mapped from its layer to the mount, through the lower map), so
 * nothing travels in the environment; a vfork child's change stays its own
 * (told by its pid); a fork child owns its copy (the fork handler). */
#ifndef UE_CWD_H
#define UE_CWD_H

#include <stddef.h>
#include <stdint.h>

/* The current directory as the program sees it: renamed with its directory
 * (or an ancestor) by any process of the union, before it is read. */
int ue_cwd_get(char *out, size_t size);
void ue_cwd_set(const char *vpath);
/* chdir(2) to real (NULL: stay) and take vpath as its name, as resolved
 * after the rename log stood at mark (ue_renames_head). */
int ue_cwd_change(const char *real, const char *vpath, uint64_t mark);
/* Take the renames posted since the last look (cheap when there are none). */
void ue_cwd_follow(void);
/* Re-read from the kernel (at start-up, after fchdir or chdir outside). */
int ue_cwd_reload(void);
/* In the child of a fork: the current directory buffer is now its own. */
void ue_cwd_forked(void);

#endif

/* Names the copy-up and rename machinery uses for work in progress in the
 * upper: hidden from listings, found and removed by fsck. */
#ifndef UE_TMPNAME_H
#define UE_TMPNAME_H

#include <stddef.h>

#define UE_TMP_PREFIX ".unionenv."

/* real_dir + "/.unionenv.PID.N", N counting in this process. */
int ue_tmp_name(char *buf, size_t size, const char *real_dir);

/* Whether a name in the upper is one of these. */
int ue_is_tmp_name(const char *name);

/* Whether such a name was left by a process that is gone (a crash): the
 * name says whose it is.  A live process's work in progress, or a name
 * that says nobody, is not to be touched. */
int ue_tmp_name_abandoned(const char *name);

#endif

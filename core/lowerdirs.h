/* Directories of the lowers held open, so that the kernel is handed a
 * name and the directory it is in rather than the whole real path, which
 * it walks from the root component by component (core/lowerdirs.c). */
#ifndef UE_LOWERDIRS_H
#define UE_LOWERDIRS_H

#include <stddef.h>

/* What to give the kernel for a real path: (fd, name), the fd held for
 * the call, to be let go with ue_lowerdir_done once the call returns. */
struct ue_kname {
	int fd;            /* AT_FDCWD with name the whole real path, or a held directory */
	const char *name;
	int slot;          /* -1: nothing held */
};

/* (fd, name) for real, a path in lower layer `layer` (a number above the
 * upper's: anything else is given as it is).  Never fails: where no
 * directory is held, (AT_FDCWD, real). */
void ue_lowerdir_name(const char *real, int layer, struct ue_kname *k);
void ue_lowerdir_done(struct ue_kname *k);

/* Holding is off until the preload turns it on: only its wrappers see the
 * program close or replace an fd (the supervisor closes its own fds
 * directly, where nothing would tell this table). */
void ue_lowerdirs_enable(void);

/* The program is about to close fd (or the fds first..last, or make fd a
 * copy of another): a directory held at that number is let go, the fd
 * left to the program's call. */
void ue_lowerdirs_forget(int fd);
void ue_lowerdirs_forget_range(unsigned first, unsigned last);

/* The program ran out of fds (EMFILE): let every directory go and close
 * it, so that the held ones never cost it an fd it would have had. */
void ue_lowerdirs_release(void);

/* In a fork child: the parent's other threads' holds are gone. */
void ue_lowerdirs_forked(void);
/* Let every directory go, close it, and turn holding off (tests). */
void ue_lowerdirs_reset(void);

/* Held now (tests). */
unsigned ue_lowerdirs_held(void);

#endif

/* glob(3) lists directories with libc's internal opendir/readdir/stat,
 * which no wrapper sees; GLOB_ALTDIRFUNC hands it ours instead.  A caller
 * that brings its own functions is left alone: they go through the
 * wrappers already. */
#include "impl.h"

#include <glob.h>

#define WITH_OUR_DIRFUNCS(g, dirent_fn)                                        \
	do {                                                                   \
		(g)->gl_opendir = (void *(*)(const char *))opendir;            \
		(g)->gl_readdir = (void *)dirent_fn;                           \
		(g)->gl_closedir = (void *)closedir;                              \
		(g)->gl_stat = (void *)stat;                                   \
		(g)->gl_lstat = (void *)lstat;                                 \
	} while (0)

UE_EXPORT int glob(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *g)
{
	if (!ue_union_on() || (flags & GLOB_ALTDIRFUNC))
		return LIBC(glob)(pattern, flags, errfunc, g);
	/* Outside the guard (ue_union_on): the directory functions libc calls
	 * back are full wrappers, and must not run as nested ones. */
	WITH_OUR_DIRFUNCS(g, readdir);
	int r = LIBC(glob)(pattern, flags | GLOB_ALTDIRFUNC, errfunc, g);
	g->gl_flags &= ~GLOB_ALTDIRFUNC;
	return r;
}

UE_EXPORT int glob64(const char *pattern, int flags, int (*errfunc)(const char *, int), glob64_t *g)
{
	if (!ue_union_on() || (flags & GLOB_ALTDIRFUNC))
		return LIBC(glob64)(pattern, flags, errfunc, g);
	WITH_OUR_DIRFUNCS(g, readdir64);
	int r = LIBC(glob64)(pattern, flags | GLOB_ALTDIRFUNC, errfunc, g);
	g->gl_flags &= ~GLOB_ALTDIRFUNC;
	return r;
}

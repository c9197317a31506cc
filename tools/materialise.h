/* Materialise what a root kernel mount with redirect_dir and metacopy left
 * in an upper, so that the plain (userxattr) form holds it: a redirected
 * directory gets its lowers' content copied in and becomes opaque, its
 * redirect removed; a metacopy file gets its data.  The engine of
 * `unionenv convert --lower`: the core library's own lookup (which follows
 * both) and copy-up do the work, so the result reads as unionenv read the
 * upper before.  Every step is a copy-up: a run cut short is finished by
 * running it again. */
#ifndef UE_TOOLS_MATERIALISE_H
#define UE_TOOLS_MATERIALISE_H

#include <stddef.h>

/* upper and lowers ("A:B", highest first) as the union was mounted; note
 * is called with each path changed and what was done.  Returns the number
 * of changes; dies on errors. */
size_t materialise(const char *upper, const char *lowers,
                   void (*note)(void *ctx, const char *rel, const char *what), void *ctx);

#endif

/* Path strings: joining, lexical normalisation, prefix tests.  No system
 * calls here: symlinks are the resolver's business. */
#ifndef UE_PATH_H
#define UE_PATH_H

#include <limits.h>
#include <stddef.h>

/* The longest union or layer path the library handles.  A program's own
 * path argument is held to the kernel's PATH_MAX, but the kernel resolves
 * it from the current directory (or a directory fd) however deep that is:
 * the union's name for it (the current directory's path plus the
 * argument) and its real name in a layer (the layer's root plus that) are
 * longer.  Paths this long reach the kernel through a directory fd
 * (core/longpath.h). */
#define UE_PATH_MAX (2 * PATH_MAX)

/* On a function whose path buffers the common lookup does not need (a
 * full walk, a redirect, an aufs scan): not inlined into its caller, so
 * that the buffers are not in the caller's frame and the frames below
 * stay on the pages the thread's stack has touched already.  Each page a
 * thread's stack reaches first is a page fault: in git status's 8 lstat
 * threads the lookup's stack went 130 KiB deep, 42 faults a run more
 * than with these apart. */
#define UE_OWN_FRAME __attribute__((noinline))

/* out = a + "/" + b; -ENAMETOOLONG when it does not fit. */
int ue_path_join(char *out, size_t size, const char *a, const char *b);

/* Collapse "//", "." and ".." of an absolute path, lexically; ".." at "/"
 * stays at "/".  out may equal in.  Returns the length or -ENAMETOOLONG. */
int ue_path_normalize(char *out, size_t size, const char *in);

/* Is a path under a directory, its parent, its last name: core/layerpath.h. */

/* Whether path has a "." or ".." component or a doubled slash. */
int ue_path_has_dots(const char *path);

/* What the last component of path is (trailing slashes skipped): 0 a name
 * (or none: "" or "/"), 1 ".", 2 "..".  The order of enum ue_last. */
int ue_path_last(const char *path);

/* The next non-empty element of a colon-separated list into buf (elements
 * that do not fit are passed over); *list moves past it.  0 at the end. */
int ue_path_list_next(const char **list, char *buf, size_t size);

/* Whether name (n bytes) is "." or "..". */
int ue_path_is_dots(const char *name, size_t n);

/* A value of overlay.redirect checked by the kernel's rules: 0 when the
 * kernel follows it, -EINVAL when it is malformed, -EACCES when it names
 * "." or ".." (no lookup takes them).  See core/redirect.h. */
int ue_path_redirect_check(const char *value);

#endif

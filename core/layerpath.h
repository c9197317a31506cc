/* Layer paths: the leaves every part of the union stands on (issue 10).
 * Where a union path lies in a layer, which layer a real path lies in, and
 * the string questions all of core/, preload/, the supervisor and the tools
 * ask of a path: is it under a directory, what is its parent, its last
 * name.  It reads the layer table (core/config.h) and calls nothing else of
 * core/, so any file may call it without closing a cycle
 * (tests/scenarios/source-rules.sh holds it to that).  The string
 * questions are inline: the tools and the launcher take them without
 * linking the layer table. */
#ifndef UE_LAYERPATH_H
#define UE_LAYERPATH_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* The layer root joined with rel ("" is the root itself); -ENAMETOOLONG. */
int ue_real_path(char *buf, size_t size, int layer, const char *rel);

/* The layer a real path lies in (the deepest root when lowers nest), or -1. */
int ue_layer_of(const char *real);

/* When path is root or below it, the part after root (no leading slash,
 * "" for root itself); else NULL.  root has no trailing slash; "" and "/"
 * both name the root of the file system. */
static inline const char *ue_path_under(const char *path, const char *root, size_t rootlen)
{
	if (rootlen == 1 && root[0] == '/')
		rootlen = 0;
	if (strncmp(path, root, rootlen) != 0)
		return NULL;
	const char *r = path + rootlen;
	if (*r != '/' && *r != '\0')
		return NULL;
	while (*r == '/')
		r++;
	return r;
}

/* Whether the relative path rel (rl bytes) is dir (dl bytes) or lies
 * below it; every path lies below "", the top.  Both canonical (no
 * doubled slashes); neither needs a terminating NUL. */
static inline int ue_rel_under(const char *rel, size_t rl, const char *dir, size_t dl)
{
	return dl == 0 || (dl <= rl && memcmp(rel, dir, dl) == 0 && (rl == dl || rel[dl] == '/'));
}

/* The parent part of the relative path rel in buf ("" for a top-level
 * name); buf holds at least strlen(rel) + 1 bytes. */
static inline void ue_rel_parent(char *buf, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	size_t n = slash ? (size_t)(slash - rel) : 0;
	memcpy(buf, rel, n);
	buf[n] = '\0';
}

/* The directory part of the absolute path path in dir ("/" for a name at
 * the top); -ENAMETOOLONG when it does not fit, -EINVAL for a path with
 * no slash. */
static inline int ue_path_parent(char *dir, size_t size, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return -EINVAL;
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	if (n + 1 > size)
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

/* The last name of path (after its last slash; all of it when none). */
static inline const char *ue_path_base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

#endif

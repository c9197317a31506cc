/* The dynamic loader opens shared libraries with its own system calls, out
 * of the wrappers' sight.  Loaded also as an audit module (LD_AUDIT, set by
 * the launcher), this library is asked about every library the loader
 * looks for: a name it is given bare is searched along the directories the
 * loader would use (DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH, with $ORIGIN),
 * in union terms, and a path is mapped to the union's file.  What is not in
 * the union is left to the loader's own search.  The audit copy runs in the
 * loader's namespace, with its own state, set up from the same environment. */
#include "wrap.h"
#include "apart.h"
#include "path.h"

#include <elf.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

UE_EXPORT unsigned int la_version(unsigned int version)
{
	return version >= LAV_CURRENT ? LAV_CURRENT : version;
}

/* Each object's cookie is its link map: the search needs the loader's. */
UE_EXPORT unsigned int la_objopen(struct link_map *map, Lmid_t lmid, uintptr_t *cookie)
{
	(void)lmid;
	*cookie = (uintptr_t)map;
	return 0;
}

/* The union's file for path (a union path, or a layer's real path such as
 * an expanded $ORIGIN): 1 and real filled, 0 when not in the union, -1
 * when in the union but missing. */
static int union_file(const char *path, char *real, size_t size)
{
	char v[PATH_MAX];
	struct ue_path p;
	if (path[0] == '/' && ue_unreal(v, sizeof v, path) == 0)
		path = v;
	if (ue_resolve_as(ue_for(), AT_FDCWD, path, UE_FOLLOW, &p) < 0 || p.where == UE_PASS)
		return 0;
	if (p.where == UE_UNION && !ue_node_exists(&p.node))
		return -1;
	if (strlen(p.real) >= size)
		return 0;
	strcpy(real, p.real);
	return 1;
}

/* The directory of the object map was loaded from, for $ORIGIN. */
static void origin_of(struct link_map *map, char *out, size_t size)
{
	char exe[PATH_MAX];
	const char *name = map && map->l_name && *map->l_name ? map->l_name : NULL;
	if (!name) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		exe[n > 0 ? n : 0] = '\0';
		name = exe;
	}
	snprintf(out, size, "%s", name);
	char *slash = strrchr(out, '/');
	if (slash)
		*(slash == out ? slash + 1 : slash) = '\0';
}

/* Look for name in each directory of the colon-separated list. */
static int search_list(const char *list, const char *origin, const char *name, char *real, size_t size)
{
	char dir[PATH_MAX], cand[2 * PATH_MAX + NAME_MAX];
	while (ue_path_list_next(&list, dir, sizeof dir)) {
		const char *rest = NULL;
		if (!strncmp(dir, "$ORIGIN", 7))
			rest = dir + 7;
		else if (!strncmp(dir, "${ORIGIN}", 9))
			rest = dir + 9;
		if (rest)
			snprintf(cand, sizeof cand, "%s%s/%s", origin, rest, name);
		else
			snprintf(cand, sizeof cand, "%s/%s", dir, name);
		if (union_file(cand, real, size) == 1)
			return 1;
	}
	return 0;
}

/* DT_RPATH or DT_RUNPATH of an object. */
static const char *dyn_path(struct link_map *map, Elf64_Sxword tag)
{
	const char *strtab = NULL;
	Elf64_Xword off = 0;
	int found = 0;
	if (!map || !map->l_ld)
		return NULL;
	for (const ElfW(Dyn) *d = map->l_ld; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_STRTAB)
			/* The loader relocates it in place; an unrelocated one is an offset. */
			strtab = (const char *)(d->d_un.d_ptr < map->l_addr ? map->l_addr + d->d_un.d_ptr : d->d_un.d_ptr);
		else if (d->d_tag == tag) {
			off = d->d_un.d_val;
			found = 1;
		}
	}
	return found && strtab ? strtab + off : NULL;
}

UE_EXPORT char *la_objsearch(const char *name, uintptr_t *cookie, unsigned int flag)
{
	/* The loader holds its lock around the search: one buffer suffices. */
	static char real[PATH_MAX] UE_APART;
	char origin[PATH_MAX];
	if (!ue_ready)
		ue_init();
	if (!ue_config_active())
		return (char *)name;
	if (strchr(name, '/')) {
		int r = union_file(name, real, sizeof real);
		return r == 1 ? real : r == 0 ? (char *)name : NULL;
	}
	if (flag != LA_SER_ORIG)
		return (char *)name;
	struct link_map *loader = cookie ? (struct link_map *)*cookie : NULL;
	origin_of(loader, origin, sizeof origin);
	const char *runpath = dyn_path(loader, DT_RUNPATH);
	if ((!runpath && search_list(dyn_path(loader, DT_RPATH), origin, name, real, sizeof real)) ||
	    search_list(getenv("LD_LIBRARY_PATH"), origin, name, real, sizeof real) ||
	    search_list(runpath, origin, name, real, sizeof real))
		return real;
	return (char *)name;
}

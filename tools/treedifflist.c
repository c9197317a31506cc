/* unionenv diff: a directory's names, sorted, as the walk reads them
 * (treediff.h). */
#include "treediff.h"
#include "progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int cmp_pent(const void *a, const void *b)
{
	return strcmp(((const struct pent *)a)->name, ((const struct pent *)b)->name);
}

void plist_read(struct tctx *c, int fd, struct plist *l)
{
	memset(l, 0, sizeof *l);
	int d = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = d >= 0 ? fdopendir(d) : NULL;
	if (!dir)
		ue_die("%s: %s", c->path.len ? c->path.s : ".", strerror(errno));
	size_t cap = 0;
	struct dirent *de;
	while ((errno = 0, de = readdir(dir))) {
		const char *nm = de->d_name;
		if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
			continue;
		if (l->n == cap) {
			cap = cap ? cap * 2 : 32;
			l->e = xrealloc(l->e, cap * sizeof *l->e);
		}
		l->e[l->n].name = xstrdup(nm);
		l->e[l->n].dt = de->d_type;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(fd, nm, &st, AT_SYMLINK_NOFOLLOW) == 0)
				l->e[l->n].dt = IFTODT(st.st_mode);
		}
		l->n++;
		progress_entry(0);
	}
	if (errno)
		ue_die("%s: %s", c->path.len ? c->path.s : ".", strerror(errno));
	closedir(dir);
	qsort(l->e, l->n, sizeof *l->e, cmp_pent);
}

void plist_free(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].name);
	free(l->e);
}

struct pent *plist_find(struct plist *l, const char *name)
{
	struct pent k = { (char *)name, 0 };
	return bsearch(&k, l->e, l->n, sizeof *l->e, cmp_pent);
}

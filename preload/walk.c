/* nftw and ftw, rebuilt on the wrapped functions: glibc's versions open and
 * stat through internal calls that no wrapper sees.  Same contract as glibc:
 * preorder (or FTW_DEPTH postorder) callbacks, FTW_PHYS, FTW_MOUNT,
 * FTW_CHDIR, FTW_ACTIONRETVAL, FTW_SL/FTW_SLN/FTW_NS/FTW_DNR. */
#include "calls.h"
#include "impl.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct walk {
	int (*nfn)(const char *, const struct stat *, int, struct FTW *);
	int (*fn)(const char *, const struct stat *, int);   /* ftw(3): no FTW struct */
	int flags;
	dev_t dev;
	char path[PATH_MAX];
	struct { dev_t dev; ino_t ino; } *seen;    /* directories entered, when following links */
	size_t nseen, capseen;
};

static int call(struct walk *w, const struct stat *st, int flag, struct FTW *f)
{
	if (w->nfn)
		return w->nfn(w->path, st, flag, f);
	/* ftw(3) knows neither symlinks nor postorder. */
	static const int ftw_flag[] = { [FTW_F] = FTW_F, [FTW_D] = FTW_D, [FTW_DNR] = FTW_DNR, [FTW_NS] = FTW_NS,
	                                [FTW_SL] = FTW_F, [FTW_DP] = FTW_D, [FTW_SLN] = FTW_NS };
	return w->fn(w->path, st, ftw_flag[flag]);
}

/* The walk runs as the program would: errno set, -1 on failure. */
static int errno_of(long r)
{
	if (r >= 0)
		return 0;
	errno = (int)-r;
	return -1;
}

static int lookup_stat(struct walk *w, struct stat *st)
{
	return errno_of(ue_call_fstatat(AT_FDCWD, w->path, st, (w->flags & FTW_PHYS) ? AT_SYMLINK_NOFOLLOW : 0));
}

static int seen_before(struct walk *w, const struct stat *st)
{
	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
			return 1;
	if (w->nseen == w->capseen) {
		size_t cap = w->capseen ? 2 * w->capseen : 32;
		void *s = realloc(w->seen, cap * sizeof *w->seen);
		if (!s)
			return 0;
		w->seen = s;
		w->capseen = cap;
	}
	w->seen[w->nseen].dev = st->st_dev;
	w->seen[w->nseen++].ino = st->st_ino;
	return 0;
}

static int walk_dir(struct walk *w, const struct stat *st, struct FTW *f);

/* An entry below a directory; w->path holds its path. */
static int walk_entry(struct walk *w, struct FTW *f)
{
	struct stat st;
	int flag;
	if (lookup_stat(w, &st) < 0) {
		if (errno != EACCES && errno != ENOENT)
			return -1;
		flag = (!(w->flags & FTW_PHYS) && ue_call_fstatat(AT_FDCWD, w->path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		        S_ISLNK(st.st_mode)) ? FTW_SLN : FTW_NS;
	} else {
		flag = S_ISDIR(st.st_mode) ? FTW_D : S_ISLNK(st.st_mode) ? FTW_SL : FTW_F;
	}
	if (flag != FTW_D)
		return call(w, &st, flag, f);
	if ((w->flags & FTW_MOUNT) && st.st_dev != w->dev)
		return 0;
	if (!(w->flags & FTW_PHYS) && seen_before(w, &st))
		return 0;
	return walk_dir(w, &st, f);
}

static int walk_dir(struct walk *w, const struct stat *st, struct FTW *f)
{
	int r = 0;
	int actionret = w->flags & FTW_ACTIONRETVAL;
	DIR *d = ue_call_opendir(w->path);
	if (!d) {
		errno = ue_err;
		return errno == EACCES ? call(w, st, FTW_DNR, f) : -1;
	}
	if (!(w->flags & FTW_DEPTH)) {
		r = call(w, st, FTW_D, f);
		if (r != 0) {
			closedir_impl(d);
			return actionret && r == FTW_SKIP_SUBTREE ? 0 : r;
		}
	}
	char saved_cwd[PATH_MAX];
	if ((w->flags & FTW_CHDIR) && (!getcwd_impl(saved_cwd, sizeof saved_cwd) || errno_of(ue_call_chdir(w->path)) < 0)) {
		closedir_impl(d);
		return -1;
	}
	size_t len = strlen(w->path);
	struct FTW child = { .level = f->level + 1, .base = (int)len + 1 };
	struct dirent *e;
	while (r == 0 && (e = readdir_impl(d, LIBC(readdir)))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (len + 1 + strlen(e->d_name) + 1 > sizeof w->path) {
			errno = ENAMETOOLONG;
			r = -1;
			break;
		}
		w->path[len] = '/';
		strcpy(w->path + len + 1, e->d_name);
		r = walk_entry(w, &child);
		w->path[len] = '\0';
		if (actionret && r == FTW_SKIP_SUBTREE)
			r = 0;
	}
	closedir_impl(d);
	if ((w->flags & FTW_CHDIR) && errno_of(ue_call_chdir(saved_cwd)) < 0 && r == 0)
		r = -1;
	if (actionret && r == FTW_SKIP_SIBLINGS)
		r = 0;
	if (r == 0 && (w->flags & FTW_DEPTH))
		r = call(w, st, FTW_DP, f);
	return r;
}

static int walk_run(const char *dir, int (*nfn)(const char *, const struct stat *, int, struct FTW *),
                    int (*fn)(const char *, const struct stat *, int), int flags)
{
	struct walk w = { .nfn = nfn, .fn = fn, .flags = flags };
	struct stat st;
	int r;
	size_t n = strlen(dir);
	if (n == 0 || n + 1 > sizeof w.path) {
		errno = n ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	strcpy(w.path, dir);
	/* glibc keeps a trailing slash out of the paths it builds, not the root's. */
	while (n > 1 && w.path[n - 1] == '/')
		w.path[--n] = '\0';
	const char *slash = strrchr(w.path, '/');
	struct FTW f = { .level = 0, .base = slash && slash[1] ? (int)(slash - w.path) + 1 : 0 };
	if (lookup_stat(&w, &st) < 0) {
		if (!(flags & FTW_PHYS) && errno == ENOENT && ue_call_fstatat(AT_FDCWD, w.path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			r = call(&w, &st, FTW_SLN, &f);
		else
			r = -1;
	} else if (S_ISDIR(st.st_mode)) {
		w.dev = st.st_dev;
		if (!(flags & FTW_PHYS))
			seen_before(&w, &st);
		r = walk_dir(&w, &st, &f);
	} else {
		r = call(&w, &st, S_ISLNK(st.st_mode) ? FTW_SL : FTW_F, &f);
	}
	int e = errno;
	free(w.seen);
	errno = e;
	if ((flags & FTW_ACTIONRETVAL) && (r == FTW_SKIP_SUBTREE || r == FTW_SKIP_SIBLINGS))
		r = 0;
	return r;
}

/* The callback's value is returned as it is, negative ones too, so these
 * are written by hand.  The walk runs outside the guard (ue_union_on): the
 * callbacks are the program's own code. */
UE_EXPORT int nftw(const char *dir, int (*fn)(const char *, const struct stat *, int, struct FTW *), int nopenfd, int flags)
{
	if (!ue_union_on())
		return LIBC(nftw)(dir, fn, nopenfd, flags);
	return walk_run(dir, fn, NULL, flags);
}

UE_EXPORT int nftw64(const char *dir, int (*fn)(const char *, const struct stat64 *, int, struct FTW *), int nopenfd, int flags)
{
	if (!ue_union_on())
		return LIBC(nftw64)(dir, fn, nopenfd, flags);
	return walk_run(dir, (void *)fn, NULL, flags);
}

UE_EXPORT int ftw(const char *dir, int (*fn)(const char *, const struct stat *, int), int nopenfd)
{
	if (!ue_union_on())
		return LIBC(ftw)(dir, fn, nopenfd);
	return walk_run(dir, NULL, fn, 0);
}

UE_EXPORT int ftw64(const char *dir, int (*fn)(const char *, const struct stat64 *, int), int nopenfd)
{
	if (!ue_union_on())
		return LIBC(ftw64)(dir, fn, nopenfd);
	return walk_run(dir, NULL, (void *)fn, 0);
}

/* Origins held by the directory (dirorigin.h). */
#include "dirorigin.h"
#include "layerpath.h"
#include "markers.h"
#include "origin.h"
#include "path.h"
#include "sys.h"

#include <fcntl.h>
#include <linux/limits.h>
#include <string.h>

/* A record: two struct ovl_fb. */
#define VALUE_MAX (2 * UE_ORIGIN_FB_MAX)

int ue_dirorigin_key(char *buf, size_t size, const char *name)
{
	const char *prefix = UE_OVL_USER(ORIGIN_OF);
	size_t pl = strlen(prefix), nl = strlen(name);
	if (pl + nl > XATTR_NAME_MAX || pl + nl + 1 > size)
		return -ENAMETOOLONG;
	memcpy(buf, prefix, pl);
	memcpy(buf + pl, name, nl + 1);
	return 0;
}

/* The length of the struct ovl_fb at v (at most n bytes), or -EINVAL. */
static long fb_len(const unsigned char *v, long n)
{
	if (n < UE_ORIGIN_FB_HEADER || v[0] != 0 || v[1] != 0xfb || v[2] < UE_ORIGIN_FB_HEADER || v[2] > n)
		return -EINVAL;
	return v[2];
}

int ue_dirorigin_parse(const unsigned char *v, long n, const unsigned char **origin, const unsigned char **upper)
{
	long a = fb_len(v, n), b = a < 0 ? a : fb_len(v + a, n - a);
	if (b < 0 || a + b != n)
		return -EINVAL;
	*origin = v;
	*upper = v + a;
	return 0;
}

/* The directory of the entry at real (a path the xattr calls follow:
 * /proc/self/fd/N too) and the record's name for the entry. */
static int where(const char *real, char *dir, size_t size, char *key)
{
	int r = ue_path_parent(dir, size, real);
	return r < 0 ? r : ue_dirorigin_key(key, XATTR_NAME_MAX + 1, ue_path_base(real));
}

/* The record of the entry at real into v: its length, or -errno. */
static long get(const char *real, unsigned char *v)
{
	char dir[UE_PATH_MAX], key[XATTR_NAME_MAX + 1];
	int r = where(real, dir, sizeof dir, key);
	return r < 0 ? r : sys_getxattr(dir, key, v, VALUE_MAX);
}

/* Set the record of the entry at real to v (n bytes); n <= 0 drops it. */
static int put(const char *real, const unsigned char *v, long n)
{
	char dir[UE_PATH_MAX], key[XATTR_NAME_MAX + 1];
	int r = where(real, dir, sizeof dir, key);
	if (r < 0)
		return r;
	if (n > 0)
		return sys_setxattr(dir, key, v, (size_t)n, 0);
	r = sys_removexattr(dir, key);
	return r == -ENODATA || r == -ENOTSUP ? 0 : r;
}

int ue_dirorigin_set(const char *real, const char *lower_real)
{
	unsigned char v[VALUE_MAX];
	long a = ue_origin_fb(lower_real, v);
	if (a < 0)
		return (int)a;
	long b = ue_origin_fb_at(AT_FDCWD, real, 0, v + a);
	return b < 0 ? (int)b : put(real, v, a + b);
}

/* The origin's inode number when the record v (n bytes) belongs to the
 * entry whose own handle is ub (m bytes, or -errno); else 0. */
static unsigned long ino_if_own(const unsigned char *v, long n, const unsigned char *ub, long m)
{
	const unsigned char *origin, *upper;
	if (n <= 0 || m <= 0 || ue_dirorigin_parse(v, n, &origin, &upper) < 0 || upper[2] != m ||
	    memcmp(upper, ub, (size_t)m) != 0)
		return 0;
	return ue_origin_fb_ino(origin, origin[2]);
}

unsigned long ue_dirorigin_ino(const char *real)
{
	unsigned char v[VALUE_MAX], ub[UE_ORIGIN_FB_MAX];
	long n = get(real, v);
	return n <= 0 ? 0 : ino_if_own(v, n, ub, ue_origin_fb_at(AT_FDCWD, real, 0, ub));
}

unsigned long ue_dirorigin_ino_fd(int fd, const char *real)
{
	unsigned char v[VALUE_MAX], ub[UE_ORIGIN_FB_MAX];
	long n = get(real, v);
	return n <= 0 ? 0 : ino_if_own(v, n, ub, ue_origin_fb_at(fd, "", AT_EMPTY_PATH, ub));
}

int ue_dirorigin_valid_at(int dfd, const char *name, const unsigned char *v, long n)
{
	unsigned char ub[UE_ORIGIN_FB_MAX];
	const unsigned char *origin, *upper;
	if (ue_dirorigin_parse(v, n, &origin, &upper) < 0)
		return 0;
	long m = ue_origin_fb_at(dfd, name, 0, ub);
	if (m < 0)
		return m == -ENOENT ? 0 : (int)m;
	return upper[2] == m && memcmp(upper, ub, (size_t)m) == 0;
}

void ue_dirorigin_renamed(const char *from_real, const char *to_real, int exchange)
{
	unsigned char vf[VALUE_MAX], vt[VALUE_MAX];
	long nf = get(from_real, vf), nt = exchange ? get(to_real, vt) : -ENODATA;
	/* What moved to to_real takes its record along; the entry it replaced
	 * had its record there, now gone with it. */
	put(to_real, vf, nf);
	put(from_real, vt, nt);
}

void ue_dirorigin_linked(const char *from_real, const char *to_real)
{
	unsigned char v[VALUE_MAX];
	put(to_real, v, get(from_real, v));
}

void ue_dirorigin_drop(const char *real)
{
	put(real, NULL, 0);
}

int ue_dirorigin_any(const char *real_dir)
{
	char list[4096];
	const char *prefix = UE_OVL_USER(ORIGIN_OF);
	size_t pl = strlen(prefix);
	long n = sys_llistxattr(real_dir, list, sizeof list);
	if (n == -ERANGE)
		return 1;
	for (long i = 0; i < n; i += (long)strlen(list + i) + 1)
		if (!strncmp(list + i, prefix, pl))
			return 1;
	return 0;
}

/* The kernel's index: lower hard links kept one file (index.h). */
#include "index.h"
#include "config.h"
#include "copydata.h"
#include "markers.h"
#include "origin.h"
#include "procfd.h"
#include "ring.h"
#include "layerpath.h"
#include "sys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

int ue_index_path(const char *lower_real, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char fb[UE_ORIGIN_FB_MAX];
	if (!ue_cfg.index)
		return -ENOENT;
	long n = ue_origin_fb(lower_real, fb);
	if (n < 0)
		return (int)n;
	size_t l = strlen(ue_cfg.index);
	if (l + 1 + 2 * (size_t)n + 1 > size)
		return -ENAMETOOLONG;
	memcpy(out, ue_cfg.index, l);
	out[l++] = '/';
	for (long i = 0; i < n; i++) {
		out[l++] = hex[fb[i] >> 4];
		out[l++] = hex[fb[i] & 15];
	}
	out[l] = '\0';
	return 0;
}

/* "U%+d" into v (13 bytes, as the kernel's buffer): its length. */
static int nlink_value(char *v, long diff)
{
	return snprintf(v, 13, "U%+ld", diff);
}

int ue_index_make(const char *src, const char *data_src, const char *idx, const struct stat *st, int nodata)
{
	char proc[64], v[13];
	struct stat ist;
	int r;
	if (sys_lstat(idx, &ist) == 0)
		return S_ISREG(ist.st_mode) ? 0 : -EEXIST;
	int dfd = sys_openat(AT_FDCWD, ue_cfg.index, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (dfd < 0)
		return dfd;
	/* Out of sight until whole, as any copy-up: an O_TMPFILE in the index
	 * directory, linked at its name once its data and metadata are in. */
	int out = sys_openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (out < 0) {
		sys_close(dfd);
		return out;
	}
	r = 0;
	if (!nodata && st->st_size > 0) {
		int in = sys_openat(AT_FDCWD, data_src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
		r = in < 0 ? in : ue_copy_data(in, out, st->st_size);
		if (in >= 0)
			sys_close(in);
	}
	if (r == 0)
		r = ue_copy_xattrs(src, NULL, out);
	if (r == 0) {
		ue_origin_set(src, out, NULL);
		/* Its one name will be the index's: the union counts the lower's. */
		r = sys_fsetxattr(out, UE_OVL_USER(NLINK), v, (size_t)nlink_value(v, (long)st->st_nlink - 1), 0);
	}
	if (r == 0)
		r = ue_copy_meta(NULL, out, st);
	if (r == 0) {
		ue_proc_fd(proc, sizeof proc, out, NULL);
		r = sys_linkat(AT_FDCWD, proc, dfd, ue_path_base(idx), AT_SYMLINK_FOLLOW);
		/* The file's other names, still the lower's, show this copy from
		 * now on: which names they are is not known here, so every cache
		 * of the union forgets what it knew (once per file of a group). */
		if (r == 0)
			ue_changed("", 1);
		if (r == -EEXIST)  /* a racer's copy is the index's: ours goes */
			r = sys_lstat(idx, &ist) == 0 && S_ISREG(ist.st_mode) ? 0 : -EEXIST;
	}
	sys_close(out);
	sys_close(dfd);
	return r;
}

/* The union's count an nlink record gives beside the upper count nlink;
 * -1 for none or one this cannot read ("L": the lower's count unknown). */
static long recorded(const char *v, long n, unsigned long nlink)
{
	char buf[16], *end;
	if (n < 2 || n > 12 || v[0] != 'U' || (v[1] != '+' && v[1] != '-'))
		return -1;
	memcpy(buf, v + 1, (size_t)n - 1);
	buf[n - 1] = '\0';
	long d = strtol(buf, &end, 10);
	long c = (long)nlink + d;
	return *end || c <= 0 ? -1 : c;
}

int ue_index_link(const char *idx, int dfd, const char *base, unsigned long lower_nlink)
{
	char v[16];
	struct stat ist;
	/* The record and the link change together: among the processes of the
	 * union, under a lock on the index directory (the kernel holds the
	 * inode's lock).  Rare: once per name of a group copied up. */
	int lk = sys_openat(AT_FDCWD, ue_cfg.index, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (lk >= 0)
		UE_SYS(SYS_flock, lk, LOCK_EX);
	int r = sys_lstat(idx, &ist);
	if (r == 0) {
		long n = sys_lgetxattr(idx, UE_OVL_USER(NLINK), v, sizeof v);
		long c = recorded(v, n, ist.st_nlink);
		if (c < 0)
			c = (long)lower_nlink;
		r = sys_linkat(AT_FDCWD, idx, dfd, base, 0);
		if (r == 0)
			sys_lsetxattr(idx, UE_OVL_USER(NLINK), v, (size_t)nlink_value(v, c - (long)ist.st_nlink - 1), 0);
	}
	if (lk >= 0)
		sys_close(lk);  /* and the lock with it */
	return r;
}

unsigned long ue_index_nlink(const char *real, unsigned long nlink)
{
	char v[16];
	if (!ue_cfg.index || nlink < 2)
		return nlink;
	long c = recorded(v, sys_lgetxattr(real, UE_OVL_USER(NLINK), v, sizeof v), nlink);
	return c > 0 ? (unsigned long)c : nlink;
}

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

/* The index entry named after the origin record fb of n bytes. */
static int entry_path(const unsigned char *fb, long n, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
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

int ue_index_path(const char *lower_real, char *out, size_t size)
{
	unsigned char fb[UE_ORIGIN_FB_MAX];
	if (!ue_cfg.index)
		return -ENOENT;
	long n = ue_origin_fb(lower_real, fb);
	return n < 0 ? (int)n : entry_path(fb, n, out, size);
}

int ue_index_holds(const char *real)
{
	size_t l = ue_cfg.index ? strlen(ue_cfg.index) : 0;
	return l && !strncmp(real, ue_cfg.index, l) && real[l] == '/';
}

int ue_index_of_upper(const char *upper_real, char *out, size_t size)
{
	unsigned char fb[UE_ORIGIN_FB_MAX];
	struct stat st, ist;
	if (!ue_cfg.index)
		return -ENOENT;
	int r = sys_lstat(upper_real, &st);
	if (r < 0 || !S_ISREG(st.st_mode) || st.st_nlink < 2)
		return r < 0 ? r : -ENOENT;
	/* The entry's name is its origin record in hex, as the kernel's
	 * ovl_get_index_name makes it: the same bytes on every name. */
	long n = sys_lgetxattr(upper_real, UE_OVL_USER(ORIGIN), fb, sizeof fb);
	if (n <= 0 || (r = entry_path(fb, n, out, size)) < 0)
		return n <= 0 ? -ENOENT : r;
	r = sys_lstat(out, &ist);
	return r < 0 ? r : ist.st_ino == st.st_ino && ist.st_dev == st.st_dev ? 0 : -ENOENT;
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

/* Write the nlink record v (n bytes) on the entry idx (st: its lstat).  A
 * user xattr needs write permission on the file, which its owner may have
 * taken away (chmod 0444 through a name): the kernel writes it as the
 * mounter, who passes; the owner gives it back for the write. */
static void set_record(const char *idx, const struct stat *st, const char *v, int n)
{
	if (sys_lsetxattr(idx, UE_OVL_USER(NLINK), v, (size_t)n, 0) != -EACCES || (st->st_mode & S_IWUSR))
		return;
	if (sys_fchmodat(AT_FDCWD, idx, (st->st_mode & 07777) | S_IWUSR) == 0) {
		sys_lsetxattr(idx, UE_OVL_USER(NLINK), v, (size_t)n, 0);
		sys_fchmodat(AT_FDCWD, idx, st->st_mode & 07777);
	}
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
			set_record(idx, &ist, v, nlink_value(v, c - (long)ist.st_nlink - 1));
	}
	if (lk >= 0)
		sys_close(lk);  /* and the lock with it */
	return r;
}

void ue_index_name_gone(const char *idx)
{
	char v[16];
	struct stat ist;
	int lk = sys_openat(AT_FDCWD, ue_cfg.index, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (lk >= 0)
		UE_SYS(SYS_flock, lk, LOCK_EX);
	/* The entry alone is left, and the record counts no name: the file is
	 * gone from the union (the record "U-1": the kernel's ovl_nlink_end
	 * then ovl_cleanup_index).  One left with no names would show through
	 * a lower name still counted by nobody; and the kernel, mounted on
	 * this upper, would find an entry it never leaves. */
	if (sys_lstat(idx, &ist) == 0 && S_ISREG(ist.st_mode) && ist.st_nlink == 1) {
		long n = sys_lgetxattr(idx, UE_OVL_USER(NLINK), v, sizeof v - 1);
		if (n > 1 && v[0] == 'U' && (v[n] = '\0', strtol(v + 1, NULL, 10) + 1 <= 0))
			sys_unlinkat(AT_FDCWD, idx, 0);
	}
	if (lk >= 0)
		sys_close(lk);
}

unsigned long ue_index_nlink(const char *real, unsigned long nlink)
{
	char v[16];
	if (!ue_cfg.index)
		return nlink;
	long c = recorded(v, sys_lgetxattr(real, UE_OVL_USER(NLINK), v, sizeof v), nlink);
	return c > 0 ? (unsigned long)c : nlink;
}

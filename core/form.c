/* Which form of markers a directory's filesystem can hold, found by trying:
 * the launcher asks once per launch (unionenv-upperform), the library asks
 * again where a marker was refused and no launcher had said. */
#include "form.h"
#include "config.h"
#include "sys.h"
#include "markers.h"
#include "tmpname.h"

#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sysmacros.h>

int ue_form_refused(int err)
{
	return err == -EPERM || err == -EOPNOTSUPP || err == -EINVAL || err == -ENOSYS;
}

/* A failure that says nothing of the forms a filesystem takes. */
static int no_room(int err)
{
	return err == -ENOSPC || err == -EDQUOT || err == -EROFS;
}

/* A name of our own in dir, hidden from listings like every UE_TMP_PREFIX. */
static int probe_name(char *buf, size_t size, const char *dir)
{
	int n = snprintf(buf, size, "%s/" UE_TMP_PREFIX "probe.%d", dir, (int)getpid());
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* An empty file that takes the xattr whiteout's attribute: unnamed where the
 * filesystem has O_TMPFILE, else under the probe name. */
static int holds_xattr(const char *dir, const char *name)
{
	int fd = sys_openat(AT_FDCWD, dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600), named = fd < 0;
	if (named)
		fd = sys_openat(AT_FDCWD, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return fd;
	int r = sys_fsetxattr(fd, UE_OVL_USER(WHITEOUT), "y", 1, 0);
	sys_close(fd);
	if (named)
		sys_unlinkat(AT_FDCWD, name, 0);
	return r;
}

/* One probe at a time in dir: another's entry, made between our look at
 * the times and our own entry, would have us put back the times its entry
 * gave (two launches at once on one upper left its root "changed" with
 * nothing changed in it).  A lock on dir, held by its fd (returned, or
 * -1); waited for a second at most, as a program of the union may hold
 * a lock on its own directory for long. */
int ue_form_lock(const char *dir)
{
	int lk = sys_openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	for (int i = 0; lk >= 0 && i < 1000 && UE_SYS(SYS_flock, lk, LOCK_EX | LOCK_NB) == -EWOULDBLOCK; i++) {
		struct timespec ms = { 0, 1000000 };
		UE_SYS(SYS_nanosleep, &ms, NULL);
	}
	return lk;
}

int ue_form_probe(const char *dir)
{
	int lk = ue_form_lock(dir);
	int form = ue_form_probe_locked(dir);
	if (lk >= 0)
		sys_close(lk);
	return form;
}

int ue_form_probe_locked(const char *dir)
{
	char name[4096];
	struct stat st;
	int r;
	if ((r = probe_name(name, sizeof name, dir)) < 0)
		return r;
	if ((r = sys_lstat(dir, &st)) < 0)
		return r;
	int form = UE_FORM_DEVICE;
	r = sys_mknodat(AT_FDCWD, name, S_IFCHR | 0000, makedev(0, 0));
	/* Some filesystems (FUSE's exfat) leave a regular file behind a refusal. */
	sys_unlinkat(AT_FDCWD, name, 0);
	/* A full filesystem (ENOSPC, EDQUOT) or a read-only one says nothing
	 * of the forms it takes, and an upper given another form then would
	 * keep it for good (the launcher records it on the upper's root).
	 * Any other failure is a refusal: FUSE's exfat refuses a device with
	 * EIO. */
	if (r < 0 && !no_room(r)) {
		form = UE_FORM_XATTR;
		if ((r = holds_xattr(dir, name)) < 0 && !no_room(r)) {
			form = UE_FORM_AUFS;
			r = 0;
		}
	}
	if (r < 0)
		form = r;
	/* The directory shows no sign of the probe: its times go back. */
	struct timespec ts[2] = { st.st_atim, st.st_mtim };
	sys_utimensat(AT_FDCWD, dir, ts, AT_SYMLINK_NOFOLLOW);
	return form;
}

int ue_form_parse(const char *name)
{
	if (!name)
		return -1;
	return !strcmp(name, "device") ? UE_FORM_DEVICE
	     : !strcmp(name, "xattr") ? UE_FORM_XATTR
	     : !strcmp(name, "aufs") || !strcmp(name, "oci") ? UE_FORM_AUFS
	     : -1;
}

const char *ue_form_name(int form)
{
	return form == UE_FORM_XATTR ? "xattr" : form == UE_FORM_AUFS ? "aufs" : "device";
}

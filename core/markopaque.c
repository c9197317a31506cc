/* Directories made opaque in the upper, in the form of ue_cfg.upper_form
 * (core/mark.h): user.overlay.opaque=y, or the aufs .wh..wh..opq marker;
 * with the whiteouts inside dropped where they hide nothing any more. */
#include "mark.h"
#include "config.h"
#include "form.h"
#include "markers.h"
#include "ondir.h"
#include "path.h"
#include "readdir.h"
#include "sys.h"
#include "trace.h"

#include <string.h>
#include <sys/xattr.h>

/* An empty file at path, mode 0 as the kernel's whiteout device; one
 * already there will do. */
static int make_empty(const char *path)
{
	int fd = sys_openat(AT_FDCWD, path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd == -EEXIST ? 0 : fd;  /* mode 0: opening it again is refused */
	sys_close(fd);
	return 0;
}

static int set_opaque_once(const char *real_dir)
{
	char marker[UE_PATH_MAX];
	int r;
	switch (ue_cfg.upper_form) {
	case UE_FORM_AUFS: {
		/* A marker inside is no change of the directory's own: its times stay. */
		struct stat st;
		if ((r = sys_lstat(real_dir, &st)) < 0 ||
		    (r = ue_path_join(marker, sizeof marker, real_dir, UE_AUFS_OPAQUE)) < 0 || (r = make_empty(marker)) < 0)
			return r;
		struct timespec ts[2] = { st.st_atim, st.st_mtim };
		sys_utimensat(AT_FDCWD, real_dir, ts, AT_SYMLINK_NOFOLLOW);
		return 0;
	}
	case UE_FORM_XATTR:
		/* Opaque=y replaces opaque=x, and the xattr whiteouts, which
		 * would then read as empty files, go: marked first, then dropped
		 * (the drop takes them in an opaque directory too).  Dropped
		 * first, the directory would show its lowers' names between the
		 * two steps, and a racer's copy-up of one would stay for good. */
		if ((r = sys_lsetxattr(real_dir, UE_OVL_USER(OPAQUE), "y", 1, 0)) < 0)
			return r;
		return ue_dir_drop_whiteouts(real_dir);
	default:
		return sys_lsetxattr(real_dir, UE_OVL_USER(OPAQUE), "y", 1, 0);
	}
}

static int set_opaque(const char *dir)
{
	int r;
	while ((r = set_opaque_once(dir)) < 0 && ue_form_next(dir, r))
		;
	return r;
}

int ue_set_opaque(const char *real_dir)
{
	int r = ue_on_dir(real_dir, set_opaque);
	if (r == 0 && ue_trace_on)
		ue_trace_event("opaque", real_dir);
	return r;
}

/* The aufs markers in real_dir but its opaque marker: a racer's, made
 * after the first drop and before the directory became opaque. */
static void drop_aufs_names(const char *real_dir)
{
	char buf[8192];
	int fd = sys_openat(AT_FDCWD, real_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	long n;
	while (fd >= 0 && (n = sys_getdents64(fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			off += d->d_reclen;
			if (ue_aufs_is_marker(d->d_name) && strcmp(d->d_name, UE_AUFS_OPAQUE))
				sys_unlinkat(fd, d->d_name, 0);
		}
	}
	if (fd >= 0)
		sys_close(fd);
}

static int set_opaque_clean(const char *real_dir)
{
	/* aufs: the opaque marker is one of the .wh. names a drop removes:
	 * marked first, then every other .wh. name dropped.  A directory
	 * opaque already (a racer copied it whole too) must never stop being
	 * so meanwhile: a marker a racer made then, and checked against no
	 * opaque marker, would stay behind once the directory moved on. */
	if (ue_cfg.upper_form == UE_FORM_AUFS) {
		int r = set_opaque(real_dir);
		if (r == 0)
			drop_aufs_names(real_dir);
		return r;
	}
	int r = set_opaque(real_dir);
	/* The xattr form's mark has dropped them already (set_opaque_once). */
	return r < 0 || ue_cfg.upper_form == UE_FORM_XATTR ? r : ue_dir_drop_whiteouts(real_dir);
}

int ue_set_opaque_clean(const char *real_dir)
{
	int r = ue_on_dir(real_dir, set_opaque_clean);
	if (r == 0 && ue_trace_on)
		ue_trace_event("opaque", real_dir);
	return r;
}

/* Whiteout devices made as the kernel's overlayfs makes them: a hard link
 * to one whiteout inode (fs/overlayfs/dir.c, ovl_whiteout: "whiteout
 * sharing", Linux 5.8), where the filesystem takes the link; else a new
 * device, which then becomes the one linked to.  A new inode is an
 * allocation in the filesystem: on ext4 a whiteout cost 17 us to 330 us,
 * depending on how many inodes were freed there in the last seconds (the
 * spread of rm -rf from run to run, issue 12); a link costs 11 us, and
 * its removal half of an inode's.
 *
 * Nothing but the inode number says the names are one inode: a char 0/0
 * device is a whiteout whatever its links (the kernel's own uppers hold
 * such links; tests/conformance compares uppers without link groups).
 * Where a link is refused (another filesystem below the upper's root,
 * the link limit, protected_hardlinks for a whiteout of another user, the
 * last name of the inode gone: nlink 0), a new device is made and kept.
 *
 * The inode is held by an O_PATH fd of this process: high, out of the way
 * of programs that dup2 onto low numbers, closed on exec, and checked
 * before each link, as core/trace.c checks its file: the program may have
 * closed the number and got it again for another file (closefrom, a vfork
 * child's fds in its parent's memory).  What the check finds, a char 0/0
 * device, stays one whatever happens to its names.  Lock-free: threads
 * that race to replace it each check what they read. */
#include "sharedwhiteout.h"
#include "markers.h"
#include "procfd.h"
#include "sys.h"

#include <dirent.h>
#include <linux/magic.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#define SHARED_FD_MIN 700

static _Atomic int shared_fd = -1;
static atomic_bool linking_off;   /* links through /proc/self/fd do not work here */
/* Linked from the fd itself (linkat AT_EMPTY_PATH), no /proc/self/fd path
 * walked.  Linux 6.10 allows it where the fd was opened with the caller's
 * very credentials or by a holder of CAP_DAC_READ_SEARCH: not in a fork
 * child (its credentials are a copy), nor before 6.10; the first refusal
 * turns it off for the process. */
static atomic_bool empty_off;

/* Whether fd holds a whiteout now, st its stat. */
static int holds_whiteout(int fd, struct stat *st)
{
	return fd >= 0 && sys_fstat(fd, st) == 0 && ue_is_whiteout(st);
}

/* The whiteout at fd, with links to spare: its nlink, else 0. */
static int usable(int fd)
{
	struct stat st;
	if (!holds_whiteout(fd, &st))
		return 0;
	return st.st_nlink > 0 && st.st_nlink < 60000 ? (int)st.st_nlink : 0;
}

/* The whiteout just made at base becomes the one linked to. */
static void keep(int dfd, const char *base)
{
	int fd = sys_openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	int high = (int)UE_SYS(SYS_fcntl, fd, F_DUPFD_CLOEXEC, SHARED_FD_MIN);
	sys_close(fd);
	if (high < 0)
		return;
	if (!usable(high)) {   /* a racer's entry took the name meanwhile */
		sys_close(high);
		return;
	}
	int old = atomic_exchange(&shared_fd, high);
	if (old >= 0)
		sys_close(old);
}

int ue_whiteout_device(int dfd, const char *base)
{
	int fd = atomic_load(&shared_fd);
	if (!atomic_load(&empty_off) && usable(fd)) {
		int r = sys_linkat(fd, "", dfd, base, AT_EMPTY_PATH);
		if (r == 0 || r == -EEXIST)
			return r;
		/* The inode has names but the kernel would not link it from
		 * the fd: before Linux 6.10, or acting with other credentials
		 * than the fd's opener (the supervisor). */
		if (r == -ENOENT && usable(fd))
			atomic_store(&empty_off, 1);
	}
	if (atomic_load(&empty_off) && !atomic_load(&linking_off) && usable(fd)) {
		char proc[32];
		ue_proc_fd(proc, sizeof proc, fd, NULL);
		int r = sys_linkat(AT_FDCWD, proc, dfd, base, AT_SYMLINK_FOLLOW);
		if (r == 0 || r == -EEXIST)
			return r;
		/* The inode has names (usable said so) but the link through
		 * /proc finds none: no /proc, or the fd went meanwhile. */
		if (r == -ENOENT && usable(fd))
			atomic_store(&linking_off, 1);
	}
	int r = sys_mknodat(dfd, base, S_IFCHR | 0000, makedev(0, 0));
	if (r == 0 && !atomic_load(&linking_off))
		keep(dfd, base);
	return r;
}

/* Filesystems whose listings give each entry the inode number stat
 * gives: not overlayfs, whose merged listings may not, nor FUSE, whose
 * d_ino is the filesystem's word and st_ino the kernel's node. */
static int lists_st_ino(long type)
{
	return type == EXT4_SUPER_MAGIC || type == XFS_SUPER_MAGIC || type == TMPFS_MAGIC ||
	       type == BTRFS_SUPER_MAGIC || type == F2FS_SUPER_MAGIC;
}

/* The device last found to list st_ino, plus one (0: none yet): one
 * fstatfs a process, not one a directory. */
static _Atomic unsigned long long listing_dev;

static int shared_ino_in(int dfd, unsigned long long *ino)
{
	struct stat wh, dir;
	struct statfs sf;
	/* A whiteout now, at any number of links.  The fd keeps its inode,
	 * and so its number, to itself while the listing goes on, unless the
	 * program closes the fd meanwhile and the number is reused for a
	 * device in that directory, a race not worth a stat a name. */
	if (!holds_whiteout(atomic_load(&shared_fd), &wh) || sys_fstat(dfd, &dir) < 0 || dir.st_dev != wh.st_dev)
		return 0;
	if (atomic_load(&listing_dev) != (unsigned long long)dir.st_dev + 1) {
		if (UE_SYS(SYS_fstatfs, dfd, &sf) < 0 || !lists_st_ino((long)sf.f_type))
			return 0;
		atomic_store(&listing_dev, (unsigned long long)dir.st_dev + 1);
	}
	*ino = wh.st_ino;
	return 1;
}

int ue_whiteout_listed(struct ue_shared_listed *l, int dfd, unsigned long long d_ino, unsigned char d_type)
{
	if (d_type != DT_CHR)
		return 0;
	if (!l->asked) {
		l->asked = 1;
		l->known = shared_ino_in(dfd, &l->ino);
	}
	return l->known && d_ino == l->ino;
}

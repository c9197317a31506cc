#include "shm.h"
#include "apart.h"
#include "config.h"
#include "state.h"
#include "sys.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/mman.h>
#include <time.h>

#define SHM_MAGIC UE_SHM_MAGIC

struct ue_shm ue_shm_private UE_APART;
struct ue_shm *ue_shm = &ue_shm_private;
static char shm_path[160];  /* the shared segment's file, for ue_shm_lock */
static dev_t shm_dev;       /* ... and its identity, checked at each lock */
static ino_t shm_ino;

/* Opening a name in /dev/shm, a directory every user writes: never follow
 * a symlink, never wait on a FIFO or a device another user put there. */
#define SHM_OPEN (O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)

/* A file that may serve as this user's segment: a regular file of ours
 * with one name (a hard link placed at the name, where
 * fs.protected_hardlinks is 0, would make us write into whatever file of
 * ours it names), that no one else may open (so no other user can
 * truncate it, which would kill every process mapping it with SIGBUS, or
 * write it, which would mislead them). */
enum fit { FIT, FIT_UNSIZED, OURS_BAD, NOT_OURS };
static enum fit fits(const struct stat *st)
{
	if (!S_ISREG(st->st_mode) || st->st_uid != geteuid())
		return NOT_OURS;
	if (st->st_nlink != 1 || (st->st_mode & 077))
		return OURS_BAD;
	if (st->st_size == 0)
		return FIT_UNSIZED;  /* made by a process of ours an instant ago */
	return st->st_size == (off_t)sizeof(struct ue_shm) ? FIT : OURS_BAD;
}

/* Never blocking: a signal handler may interrupt this process's own
 * holder.  Held for microseconds; two seconds is a dead end. */
int ue_shm_lock(void)
{
	if (ue_shm == &ue_shm_private)
		return UE_SHM_ALONE;
	struct timespec ms = { 0, 1000000 };
	int tries = 2000, fd, r;
	while ((r = ue_trylock(UE_LOCK_RENAME)) != 0) {
		if (r == -EDEADLK || --tries <= 0)
			return -1;
		UE_SYS(SYS_nanosleep, &ms, NULL);
	}
	struct stat st;
	if ((fd = sys_openat(AT_FDCWD, shm_path, SHM_OPEN, 0)) >= 0 &&
	    (sys_fstat(fd, &st) < 0 || st.st_dev != shm_dev || st.st_ino != shm_ino)) {
		sys_close(fd);  /* not our segment's file any more */
		fd = -1;
	}
	if (fd >= 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		for (; tries > 0; tries--) {
			long r = UE_SYS(SYS_fcntl, fd, F_SETLK, &fl);
			if (r == 0)
				return fd;
			if (r != -EAGAIN && r != -EACCES && r != -EINTR)
				break;
			UE_SYS(SYS_nanosleep, &ms, NULL);
		}
		sys_close(fd);
	}
	ue_unlock(UE_LOCK_RENAME);
	return -1;
}

void ue_shm_unlock(int lock)
{
	if (lock >= 0) {
		sys_close(lock);  /* drops the record lock */
		ue_unlock(UE_LOCK_RENAME);
	}
}

/* Remove the name path only while it still holds the file open at fd,
 * the one found not to be a segment of ours (foreign, damaged, dead).
 * Processes of a new union start at once: two may find the same foreign
 * file, and the first removes it and makes the new segment at the name;
 * the second, removing by name after, would take that new segment away
 * from the first, and the two would post to rings nobody else reads (a
 * test harness's temporary uppers often reuse a dead one's inode number,
 * so a foreign file at the name is common).  Each remover holds a lock on
 * the file it found and looks at the name under it: whoever comes second
 * finds another file there (or none) and leaves it.  Never waits long. */
static void remove_found(int dfd, const char *name, int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct timespec ms = { 0, 1000000 };
	struct stat found, now;
	int tries = 2000;
	long r;
	while ((r = UE_SYS(SYS_fcntl, fd, F_OFD_SETLK, &fl)) != 0) {
		if ((r != -EAGAIN && r != -EACCES && r != -EINTR) || --tries <= 0)
			return;
		UE_SYS(SYS_nanosleep, &ms, NULL);
	}
	if (sys_fstat(fd, &found) == 0 && sys_fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	    found.st_dev == now.st_dev && found.st_ino == now.st_ino)
		sys_unlinkat(dfd, name, 0);
	/* The lock goes with the caller's close of fd. */
}

/* The birth time of an upper directory in ns, 0 where the filesystem keeps
 * none.  With the device and inode number it tells a new upper from a dead
 * one whose inode number it reuses: the rename log (core/renames.h) of the
 * dead one must not apply to the new one. */
static uint64_t born(const char *path)
{
	struct statx sx;
	if (UE_SYS(SYS_statx, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BTIME, &sx) < 0 || !(sx.stx_mask & STATX_BTIME))
		return 0;
	return (uint64_t)sx.stx_btime.tv_sec * 1000000000u + sx.stx_btime.tv_nsec;
}

/* The upper's device, inode and birth time (0 where the filesystem keeps
 * none), in one statx where the kernel has it. */
static int upper_id(const char *upper, struct stat *st, uint64_t *upper_born)
{
	struct statx sx;
	if (UE_SYS(SYS_statx, AT_FDCWD, upper, AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_BTIME, &sx) == 0 &&
	    (sx.stx_mask & STATX_INO)) {
		st->st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
		st->st_ino = sx.stx_ino;
		*upper_born = sx.stx_mask & STATX_BTIME
		                  ? (uint64_t)sx.stx_btime.tv_sec * 1000000000u + sx.stx_btime.tv_nsec : 0;
		return 0;
	}
	int r = sys_lstat(upper, st);
	*upper_born = r < 0 ? 0 : born(upper);
	return r;
}

/* Remove this user's segments whose upper is gone (or that an older
 * version left): run by the process that makes a new segment, so once per
 * new upper.  Only regular files of ours are opened (without waiting: a
 * FIFO named like ours must not stop a union at its start) and removed. */
/* What collect reads of another segment: its head, not the whole
 * segment (hundreds of KiB), which would not fit a small thread stack. */
struct shm_head {
	uint64_t magic;
	uint64_t upper_dev, upper_ino;
	uint64_t upper_born;
	char upper[sizeof ((struct ue_shm *)0)->upper];
};
_Static_assert(offsetof(struct shm_head, upper_born) == offsetof(struct ue_shm, upper_born) &&
               offsetof(struct shm_head, upper) == offsetof(struct ue_shm, upper) &&
               sizeof(struct shm_head) <= offsetof(struct ue_shm, ring),
               "struct shm_head is the head of struct ue_shm");

static void collect(const char *dir, const char *mine)
{
	char buf[8192], prefix[64];
	struct shm_head head;
	size_t off_upper = sizeof head;
	snprintf(prefix, sizeof prefix, UE_SHM_PREFIX "%u-", (unsigned)geteuid());
	int dfd = sys_openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (dfd < 0)
		return;
	long n;
	while ((n = sys_getdents64(dfd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			off += d->d_reclen;
			if (strncmp(d->d_name, prefix, strlen(prefix)) || !strcmp(d->d_name, mine))
				continue;
			struct stat rs, us;
			if (sys_fstatat(dfd, d->d_name, &rs, AT_SYMLINK_NOFOLLOW) < 0 || fits(&rs) == NOT_OURS)
				continue;
			/* For writing: remove_found's lock is a write lock (a read-only
			 * fd gets EBADF, and no dead segment was ever removed). */
			int fd = sys_openat(dfd, d->d_name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
			if (fd < 0)
				continue;
			int fst = sys_fstat(fd, &rs);
			long got = fst == 0 && fits(&rs) != NOT_OURS ? sys_pread(fd, &head, off_upper, 0) : -1;
			if (fst < 0 || fits(&rs) == NOT_OURS) {
				sys_close(fd);
				continue;
			}
			head.upper[sizeof head.upper - 1] = '\0';
			int dead;
			if (got == (long)off_upper && head.magic == SHM_MAGIC && fits(&rs) == FIT)
				dead = sys_lstat(head.upper, &us) < 0 || us.st_dev != head.upper_dev || us.st_ino != head.upper_ino ||
				       born(head.upper) != head.upper_born;
			else  /* another version's, a damaged one, or one being made right now: only when old */
				dead = rs.st_mtime + 3600 < time(NULL);
			if (dead)
				remove_found(dfd, d->d_name, fd);  /* not a segment made there since */
			sys_close(fd);
		}
	}
	sys_close(dfd);
}

/* One segment per upper directory and user, named after the upper's inode.
 * A segment found under that name for another upper (a dead one whose
 * inode number was reused, or one of an older format), or damaged, is
 * replaced, never taken over: a segment that collect removes is then one
 * no process can be using.  A file of another user's at the name (this
 * user cannot remove it from /dev/shm) leaves the process with a private
 * segment: no cache, slower, never misled. */
static struct ue_shm *attach(void)
{
	static const char dir[] = "/dev/shm";
	struct stat st;
	char name[128], path[160];
	const char *upper = ue_cfg.layer[UE_UPPER].root;
	uint64_t upper_born;
	if (upper_id(upper, &st, &upper_born) < 0)
		return NULL;
	snprintf(name, sizeof name, UE_SHM_PREFIX "%u-%lx-%lx", (unsigned)geteuid(), (unsigned long)st.st_dev,
	         (unsigned long)st.st_ino);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	for (int attempt = 0; attempt < 3; attempt++) {
		/* Made once per upper, found by every process after. */
		int made = 0;
		int fd = sys_openat(AT_FDCWD, path, SHM_OPEN, 0);
		if (fd == -ENOENT) {
			made = 1;
			fd = sys_openat(AT_FDCWD, path, SHM_OPEN | O_CREAT | O_EXCL, 0600);
			if (fd == -EEXIST) {
				made = 0;
				fd = sys_openat(AT_FDCWD, path, SHM_OPEN, 0);
			}
		}
		if (fd < 0)
			return NULL;
		struct stat rs;
		enum fit fit = sys_fstat(fd, &rs) == 0 ? fits(&rs) : NOT_OURS;
		if (fit == FIT_UNSIZED && sys_ftruncate(fd, sizeof(struct ue_shm)) == 0 && sys_fstat(fd, &rs) == 0)
			fit = fits(&rs);  /* two processes may both size it: the same size */
		if (fit != FIT) {
			if (fit != NOT_OURS)
				remove_found(AT_FDCWD, path, fd);  /* ours, but not a segment */
			sys_close(fd);
			if (fit == NOT_OURS)
				return NULL;
			continue;
		}
		/* The system call, as everywhere in core/ (sys.h): the libc
		 * name is the preload's own wrapper, which looked the fd up in
		 * its table and libc's mmap up by name at every start. */
		long m = UE_SYS(SYS_mmap, NULL, sizeof(struct ue_shm), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m < 0) {
			sys_close(fd);
			return NULL;
		}
		struct ue_shm *s = (struct ue_shm *)m;
		int foreign = s->magic != 0 &&
		              (s->magic != SHM_MAGIC || s->upper_dev != st.st_dev || s->upper_ino != st.st_ino ||
		               s->upper_born != upper_born);
		if (foreign) {
			UE_SYS(SYS_munmap, s, sizeof(struct ue_shm));
			remove_found(AT_FDCWD, path, fd);
			sys_close(fd);
			continue;
		}
		sys_close(fd);
		if (s->magic == 0) {
			/* New: say whose it is (every process that gets here writes
			 * the same values). */
			s->upper_dev = st.st_dev;
			s->upper_ino = st.st_ino;
			s->upper_born = upper_born;
			snprintf(s->upper, sizeof s->upper, "%s", upper[0] ? upper : "/");
			atomic_thread_fence(memory_order_release);
			s->magic = SHM_MAGIC;
		}
		if (made)
			collect(dir, name);
		snprintf(shm_path, sizeof shm_path, "%s", path);
		shm_dev = rs.st_dev;
		shm_ino = rs.st_ino;
		return s;
	}
	return NULL;
}

int ue_shm_attach(void)
{
	struct ue_shm *s = attach();
	if (ue_shm != &ue_shm_private && ue_shm != s)
		UE_SYS(SYS_munmap, ue_shm, sizeof *ue_shm);
	ue_shm = s ? s : &ue_shm_private;
	return s != NULL;
}

void ue_shm_reset(void)
{
	if (ue_shm != &ue_shm_private)
		UE_SYS(SYS_munmap, ue_shm, sizeof *ue_shm);
	ue_shm = &ue_shm_private;
	memset(&ue_shm_private, 0, sizeof ue_shm_private);
}

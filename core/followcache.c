/* followcache: see followcache.h. */
#include "followcache.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 4096              /* 256 KiB at most, in tmpfs pages touched lazily */
#define FORMAT 1                /* part of every checksum: a new format misses */
#define RACY_SECONDS 2

struct slot {
	uint64_t dev, ino, size;
	int64_t mtime, ctime;
	uint32_t mtime_ns, ctime_ns;
	uint32_t code;
	uint32_t pad;
	uint64_t check;
};
_Static_assert(sizeof(struct slot) == 64, "a slot is one aligned 64-byte write");

static void key_of(const struct stat *st, struct slot *s)
{
	memset(s, 0, sizeof *s);
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = (uint64_t)st->st_size;
	s->mtime = st->st_mtim.tv_sec;
	s->mtime_ns = (uint32_t)st->st_mtim.tv_nsec;
	s->ctime = st->st_ctim.tv_sec;
	s->ctime_ns = (uint32_t)st->st_ctim.tv_nsec;
}

/* FNV-1a over the slot without its checksum, then a final mix. */
static uint64_t seal(const struct slot *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t h = 0xcbf29ce484222325ull ^ FORMAT;
	for (size_t i = 0; i < offsetof(struct slot, check); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

static off_t slot_offset(const struct slot *s)
{
	uint64_t h = s->ino * 0x9e3779b97f4a7c15ull ^ s->dev * 0xc2b2ae3d27d4eb4full;
	return (off_t)((h >> 32) % SLOTS) * (off_t)sizeof *s;
}

/* The cache file, opened and checked; -1 when there is none to trust. */
static int cache_open(int create)
{
	char name[96];
	const char *path = getenv("UNIONENV_FOLLOW_CACHE");
	if (!path) {
		snprintf(name, sizeof name, "/dev/shm/unionenv-followable-%u", (unsigned)geteuid());
		path = name;
	}
	if (!*path)
		return -1;
	/* O_NONBLOCK: a FIFO under the name must not hang us (it is then
	 * refused below); O_NOFOLLOW: nor a symlink lead us elsewhere. */
	int fl = O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
	int fd = sys_openat(AT_FDCWD, path, fl, 0);
	if (fd == -ENOENT && create)
		fd = sys_openat(AT_FDCWD, path, fl | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	struct stat st;
	if (sys_fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1 ||
	    (st.st_mode & 077) || st.st_size > (off_t)(SLOTS * sizeof(struct slot))) {
		sys_close(fd);
		return -1;
	}
	return fd;
}

int ue_followcache_get(const struct stat *st, uint32_t *code)
{
	struct slot want, got;
	key_of(st, &want);
	int fd = cache_open(0);
	if (fd < 0)
		return 0;
	long n = sys_pread(fd, &got, sizeof got, slot_offset(&want));
	sys_close(fd);
	if (n != (long)sizeof got || got.check != seal(&got))
		return 0;
	want.code = got.code;
	if (memcmp(&want, &got, offsetof(struct slot, check)) != 0)
		return 0;
	*code = got.code;
	return 1;
}

void ue_followcache_put(const struct stat *st, uint32_t code)
{
	struct slot s;
	struct timespec now;
	/* A file changed in the last seconds may change again within the
	 * same tick of the clock (coarse timestamps), same size: its key
	 * would then name other contents.  Such a file is judged each time
	 * until it has rested (git's "racily clean" entries, the same way). */
	if (clock_gettime(CLOCK_REALTIME, &now) < 0 || st->st_ctim.tv_sec + RACY_SECONDS >= now.tv_sec)
		return;
	key_of(st, &s);
	s.code = code;
	s.check = seal(&s);
	int fd = cache_open(1);
	if (fd < 0)
		return;
	UE_SYS(SYS_pwrite64, fd, &s, sizeof s, slot_offset(&s));
	sys_close(fd);
}

#include "cache.h"
#include "config.h"
#include "lowermap.h"
#include "renames.h"
#include "state.h"
#include "sys.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stddef.h>
#include <time.h>
#include <uthash.h>

#define RING_SLOTS 1024
#define RING_PATH 240
#define RING_MAGIC 0x756e696f6e726e34ULL  /* "unionrn4" */
#define RING_PREFIX "unionenv-"
#define CACHE_MAX 65536                      /* entries before a flush */

struct ring_slot {
	_Atomic uint64_t seq;    /* event number + 1 once written; 0 while writing */
	uint32_t subtree;
	uint32_t len;            /* RING_PATH or more: too long, flush all */
	char rel[RING_PATH];
};

struct ring {
	uint64_t magic;
	_Atomic uint64_t head;   /* number of events ever posted */
	uint64_t upper_dev, upper_ino;
	uint64_t upper_born;     /* birth time in ns: a new upper may reuse a dead one's inode */
	char upper[4096];        /* whose ring: found dead once that upper is gone */
	struct ring_slot slot[RING_SLOTS];
	struct ue_rename_log renames;
	struct ue_lowermap lowermap;
};

struct entry {
	UT_hash_handle hh;
	struct ue_node node;
	char rel[];
};

__thread int ue_cache_bypass;

static struct ring private_ring;
static struct ring *ring = &private_ring;
static char ring_path[160];                 /* the shared ring's file, for ue_cache_lock */
/* Without a ring shared with the other processes, a cached answer could go
 * stale behind our back: then nothing is cached at all. */
static int caching = 1;
static uint64_t seen;                       /* events applied to the table */
static struct entry *table;
static unsigned long n_entries, n_hits, n_misses, n_flushes;

static void flush_locked(void)
{
	struct entry *e, *t;
	HASH_ITER(hh, table, e, t) {
		HASH_DEL(table, e);
		free(e);
	}
	n_entries = 0;
	n_flushes++;
}

static void drop_locked(const char *rel, size_t len)
{
	struct entry *e;
	HASH_FIND(hh, table, rel, len, e);
	if (e) {
		HASH_DEL(table, e);
		free(e);
		n_entries--;
	}
}

/* Apply the events posted since the last look. */
static void sync_locked(void)
{
	uint64_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
	if (head == seen)
		return;
	if (head - seen > RING_SLOTS) {
		flush_locked();
		seen = head;
		return;
	}
	for (; seen < head; seen++) {
		struct ring_slot *s = &ring->slot[seen % RING_SLOTS];
		char rel[RING_PATH];
		if (atomic_load_explicit(&s->seq, memory_order_acquire) != seen + 1)
			goto torn;
		uint32_t len = s->len, subtree = s->subtree;
		if (len >= RING_PATH || subtree)
			goto torn;
		memcpy(rel, s->rel, len);
		if (atomic_load_explicit(&s->seq, memory_order_acquire) != seen + 1)
			goto torn;
		drop_locked(rel, len);
	}
	return;
torn:
	flush_locked();
	seen = head;
}

int ue_cache_find(const char *rel, struct ue_node *out)
{
	if (ue_cache_bypass || !caching)
		return 0;
	struct entry *e;
	if (ue_lock(UE_LOCK_NODECACHE) < 0)
		return 0;  /* a signal handler interrupted this thread's holder */
	sync_locked();
	HASH_FIND(hh, table, rel, strlen(rel), e);
	if (e) {
		*out = e->node;
		n_hits++;
	} else {
		n_misses++;
	}
	ue_unlock(UE_LOCK_NODECACHE);
	return e != NULL;
}

struct ue_rename_log *ue_cache_renames(void)
{
	return &ring->renames;
}

struct ue_lowermap *ue_cache_lowermap(void)
{
	return &ring->lowermap;
}

/* The processes exclude each other by a record lock on the ring's file
 * (fcntl: released when its holder dies, not inherited by a fork child),
 * the threads of one process by a mutex (record locks of one process do
 * not conflict).  Never blocking: a signal handler may interrupt this
 * process's own holder.  Held for microseconds; two seconds is a dead end. */
int ue_cache_lock(void)
{
	if (ring == &private_ring)
		return UE_CACHE_ALONE;
	struct timespec ms = { 0, 1000000 };
	int tries = 2000, fd;
	int r;
	while ((r = ue_trylock(UE_LOCK_RENAME)) != 0) {
		if (r == -EDEADLK || --tries <= 0)
			return -1;
		UE_SYS(SYS_nanosleep, &ms, NULL);
	}
	if ((fd = sys_openat(AT_FDCWD, ring_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0)) >= 0) {
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

void ue_cache_unlock(int lock)
{
	if (lock >= 0) {
		sys_close(lock);  /* drops the record lock */
		ue_unlock(UE_LOCK_RENAME);
	}
}

unsigned long ue_cache_mark(void)
{
	return (unsigned long)atomic_load_explicit(&ring->head, memory_order_acquire);
}

void ue_cache_put(const char *rel, const struct ue_node *n, unsigned long mark)
{
	if (ue_cache_bypass || !caching)
		return;
	size_t len = strlen(rel);
	struct entry *e = malloc(sizeof *e + len + 1), *old;
	if (!e)
		return;
	e->node = *n;
	memcpy(e->rel, rel, len + 1);
	if (ue_lock(UE_LOCK_NODECACHE) < 0) {
		free(e);
		return;
	}
	if (atomic_load_explicit(&ring->head, memory_order_acquire) != mark) {
		ue_unlock(UE_LOCK_NODECACHE);
		free(e);
		return;
	}
	sync_locked();
	if (n_entries >= CACHE_MAX)
		flush_locked();
	HASH_FIND(hh, table, rel, len, old);
	if (old) {
		HASH_DEL(table, old);
		free(old);
		n_entries--;
	}
	HASH_ADD(hh, table, rel, len, e);
	n_entries++;
	ue_unlock(UE_LOCK_NODECACHE);
}

/* Lock-free: also safe from a signal handler and in a vfork child. */
void ue_changed(const char *rel, int subtree)
{
	size_t len = strlen(rel);
	uint64_t n = atomic_fetch_add_explicit(&ring->head, 1, memory_order_acq_rel);
	struct ring_slot *s = &ring->slot[n % RING_SLOTS];
	atomic_store_explicit(&s->seq, 0, memory_order_release);
	s->subtree = subtree != 0;
	s->len = (uint32_t)(len < RING_PATH ? len : RING_PATH);
	if (len < RING_PATH)
		memcpy(s->rel, rel, len);
	atomic_store_explicit(&s->seq, n + 1, memory_order_release);
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

/* Remove this user's rings whose upper is gone (or that an older version
 * left): run by the process that makes a new ring, so once per new upper. */
static void ring_collect(const char *dir, const char *mine)
{
	char buf[8192], prefix[64], path[512];
	struct ring head;
	size_t off_upper = offsetof(struct ring, slot);
	snprintf(prefix, sizeof prefix, RING_PREFIX "%u-", (unsigned)getuid());
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
			snprintf(path, sizeof path, "%s/%s", dir, d->d_name);
			int fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
			struct stat rs, us;
			if (fd < 0)
				continue;
			long got = sys_pread(fd, &head, off_upper, 0);
			int fst = sys_fstat(fd, &rs);
			sys_close(fd);
			if (fst < 0 || rs.st_uid != getuid())
				continue;
			head.upper[sizeof head.upper - 1] = '\0';
			int dead;
			if (got == (long)off_upper && head.magic == RING_MAGIC)
				dead = sys_lstat(head.upper, &us) < 0 || us.st_dev != head.upper_dev || us.st_ino != head.upper_ino ||
				       born(head.upper) != head.upper_born;
			else  /* another version's, or one being made right now: only when old */
				dead = rs.st_mtime + 3600 < time(NULL);
			if (dead)
				sys_unlinkat(dfd, d->d_name, 0);
		}
	}
	sys_close(dfd);
}

/* One ring per upper directory and user, named after the upper's inode.
 * A ring found under that name for another upper (a dead one whose inode
 * number was reused, or one of an older format) is replaced, never taken
 * over: a ring that ring_collect removes is then one no process can be
 * using. */
static struct ring *ring_attach(void)
{
	static const char dir[] = "/dev/shm";
	struct stat st;
	char name[128], path[160];
	const char *upper = ue_cfg.layer[UE_UPPER].root;
	if (sys_lstat(upper, &st) < 0)
		return NULL;
	uint64_t upper_born = born(upper);
	snprintf(name, sizeof name, RING_PREFIX "%u-%lx-%lx", (unsigned)getuid(), (unsigned long)st.st_dev,
	         (unsigned long)st.st_ino);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	for (int attempt = 0; attempt < 3; attempt++) {
		int made = 1;
		int fd = sys_openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd == -EEXIST) {
			made = 0;
			fd = sys_openat(AT_FDCWD, path, O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0);
		}
		if (fd < 0)
			return NULL;
		struct stat rs;
		void *m = MAP_FAILED;
		if (sys_fstat(fd, &rs) == 0 && rs.st_uid == getuid() &&
		    (rs.st_size >= (off_t)sizeof(struct ring) || sys_ftruncate(fd, sizeof(struct ring)) == 0))
			m = mmap(NULL, sizeof(struct ring), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		sys_close(fd);
		if (m == MAP_FAILED)
			return NULL;
		struct ring *r = m;
		int foreign = r->magic != 0 &&
		              (r->magic != RING_MAGIC || r->upper_dev != st.st_dev || r->upper_ino != st.st_ino ||
		               r->upper_born != upper_born);
		if (foreign) {
			munmap(m, sizeof(struct ring));
			sys_unlinkat(AT_FDCWD, path, 0);
			continue;
		}
		if (r->magic == 0) {
			/* New: say whose it is (every process that gets here writes
			 * the same values). */
			r->upper_dev = st.st_dev;
			r->upper_ino = st.st_ino;
			r->upper_born = upper_born;
			snprintf(r->upper, sizeof r->upper, "%s", upper[0] ? upper : "/");
			atomic_thread_fence(memory_order_release);
			r->magic = RING_MAGIC;
		}
		if (made)
			ring_collect(dir, name);
		snprintf(ring_path, sizeof ring_path, "%s", path);
		return r;
	}
	return NULL;
}

void ue_cache_init(void)
{
	ue_lock(UE_LOCK_NODECACHE);
	flush_locked();
	struct ring *r = ring_attach();
	if (ring != &private_ring && ring != r)
		munmap(ring, sizeof *ring);
	ring = r ? r : &private_ring;
	caching = r != NULL;
	seen = atomic_load(&ring->head);
	n_hits = n_misses = n_flushes = 0;
	ue_unlock(UE_LOCK_NODECACHE);
}

void ue_cache_reset(void)
{
	ue_lock(UE_LOCK_NODECACHE);
	flush_locked();
	if (ring != &private_ring)
		munmap(ring, sizeof *ring);
	ring = &private_ring;
	caching = 1;  /* one process alone (the unit tests): the private ring is whole */
	memset(&private_ring, 0, sizeof private_ring);
	seen = 0;
	n_hits = n_misses = n_flushes = 0;
	ue_unlock(UE_LOCK_NODECACHE);
}

void ue_cache_stats(struct ue_cache_stats *s)
{
	ue_lock(UE_LOCK_NODECACHE);
	s->hits = n_hits;
	s->misses = n_misses;
	s->flushes = n_flushes;
	s->entries = n_entries;
	ue_unlock(UE_LOCK_NODECACHE);
}

void ue_cache_abandon(void)
{
	table = NULL;  /* may be half-changed: neither walked nor freed */
	n_entries = 0;
	n_flushes++;
}

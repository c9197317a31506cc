/* The table of this process's fds and their union names (fdnames.h).
 * Entries of a fixed size, in chunks mapped on first use and never unmapped
 * while the process runs; a name longer than an entry holds is not kept. */
#include "fdnames.h"
#include "apart.h"
#include "config.h"
#include "layerpath.h"
#include "nodecache.h"
#include "path.h"
#include "ring.h"
#include "shm.h"
#include "state.h"
#include "sys.h"

#include <string.h>
#include <sys/mman.h>

#define CHUNK 64
#define NAME_BYTES 240

struct fdname {
	uint64_t seen;           /* ring position the name is true at */
	uint16_t len;            /* strlen(v) */
	uint16_t rel;            /* offset in v of the part below the mount */
	int8_t layer;            /* open on the name's directory in this layer (its real path
	                          * the layer's root and the name); -1: not known */
	char v[NAME_BYTES];
};

_Atomic uint64_t ue_fdname_bits[UE_FDNAMES_MAX / 64] UE_APART;
_Atomic uint64_t ue_fd_upper_bits[UE_FDNAMES_MAX / 64] UE_APART;
_Atomic uint64_t ue_fd_made_bits[UE_FDNAMES_MAX / 64] UE_APART;
_Atomic uint64_t ue_fd_outside_bits[UE_FDNAMES_MAX / 64] UE_APART;
static struct fdname *_Atomic chunks[UE_FDNAMES_MAX / CHUNK] UE_APART;
static _Atomic int enabled;
/* One more than the highest word of the four bitmaps that a bit was ever
 * set in, here or in the parent this process was forked from: a clear
 * (every fork child, every exec, close_range) stops there.  Reading the
 * 32 KiB of bitmaps whole was 5 page faults in each child of bash that
 * went on to exec, for pages no bit was ever set in. */
static _Atomic unsigned words_used;

/* Set fd's bit in one of the four bitmaps, its word noted first: every
 * bit goes through here, so no clear can stop short of one. */
static void set_fd_bit(_Atomic uint64_t *bits, unsigned fd)
{
	unsigned w = fd / 64 + 1, u = atomic_load_explicit(&words_used, memory_order_relaxed);
	while (u < w && !atomic_compare_exchange_weak_explicit(&words_used, &u, w, memory_order_relaxed,
	                                                        memory_order_relaxed))
		;
	atomic_fetch_or_explicit(&bits[fd / 64], 1ULL << (fd % 64), memory_order_release);
}

void ue_fdnames_enable(void)
{
	atomic_store(&enabled, 1);
}

static int usable(void)
{
	return atomic_load_explicit(&enabled, memory_order_relaxed) && ue_cache_on();
}

uint64_t ue_fdname_mark(void)
{
	return ue_ring_head(&ue_shm->ring);
}

/* Under the lock. */
static struct fdname *entry(int fd, int make)
{
	struct fdname *c = atomic_load_explicit(&chunks[fd / CHUNK], memory_order_acquire);
	if (!c && make) {
		long m = UE_SYS(SYS_mmap, NULL, CHUNK * sizeof *c, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m < 0)
			return NULL;
		c = (struct fdname *)m;
		atomic_store_explicit(&chunks[fd / CHUNK], c, memory_order_release);
	}
	return c ? &c[fd % CHUNK] : NULL;
}

/* Does an event at ev (len bytes) touch the name rel: rel itself or a
 * directory above it? */
static int touches(const char *ev, size_t len, const char *rel)
{
	return ue_rel_under(rel, strlen(rel), ev, len);
}

/* Is e's name still true at ring position head?  Events below the name
 * leave it; anything at it or above, or unreadable, does not. */
static int still_true(const struct fdname *e, uint64_t head)
{
	const struct ue_ring *ring = &ue_shm->ring;
	if (head - e->seen > UE_RING_SLOTS)
		return 0;
	for (uint64_t n = e->seen; n != head; n++) {
		char ev[UE_RING_PATH];
		size_t len;
		if (!ue_ring_event_path(ring, n, ev, &len) || touches(ev, len, e->v + e->rel))
			return 0;
	}
	return 1;
}

int ue_fdname_get(int fd, char *out, size_t size)
{
	int layer;
	return ue_fdname_get_layer(fd, out, size, &layer);
}

int ue_fdname_get_layer(int fd, char *out, size_t size, int *layer)
{
	*layer = -1;
	if (!ue_fdname_known(fd) || !usable() || ue_lock(UE_LOCK_FDNAMES) < 0)
		return 0;
	int ok = 0;
	struct fdname *e = entry(fd, 0);
	if (e && ue_fdname_known(fd)) {
		uint64_t head = ue_ring_head(&ue_shm->ring);
		if (still_true(e, head)) {
			if (e->len < size) {
				memcpy(out, e->v, e->len + 1u);
				*layer = e->layer;
				ok = 1;
			}
			e->seen = head;
		} else {
			ue_fdname_forget(fd);
		}
	}
	ue_unlock(UE_LOCK_FDNAMES);
	return ok;
}

static void put(int fd, const char *vpath, uint64_t mark, int layer)
{
	if ((unsigned)fd >= UE_FDNAMES_MAX || !usable())
		return;
	ue_fdname_forget(fd);
	size_t len = strlen(vpath);
	const char *rel = ue_path_under(vpath, ue_cfg.mount, ue_cfg.mount_len);
	if (!rel || len >= NAME_BYTES || ue_lock(UE_LOCK_FDNAMES) < 0)
		return;
	struct fdname *e = entry(fd, 1);
	if (e) {
		memcpy(e->v, vpath, len + 1);
		e->len = (uint16_t)len;
		e->rel = (uint16_t)(rel - vpath);
		e->seen = mark;
		e->layer = (int8_t)layer;
		set_fd_bit(ue_fdname_bits, (unsigned)fd);
	}
	ue_unlock(UE_LOCK_FDNAMES);
}

void ue_fdname_put(int fd, const char *vpath, uint64_t mark)
{
	put(fd, vpath, mark, -1);
}

void ue_fdname_put_rel(int fd, const char *rel, const char *real, uint64_t mark)
{
	char v[NAME_BYTES], at[UE_PATH_MAX];
	int layer = ue_layer_of(real);
	if (layer >= 0 && (ue_real_path(at, sizeof at, layer, rel) < 0 || strcmp(at, real)))
		layer = -1;
	if (ue_path_join(v, sizeof v, ue_cfg.mount_len ? ue_cfg.mount : "/", rel) == 0)
		put(fd, v, mark, layer);
	else
		ue_fdname_drop(fd);
}

void ue_fd_set_upper(int fd, int made)
{
	if ((unsigned)fd >= UE_FDNAMES_MAX || !atomic_load_explicit(&enabled, memory_order_relaxed))
		return;
	/* The made bit first: whoever sees the upper bit sees it too. */
	if (made)
		set_fd_bit(ue_fd_made_bits, (unsigned)fd);
	set_fd_bit(ue_fd_upper_bits, (unsigned)fd);
}

void ue_fd_set_outside(int fd)
{
	if ((unsigned)fd >= UE_FDNAMES_MAX || !atomic_load_explicit(&enabled, memory_order_relaxed))
		return;
	set_fd_bit(ue_fd_outside_bits, (unsigned)fd);
}

void ue_fdname_dup_slow(int oldfd, int newfd)
{
	ue_fdname_drop(newfd);
	if (ue_fd_on_upper(oldfd))
		ue_fd_set_upper(newfd, ue_fd_made(oldfd));
	if (ue_fd_outside(oldfd))
		ue_fd_set_outside(newfd);
	if (!ue_fdname_known(oldfd) || (unsigned)newfd >= UE_FDNAMES_MAX || ue_lock(UE_LOCK_FDNAMES) < 0)
		return;
	struct fdname *o = entry(oldfd, 0), *n = entry(newfd, 1);
	if (o && n && ue_fdname_known(oldfd)) {
		*n = *o;
		set_fd_bit(ue_fdname_bits, (unsigned)newfd);
	}
	ue_unlock(UE_LOCK_FDNAMES);
}

void ue_fdname_close_range(unsigned first, unsigned last)
{
	unsigned end = atomic_load_explicit(&words_used, memory_order_relaxed) * 64;  /* no bit at or above */
	for (unsigned fd = first; fd <= last && fd < end; fd++) {
		if (fd % 64 == 0 && last - fd >= 63) {
			atomic_store_explicit(&ue_fdname_bits[fd / 64], 0, memory_order_relaxed);
			atomic_store_explicit(&ue_fd_upper_bits[fd / 64], 0, memory_order_relaxed);
			atomic_store_explicit(&ue_fd_made_bits[fd / 64], 0, memory_order_relaxed);
			atomic_store_explicit(&ue_fd_outside_bits[fd / 64], 0, memory_order_relaxed);
			fd += 63;
			continue;
		}
		ue_fdname_drop((int)fd);
	}
}

void ue_fdname_clear(void)
{
	unsigned words = atomic_load_explicit(&words_used, memory_order_relaxed);
	for (size_t i = 0; i < words; i++) {
		if (atomic_load_explicit(&ue_fdname_bits[i], memory_order_relaxed))
			atomic_store_explicit(&ue_fdname_bits[i], 0, memory_order_relaxed);
		if (atomic_load_explicit(&ue_fd_upper_bits[i], memory_order_relaxed)) {
			atomic_store_explicit(&ue_fd_upper_bits[i], 0, memory_order_relaxed);
			atomic_store_explicit(&ue_fd_made_bits[i], 0, memory_order_relaxed);
		}
		if (atomic_load_explicit(&ue_fd_outside_bits[i], memory_order_relaxed))
			atomic_store_explicit(&ue_fd_outside_bits[i], 0, memory_order_relaxed);
	}
}

void ue_fdnames_abandon(void)
{
	ue_fdname_clear();
}

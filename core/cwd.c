/* The current directory as the program sees it: the union's name for the
 * directory the kernel holds (which sits in the top layer's real directory
 * of that union directory), kept by the library, followed across renames
 * of the directory by any process of the union (core/renames.h). */
#include "cwd.h"
#include "cache.h"
#include "config.h"
#include "layerpath.h"
#include "lookup.h"
#include "path.h"
#include "renames.h"
#include "resolve.h"
#include "state.h"
#include "sys.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* The current directory, read lock-free (a wrapper in a signal handler may
 * need it) under a sequence counter; writers serialise on UE_LOCK_CWD. */
static char cwd_buf[UE_PATH_MAX] = "/";
static _Atomic unsigned cwd_seq;
/* A chdir made where the lock could not be taken (a signal handler that
 * interrupted a writer of its own thread): the kernel holds the directory. */
static _Atomic int cwd_in_kernel;
/* The rename log's head that cwd_buf has followed (core/renames.h). */
static _Atomic uint64_t cwd_renames;

/* A vfork child shares our memory: its chdir must not become the parent's.
 * The child marks the directory as its own by its pid; the parent, which
 * runs again only once the child has exec'd or exited, drops the mark. */
static pid_t cwd_pid;                  /* the process the buffer belongs to */
static _Atomic pid_t cwd_vfork_child;  /* a vfork child changed directory */


static int cwd_from_kernel(char *out, size_t size, int *moved)
{
	char real[UE_PATH_MAX];
	int r = sys_getcwd(real, sizeof real);
	return r < 0 ? r : ue_unreal_moved(out, size, real, moved);
}

/* In a vfork child (not the buffer's process, which would have been told
 * of a fork through pthread_atfork): the kernel holds its directory. */
static int in_vfork_child(void)
{
	pid_t self = (pid_t)UE_SYSCALL(SYS_getpid);
	if (!cwd_pid || self == cwd_pid)
		return 0;
	atomic_store_explicit(&cwd_vfork_child, self, memory_order_release);
	return 1;
}

/* A consistent copy of the buffer and the renames it has followed, and
 * the sequence number it was read under: 0, -ERANGE, or -EDEADLK when
 * this thread is the writer (a signal handler interrupted it). */
static int cwd_read(char *out, size_t size, uint64_t *renames, unsigned *seq)
{
	for (;;) {
		unsigned s1 = atomic_load_explicit(&cwd_seq, memory_order_acquire);
		if (s1 & 1) {
			if (!ue_lock_may(UE_LOCK_CWD))
				return -EDEADLK;
			continue;
		}
		size_t n = strnlen(cwd_buf, sizeof cwd_buf);
		if (n + 1 > size)
			return -ERANGE;
		memcpy(out, cwd_buf, n);
		out[n] = '\0';
		if (renames)
			*renames = atomic_load_explicit(&cwd_renames, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&cwd_seq, memory_order_relaxed) == s1) {
			if (seq)
				*seq = s1;
			return 0;
		}
	}
}

/* Under UE_LOCK_CWD. */
static void cwd_store(const char *vpath, uint64_t renames)
{
	atomic_fetch_add_explicit(&cwd_seq, 1, memory_order_acq_rel);
	snprintf(cwd_buf, sizeof cwd_buf, "%s", vpath);
	atomic_store_explicit(&cwd_renames, renames, memory_order_relaxed);
	atomic_fetch_add_explicit(&cwd_seq, 1, memory_order_release);
}

/* The real directory that holds the union directory vpath, or "". */
static void cwd_real_of(const char *vpath, char *real, size_t size)
{
	struct ue_path p;
	real[0] = '\0';
	if (ue_resolve(AT_FDCWD, vpath, UE_FOLLOW, &p) == 0 && p.where == UE_UNION && ue_node_exists(&p.node) &&
	    S_ISDIR(p.node.type) && strlen(p.real) < size)
		strcpy(real, p.real);
}

/* The directory we are in was renamed in the union (by this process or
 * another): take its new name, and move the kernel there too, so that the
 * children we start inherit the right place (a lower directory renamed is
 * copied up, the process's real one stays behind). */
static void cwd_follow_slow(uint64_t head)
{
	char v[UE_PATH_MAX], rel[UE_PATH_MAX], nv[UE_PATH_MAX], real[UE_PATH_MAX];
	uint64_t next;
	unsigned s1;
	int lost = 0, moved = 0;
	if (in_vfork_child() || cwd_read(v, sizeof v, &next, &s1) < 0)
		return;
	const char *rest = ue_path_under(v, ue_cfg.mount, ue_cfg.mount_len);
	if (next > head) {
		lost = 1;  /* the log was replaced: its numbers start again */
		next = head;
	} else if (!rest) {
		next = head;  /* outside the union: nothing to follow */
	} else {
		if (strlen(rest) + 1 > sizeof rel)
			return;
		strcpy(rel, rest);
		moved = ue_renames_apply(rel, sizeof rel, &next, head, &lost);
		if (moved > 0 && ue_path_join(nv, sizeof nv, ue_cfg.mount_len ? ue_cfg.mount : "/", rel) < 0)
			lost = 1;
	}
	/* Renames we can no longer see: ask the kernel where we are (it
	 * follows an upper directory; a lower one is named by the map of
	 * lower directories, core/lowermap.h). */
	if (lost && cwd_from_kernel(nv, sizeof nv, &moved) == 0)
		moved = strcmp(nv, v) != 0;
	else if (lost || moved < 0)
		moved = 0;
	if (moved)
		cwd_real_of(nv, real, sizeof real);
	if (ue_lock(UE_LOCK_CWD) < 0)
		return;
	if (atomic_load_explicit(&cwd_seq, memory_order_acquire) == s1) {
		if (moved && real[0])
			sys_chdir(real);
		cwd_store(moved ? nv : v, next);
	}
	ue_unlock(UE_LOCK_CWD);
}

void ue_cwd_follow(void)
{
	uint64_t head = ue_renames_head();
	if (__builtin_expect(head != atomic_load_explicit(&cwd_renames, memory_order_relaxed), 0) &&
	    !ue_cache_bypass)
		cwd_follow_slow(head);
}

int ue_cwd_get(char *out, size_t size)
{
	pid_t child = atomic_load_explicit(&cwd_vfork_child, memory_order_acquire);
	if (__builtin_expect(child != 0, 0)) {
		if ((pid_t)UE_SYSCALL(SYS_getpid) == child)
			return cwd_from_kernel(out, size, NULL);
		atomic_store(&cwd_vfork_child, 0);
	}
	if (__builtin_expect(atomic_load_explicit(&cwd_in_kernel, memory_order_acquire), 0) &&
	    ue_lock_may(UE_LOCK_CWD))
		ue_cwd_reload();
	ue_cwd_follow();
	int r = cwd_read(out, size, NULL, NULL);
	return r == -EDEADLK ? cwd_from_kernel(out, size, NULL) : r;
}

int ue_cwd_change(const char *real, const char *vpath, uint64_t mark)
{
	int r;
	if (in_vfork_child())
		return real ? sys_chdir(real) : 0;
	cwd_pid = (pid_t)UE_SYSCALL(SYS_getpid);
	if (ue_lock(UE_LOCK_CWD) < 0) {
		/* Inside this thread's own writer: the kernel keeps the
		 * directory, the name is taken from it at the next look. */
		if (real && (r = sys_chdir(real)) < 0)
			return r;
		atomic_store_explicit(&cwd_in_kernel, 1, memory_order_release);
		return 0;
	}
	atomic_store_explicit(&cwd_in_kernel, 0, memory_order_relaxed);
	if (!real || (r = sys_chdir(real)) == 0) {
		cwd_store(vpath, mark);
		r = 0;
	}
	ue_unlock(UE_LOCK_CWD);
	return r;
}

void ue_cwd_set(const char *vpath)
{
	ue_cwd_change(NULL, vpath, ue_renames_head());
}

/* Started (or fchdir'd) in a lower directory renamed since: go where it
 * went.  Apart from ue_cwd_reload, which every process runs at start-up:
 * its buffer would push the rest of that frame a page deeper into the
 * stack, and each page first touched costs a page fault. */
static __attribute__((noinline)) int cwd_change_moved(const char *v, uint64_t mark)
{
	char real[UE_PATH_MAX];
	cwd_real_of(v, real, sizeof real);
	return ue_cwd_change(real[0] ? real : NULL, v, mark);
}

int ue_cwd_reload(void)
{
	char v[UE_PATH_MAX];
	uint64_t mark = ue_renames_head();
	int moved, r = cwd_from_kernel(v, sizeof v, &moved);
	if (r < 0)
		return r;
	return moved ? cwd_change_moved(v, mark) : ue_cwd_change(NULL, v, mark);
}

void ue_cwd_forked(void)
{
	cwd_pid = (pid_t)UE_SYSCALL(SYS_getpid);
	atomic_store(&cwd_vfork_child, 0);
}

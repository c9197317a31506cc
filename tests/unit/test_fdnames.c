/* core/fdnames.c: the union names of this process's fds, kept while no
 * change event touches the name or a directory above it, and the bits
 * that say an fd is open on the upper; dropped and copied as the fd
 * numbers are closed and duplicated. */
#include "cache.h"
#include "fdnames.h"
#include "fixture.h"
#include "ring.h"
#include "tap.h"
#include "tests.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Is the page holding the last word of bits mapped (a zero page read in
 * counts)?  -1: mincore failed. */
static int last_page_mapped(_Atomic uint64_t *bits)
{
	long ps = sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)&bits[UE_FDNAMES_MAX / 64 - 1] & ~(uintptr_t)(ps - 1);
	unsigned char v = 0;
	return mincore((void *)a, (size_t)ps, &v) < 0 ? -1 : v & 1;
}

static const char *name_of(int fd)
{
	static char out[4096];
	return ue_fdname_get(fd, out, sizeof out) ? out : "(ask the kernel)";
}

static void run(void)
{
	char d[4096], want[4096];
	fx_setup(1, NULL);
	ue_cache_reset();
	ue_fdnames_enable();
	/* This child's bitmaps were never written: a clear at exec or fork,
	 * and close_range over every fd, leave the pages past the fds ever
	 * named unread (each read a page fault in every child of a shell). */
	ue_fd_set_outside(5);
	int before = last_page_mapped(ue_fd_outside_bits);
	ue_fdname_clear();
	ue_fdname_close_range(3, ~0U);
	ok(before == 0 && last_page_mapped(ue_fd_outside_bits) == 0 && !ue_fd_outside(5),
	   "fdname_clear, fdname_close_range: the bitmaps' pages past the highest fd ever set are not touched");
	ue_fd_set_outside(65000);
	ue_fd_set_upper(64999, 1);
	ue_fdname_put_rel(64998, "h", "", ue_fdname_mark());
	ue_fdname_clear();
	ok(!ue_fd_outside(65000) && !ue_fd_on_upper(64999) && !ue_fd_made(64999) && !ue_fdname_known(64998),
	   "fdname_clear: the bits of fds up to the last word are cleared");
	ue_fd_set_outside(65000);
	ue_fd_set_upper(64999, 1);
	ue_fdname_put_rel(64998, "h", "", ue_fdname_mark());
	ue_fdname_close_range(64000, ~0U);
	ok(!ue_fd_outside(65000) && !ue_fd_on_upper(64999) && !ue_fdname_known(64998),
	   "fdname_close_range: the same, to the last fd");
	snprintf(d, sizeof d, "%s/d", fx_mount());
	ue_fdname_put(100, d, ue_fdname_mark());
	ok(ue_fdname_known(100), "fdname: put, known");
	is_str(name_of(100), d, "fdname: the name kept");
	ue_changed("d/x", 0);
	ue_changed("d/sub", 1);
	is_str(name_of(100), d, "fdname: changes below the name leave it");
	ue_changed("dd", 0);
	is_str(name_of(100), d, "fdname: ... and a name that only begins the same");
	ue_changed("d", 0);
	is_str(name_of(100), "(ask the kernel)", "fdname: a change at the name: asked again");
	ok(!ue_fdname_known(100), "fdname: ... and forgotten");
	ue_fdname_put_rel(100, "a/b", "", ue_fdname_mark());
	ue_changed("a", 1);
	is_str(name_of(100), "(ask the kernel)", "fdname: a change above the name too");

	ue_fdname_put(101, "/etc", ue_fdname_mark());
	ok(!ue_fdname_known(101), "fdname: a name outside the union is not kept");
	ue_fdname_put_rel(102, "e", "", ue_fdname_mark());
	snprintf(want, sizeof want, "%s/e", fx_mount());
	is_str(name_of(102), want, "fdname: put by the union's relative name");
	ue_fdname_dup(102, 103);
	is_str(name_of(103), want, "fdname: a dup has the name");
	ue_fdname_dup(101, 103);
	ok(!ue_fdname_known(103), "fdname: dup2 of an unknown fd over it: gone");
	ue_fdname_drop(102);
	ok(!ue_fdname_known(102), "fdname: dropped");

	ue_fdname_put_rel(104, "f", "", ue_fdname_mark());
	for (int i = 0; i < UE_RING_SLOTS + 1; i++)
		ue_changed("elsewhere", 0);
	is_str(name_of(104), "(ask the kernel)", "fdname: the ring turned past its position: asked again");

	ue_fd_set_upper(110, 1);
	ue_fd_set_upper(111, 0);
	ok(ue_fd_on_upper(110) && ue_fd_made(110) && ue_fd_on_upper(111) && !ue_fd_made(111),
	   "fd_set_upper: on the upper; made by the open or not");
	ue_fdname_put_rel(110, "g", "", ue_fdname_mark());
	ue_fdname_forget(110);
	ok(!ue_fdname_known(110) && ue_fd_on_upper(110), "fdname_forget: the name goes, the upper bit stays");
	ue_fdname_dup(110, 112);
	ok(ue_fd_on_upper(112) && ue_fd_made(112), "fdname_dup: the bits go along");
	ue_fdname_drop(110);
	ok(!ue_fd_on_upper(110) && !ue_fd_made(110), "fdname_drop: both bits go");

	for (int fd = 60; fd < 200; fd++)
		ue_fdname_put_rel(fd, "h", "", ue_fdname_mark());
	ue_fdname_close_range(64, 191);
	ok(ue_fdname_known(63) && !ue_fdname_known(64) && !ue_fdname_known(130) && !ue_fdname_known(191) &&
	   ue_fdname_known(192) && !ue_fd_on_upper(112), "fdname_close_range: exactly the range");
	ue_fdname_clear();
	ok(!ue_fdname_known(63) && !ue_fdname_known(192) && !ue_fd_on_upper(111), "fdname_clear: everything");

	int layer;
	char got[4096];
	ue_fdname_put_rel(120, "e", fx_path("L1", "e"), ue_fdname_mark());
	ok(ue_fdname_get_layer(120, got, sizeof got, &layer) && layer == 1,
	   "fdname: opened at a layer's own path of the name: that layer is kept");
	ue_fdname_put_rel(121, "e", "/elsewhere/e", ue_fdname_mark());
	ok(ue_fdname_get_layer(121, got, sizeof got, &layer) && layer == -1, "fdname: opened elsewhere: no layer");
	ue_fd_set_outside(122);
	ue_fdname_dup(122, 123);
	ok(ue_fd_outside(122) && ue_fd_outside(123), "fd_set_outside: set, and a dup has it");
	ue_fdname_drop(122);
	ue_fdname_close_range(123, 123);
	ok(!ue_fd_outside(122) && !ue_fd_outside(123), "fd_set_outside: dropped, closed");
	fx_teardown();
}

/* In a child: once on, the table stays on for the process (only the
 * preload turns it on, for good), and the resolver would then keep names
 * of the later groups' fds, which close behind its back. */
void test_fdnames(void)
{
	int pfd[2], counts[2];
	fflush(stdout);
	if (pipe(pfd) < 0) {
		ok(0, "fdnames: pipe");
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		run();
		counts[0] = tap_n;
		counts[1] = tap_failed;
		fflush(stdout);
		_exit(write(pfd[1], counts, sizeof counts) == (ssize_t)sizeof counts ? 0 : 1);
	}
	close(pfd[1]);
	ssize_t n = pid > 0 ? read(pfd[0], counts, sizeof counts) : -1;
	close(pfd[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (n == (ssize_t)sizeof counts) {
		tap_n = counts[0];
		tap_failed = counts[1];
	} else {
		ok(0, "fdnames: the tests ran to their end (in a child)");
	}
}

/* core/lowerdirs.c: a lower's directory asked for in a row is held open
 * and names its files by their last name; never an upper's; the program's
 * close of the number lets it go without closing it. */
#include "caller.h"
#include "config.h"
#include "fixture.h"
#include "lowerdirs.h"
#include "strmap.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int same_file(const char *real, const struct ue_kname *k)
{
	struct stat a, b;
	return stat(real, &a) == 0 && fstatat(k->fd, k->name, &b, 0) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Ask for n names of real's directory in a row, real the last, its
 * answer in *k (held). */
static void ask(const char *real, int layer, int n, struct ue_kname *k)
{
	static char other[64][4200];
	for (int i = 0; i < n; i++) {
		if (i)
			ue_lowerdir_done(k);
		const char *name = real;
		if (i < n - 1) {
			const char *slash = strrchr(real, '/');
			snprintf(other[i % 64], sizeof other[0], "%.*s/other%d", (int)(slash - real), real, i);
			name = other[i % 64];
		}
		ue_lowerdir_name(name, layer, k);
	}
}

/* The fd held for real's directory once asked for in a row (let go). */
static int held_fd(const char *real)
{
	struct ue_kname k;
	ask(real, 1, 3, &k);
	ue_lowerdir_done(&k);
	return k.fd;
}

/* What another thread is given for d/g (its hold let go there). */
static void *ask_in_thread(void *arg)
{
	struct ue_kname *k = arg, here;
	ue_lowerdir_name(fx_path("L1", "d/g"), 1, &here);
	*k = here;
	k->name = strcmp(here.name, "g") ? "" : "g";
	ue_lowerdir_done(&here);
	return NULL;
}

/* Another thread asks for what a is held for, three times in a row: it
 * may replace the slot (the credentials changed) but not wait for the
 * hold this thread keeps. */
static void *ask_three_in_thread(void *arg)
{
	struct ue_kname k;
	ask(arg, 1, 3, &k);
	ue_lowerdir_done(&k);
	return NULL;
}

/* Two lower directories whose names hash alike (one slot of a table of
 * 16 with one way each, as the table was), each with a file f, into a
 * and b. */
static void colliding_dirs(char *a, char *b, size_t size)
{
	static uint64_t seen[64];
	char d[4096];
	for (int i = 0; i < 64; i++) {
		snprintf(d, sizeof d, "%s/s%02d", fx_path("L1", ""), i);
		mkdir(d, 0755);
		seen[i] = ue_strmap_hash(d, strlen(d)) % 16;
		for (int j = 0; j < i; j++)
			if (seen[j] == seen[i]) {
				snprintf(a, size, "%s/s%02d/f", fx_path("L1", ""), j);
				snprintf(b, size, "%s/s%02d/f", fx_path("L1", ""), i);
				close(open(a, O_CREAT | O_WRONLY, 0644));
				close(open(b, O_CREAT | O_WRONLY, 0644));
				return;
			}
	}
}

void test_lowerdirs(void)
{
	static const char *const t[] = { "L1 d d", "L1 f d/f x", "L1 f d/g y", "L1 d e", "L1 f e/h z", "U d u", "U f u/f w",
		                         NULL };
	fx_setup(1, t);
	ue_lowerdirs_enable();
	struct ue_kname k;
	char f[4096];
	strcpy(f, fx_path("L1", "d/f"));

	ue_lowerdir_name(f, 1, &k);
	ok(k.fd == AT_FDCWD && k.name == f && k.slot == -1, "a directory asked for once: the whole path");
	ue_lowerdir_done(&k);
	ask(f, 1, 3, &k);
	ok(k.fd >= 900 && !strcmp(k.name, "f") && ue_lowerdirs_held() == 1, "asked for in a row: held, the last name under it");
	ok(same_file(f, &k), "...naming the same file");
	int held = k.fd;
	ok((fcntl(held, F_GETFD) & FD_CLOEXEC) != 0, "...closed on exec");
	ue_lowerdir_done(&k);

	struct ue_kname o;
	pthread_t th;
	pthread_create(&th, NULL, ask_in_thread, &o);
	pthread_join(th, NULL);
	ok(o.fd == held && !strcmp(o.name, "g"), "another thread names a file of that directory through the same fd");

	ue_creds_changed();
	ue_lowerdir_name(f, 1, &k);
	ok(k.fd == AT_FDCWD, "held under other credentials: the whole path (its walk checks search permission)");
	ue_lowerdir_done(&k);
	ask(f, 1, 3, &k);
	ok(k.fd >= 900 && fcntl(held, F_GETFD) < 0, "...until held again, the old fd closed");
	held = k.fd;
	ue_lowerdir_done(&k);

	char e[4096];
	strcpy(e, fx_path("L1", "e/h"));
	unsigned before = ue_lowerdirs_held();
	for (int i = 0; i < 5; i++) {
		ue_lowerdir_name(e, 1, &k);
		ue_lowerdir_done(&k);
	}
	ok(k.fd == AT_FDCWD && ue_lowerdirs_held() == before,
	   "one name asked for again and again (find's statx, xattrs and open of a directory) does not hold its parent");

	char u[4096];
	strcpy(u, fx_path("U", "u/f"));
	ask(u, UE_UPPER, 5, &k);
	ok(k.fd == AT_FDCWD && k.name == u, "an upper's directory is never held (the union may rename it)");
	ue_lowerdir_done(&k);

	char dots[4096];
	snprintf(dots, sizeof dots, "%s/..", fx_path("L1", "d"));
	ask(dots, 1, 4, &k);
	ok(k.fd == AT_FDCWD && k.name == dots, "a path ending in .. is given whole");
	ue_lowerdir_done(&k);

	/* A vfork child closing every fd before its exec: its own fds. */
	static volatile int child_fd = -2;
	pid_t pid = vfork();
	if (pid == 0) {
		struct ue_kname c;
		ue_lowerdirs_forget_range(3, ~0U);
		close(held);
		ue_lowerdir_name(f, 1, &c);
		child_fd = c.fd;
		ue_lowerdir_done(&c);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	ok(child_fd == AT_FDCWD, "a vfork child that closed its fds names files by their paths");
	ok(ue_lowerdirs_held() == 1 && fcntl(held, F_GETFD) >= 0, "...and leaves the parent's held directory held and open");
	ue_lowerdir_name(f, 1, &k);
	ok(k.fd == held, "...which the parent uses again");
	ue_lowerdir_done(&k);

	ue_lowerdirs_forget(held);
	ok(ue_lowerdirs_held() == 0 && fcntl(held, F_GETFD) >= 0, "the program's close of the number lets it go, the fd left to that close");
	close(held);
	ue_lowerdir_name(f, 1, &k);
	ok(k.fd == AT_FDCWD, "...and the directory is asked for by its path again");
	ue_lowerdir_done(&k);

	held = held_fd(f);
	ue_lowerdirs_forget_range(3, ~0U);
	ok(held >= 900 && ue_lowerdirs_held() == 0 && fcntl(held, F_GETFD) >= 0, "so does a close of a range holding it");
	close(held);

	/* A close of the number while this thread holds it (a signal
	 * handler's, its interrupted call inside): no wait for itself. */
	ask(f, 1, 3, &k);
	held = k.fd;
	ue_lowerdirs_forget(held);
	ok(held >= 900 && ue_lowerdirs_held() == 0, "a close of a number this very thread holds does not wait for itself");
	ue_lowerdir_done(&k);
	close(held);

	held = held_fd(f);
	ue_lowerdirs_release();
	ok(held >= 900 && ue_lowerdirs_held() == 0 && fcntl(held, F_GETFD) < 0, "out of fds: every directory let go and closed");
	ask(f, 1, 3, &k);
	ok(k.fd >= 900, "...and held again when asked for");
	ue_lowerdir_done(&k);

	/* A fork child: fork copies the fd table before the memory, so a
	 * slot another thread filled in between names an fd the child lacks,
	 * or one it has under that number for another file. */
	held = held_fd(f);
	ue_lowerdirs_forked();
	ask(f, 1, 1, &k);
	ok(k.fd == held, "fork child: a held directory whose fd it has is kept");
	ue_lowerdir_done(&k);
	int other = open(fx_path("L1", "e"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	ok(other >= 0 && dup2(other, held) == held, "(the number made another directory's)");
	close(other);
	ue_lowerdirs_forked();
	ue_lowerdir_name(f, 1, &k);
	ok(k.fd == AT_FDCWD && fcntl(held, F_GETFD) >= 0, "fork child: a slot whose number names another directory is forgotten, not closed");
	ue_lowerdir_done(&k);
	close(held);
	held = held_fd(f);
	syscall(SYS_close, held);  /* behind the library's back: as if never copied */
	ue_lowerdirs_forked();
	ue_lowerdir_name(f, 1, &k);
	ok(k.fd == AT_FDCWD, "fork child: a slot whose fd the child does not have is forgotten");
	ue_lowerdir_done(&k);

	held = held_fd(f);
	ue_lowerdirs_reset();
	ok(held >= 900 && ue_lowerdirs_held() == 0 && fcntl(held, F_GETFD) < 0, "a reset lets every directory go and closes it");
	ask(f, 1, 3, &k);
	ok(k.fd == AT_FDCWD && ue_lowerdirs_held() == 0, "...and turns holding off");
	ue_lowerdir_done(&k);

	/* Two threads in two directories of one hash (git status's): both
	 * held, not taking the slot from each other every third file. */
	ue_lowerdirs_enable();
	char a[4096], b[4096];
	colliding_dirs(a, b, sizeof a);
	ask(a, 1, 4, &k);  /* held at the third, used from the fourth */
	int fa = k.fd;
	ue_lowerdir_done(&k);
	ask(b, 1, 4, &k);
	int fb = k.fd;
	ue_lowerdir_done(&k);
	ue_lowerdir_name(a, 1, &k);
	ok(fa >= 900 && fb >= 900 && k.fd == fa && ue_lowerdirs_held() == 2,
	   "two directories of one hash are held side by side, the first still by its fd");
	ue_lowerdir_done(&k);

	/* A hold kept here, the slot wanted elsewhere: given up, no wait. */
	ask(a, 1, 3, &k);
	ue_creds_changed();
	pthread_create(&th, NULL, ask_three_in_thread, a);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	int joined = pthread_timedjoin_np(th, NULL, &until) == 0;
	ok(joined, "a thread that would replace a slot this thread holds does not wait for it");
	ue_lowerdir_done(&k);
	if (!joined)
		pthread_join(th, NULL);
	ue_lowerdirs_reset();
	fx_teardown();
}

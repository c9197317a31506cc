/* The merged listings of the callers' open directories (listings.h).
 *
 * The table is the workers' (loop.c): every entry point holds lock, taken
 * after nothing else of the supervisor's and before nothing: no listing is
 * made under it (a large directory would hold every other worker's
 * getdents64), only entries moved in and out.  A worker takes the listing
 * of the open file it serves out of the table, reads from it, and puts it
 * back unless the end was read; two workers serving one open file at once
 * (two threads of a caller) each list, as two reads race on one offset
 * anyway. */
#include "listings.h"
#include "impl.h"
#include "readdir.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SLOTS 64  /* directories part way read at once; then the oldest is listed again */

struct listing {
	int file;             /* the supervisor's copy of the open file, or -1 */
	dev_t dev;            /* its directory, to call kcmp only for a match */
	ino_t ino;
	unsigned long used;   /* when last put back, for the choice of a victim */
	struct ue_dirlist list;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct listing slot[SLOTS] = { [0 ... SLOTS - 1] = { .file = -1 } };
static unsigned long clock_;
static int kcmp_state;  /* 0 not asked yet, 1 kcmp works, -1 refused here: no identity, nothing kept */

static int same_file(int a, int b)
{
	pid_t self = getpid();
	return syscall(SYS_kcmp, self, self, KCMP_FILE, a, b) == 0;
}

static void clear(struct listing *s)
{
	if (s->file >= 0)
		close(s->file);
	ue_dir_free(&s->list);
	*s = (struct listing){ .file = -1 };
}

/* The slot holding the open file of file (a directory dev:ino), or NULL. */
static struct listing *find(int file, const struct stat *st)
{
	for (int i = 0; i < SLOTS; i++)
		if (slot[i].file >= 0 && slot[i].dev == st->st_dev && slot[i].ino == st->st_ino &&
		    same_file(slot[i].file, file))
			return &slot[i];
	return NULL;
}

/* The listing kept for file's open file, moved into out: 1, or 0. */
static int take(int file, const struct stat *st, struct ue_dirlist *out)
{
	pthread_mutex_lock(&lock);
	struct listing *s = find(file, st);
	if (s) {
		*out = s->list;
		s->list = (struct ue_dirlist){ 0 };
		clear(s);
	}
	pthread_mutex_unlock(&lock);
	return s != NULL;
}

/* Keep list for file's open file (the table takes both), in its slot, a
 * free one, or the one put back longest ago. */
static void put(int file, const struct stat *st, struct ue_dirlist *list)
{
	pthread_mutex_lock(&lock);
	struct listing *s = find(file, st);
	for (int i = 0; !s && i < SLOTS; i++)
		if (slot[i].file < 0)
			s = &slot[i];
	if (!s) {
		s = &slot[0];
		for (int i = 1; i < SLOTS; i++)
			if (slot[i].used < s->used)
				s = &slot[i];
	}
	clear(s);
	*s = (struct listing){ .file = file, .dev = st->st_dev, .ino = st->st_ino, .used = ++clock_, .list = *list };
	pthread_mutex_unlock(&lock);
}

long ue_listing_read(int file, const struct ue_path *p, void *buf, size_t n)
{
	struct stat st;
	struct ue_dirlist list = { 0 };
	long pos = lseek(file, 0, SEEK_CUR), r = 0;
	if (pos < 0 || fstat(file, &st) < 0) {
		r = -errno;
		close(file);
		return r;
	}
	int kcmp_ok = __atomic_load_n(&kcmp_state, __ATOMIC_RELAXED);
	if (!kcmp_ok) {
		/* A kernel without CONFIG_KCMP, a policy refusing it. */
		kcmp_ok = same_file(file, file) ? 1 : -1;
		__atomic_store_n(&kcmp_state, kcmp_ok, __ATOMIC_RELAXED);
	}
	int kept = kcmp_ok > 0 && take(file, &st, &list);
	/* From the start (an open, a rewind): the directory as it is now. */
	if (kept && pos == 0)
		ue_dir_free(&list);
	if ((!kept || pos == 0) && (r = ue_dir_list_fd(p->rel, &p->node, file, &list)) < 0) {
		close(file);
		return r;
	}
	r = ue_dirlist_getdents64(&list, &pos, buf, n);
	if (r > 0)
		lseek(file, pos, SEEK_SET);
	/* Until its end is read (a read that gives nothing), the listing
	 * stays with the open file. */
	if (r > 0 && kcmp_ok > 0) {
		put(file, &st, &list);
	} else {
		ue_dir_free(&list);
		close(file);
	}
	return r;
}

void ue_listings_reset(void)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < SLOTS; i++)
		clear(&slot[i]);
	clock_ = 0;
	kcmp_state = 0;
	pthread_mutex_unlock(&lock);
}

/* unionenv diff TREE1 TREE2: the operations that turn TREE1 into TREE2.
 *
 * Replay order, directory by directory, depth first, names sorted:
 *   1. names TREE2 no longer has (or has with another type) are removed,
 *      a directory's content before the directory;
 *   2. then each name of TREE2: created, replaced, relinked or given new
 *      metadata; a directory is recursed into;
 *   3. a directory's own metadata comes after its content, so that times
 *      set on it are not changed again by what happens inside.
 * Hard links: the first name of an inode (in walk order) is its leader, the
 * others are "link NAME LEADER".  A file shared by several names in TREE1
 * but not in TREE2 is re-created rather than changed in place. */
#include "treediff.h"
#include "progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* ---- inode maps ----------------------------------------------------------- */

struct imap_ent {
	dev_t dev;
	ino_t ino;
	char *leader;      /* T2 map: path of the group's leader */
	ino_t t1ino;       /* T2 map: T1 inode the leader kept (0: re-created) */
	int used;
};
struct imap {
	struct imap_ent *v;
	size_t cap, n;
};

static struct imap_ent *imap_get(struct imap *m, dev_t dev, ino_t ino, int add)
{
	if (add && (m->n + 1) * 2 > m->cap) {
		struct imap old = *m;
		m->cap = m->cap ? m->cap * 2 : 1024;
		m->v = xcalloc(m->cap, sizeof *m->v);
		m->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.v[i].used) {
				struct imap_ent *e = imap_get(m, old.v[i].dev, old.v[i].ino, 1);
				*e = old.v[i];
			}
		free(old.v);
	}
	if (!m->cap)
		return NULL;
	size_t h = ((uint64_t)ino * 0x9E3779B97F4A7C15ULL ^ (uint64_t)dev) & (m->cap - 1);
	for (;; h = (h + 1) & (m->cap - 1)) {
		struct imap_ent *e = &m->v[h];
		if (!e->used) {
			if (!add)
				return NULL;
			e->used = 1;
			e->dev = dev;
			e->ino = ino;
			m->n++;
			return e;
		}
		if (e->dev == dev && e->ino == ino)
			return e;
	}
}

static struct imap groups;    /* T2 inode -> leader */
static struct imap claimed;   /* T1 inodes kept by some T2 name */

/* ---- the walk ------------------------------------------------------------- */

static void readlink_or_die(struct tctx *c, int fd, const char *name, char *buf, size_t size)
{
	ssize_t n = readlinkat(fd, name, buf, size - 1);
	if (n < 0)
		ue_die("%s: %s", shown_path(c), strerror(errno));
	buf[n] = 0;
}

static int differ_data(struct tctx *c, int fd1, const char *name, const struct stat *s1,
                       int fd2, const struct stat *s2)
{
	if (s1->st_size != s2->st_size)
		return 1;
	if (!c->content && s1->st_mtim.tv_sec == s2->st_mtim.tv_sec &&
	    s1->st_mtim.tv_nsec == s2->st_mtim.tv_nsec)
		return 0;
	int a = openat(fd1, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int b = openat(fd2, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (a < 0 || b < 0)
		ue_die("%s: cannot read: %s", shown_path(c), strerror(errno));
	int r = same_data(a, b);
	if (r < 0)
		ue_die("%s: %s", shown_path(c), strerror(-r));
	close(a);
	close(b);
	return !r;
}

static int walk_new(struct tctx *c, int fd2);

/* A new name from TREE2 (fd2/name at c->path), nothing of it in TREE1. */
static void add_new(struct tctx *c, int fd2, const char *name, const struct stat *s2)
{
	char tgt[4096];
	if (S_ISREG(s2->st_mode)) {
		if (s2->st_nlink > 1) {
			struct imap_ent *g = imap_get(&groups, s2->st_dev, s2->st_ino, 1);
			if (g->leader) {
				op_link(c, g->leader);
				return;
			}
			g->leader = xstrdup(shown_path(c));
			g->t1ino = 0;
		}
		op_create(c);
	} else if (S_ISDIR(s2->st_mode)) {
		op_mkdir(c);
		int cfd = open_dir(fd2, name);
		if (cfd < 0)
			ue_die("%s: %s", shown_path(c), strerror(-cfd));
		walk_new(c, cfd);
		close(cfd);
		op_meta(c, fd2, name, s2, -1, NULL, NULL, 0);
	} else if (S_ISLNK(s2->st_mode)) {
		readlink_or_die(c, fd2, name, tgt, sizeof tgt);
		op_symlink(c, tgt);
		op_meta(c, fd2, name, s2, -1, NULL, NULL, 0);
	} else if (S_ISSOCK(s2->st_mode)) {
		ue_warn("%s: a socket cannot be re-created; left out", shown_path(c));
	} else {
		op_mknod(c, s2);
		op_meta(c, fd2, name, s2, -1, NULL, NULL, 0);
	}
}

static int walk_new(struct tctx *c, int fd2)
{
	struct plist l;
	plist_read(c, fd2, &l);
	for (size_t i = 0; i < l.n; i++) {
		struct stat st;
		size_t o = pb_push(&c->path, l.e[i].name);
		if (fstatat(fd2, l.e[i].name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			ue_die("%s: %s", shown_path(c), strerror(errno));
		add_new(c, fd2, l.e[i].name, &st);
		pb_pop(&c->path, o);
	}
	plist_free(&l);
	return 1;
}

/* A regular file on both sides. */
static void same_file(struct tctx *c, int fd1, int fd2, const char *name,
                      const struct stat *s1, const struct stat *s2)
{
	struct imap_ent *g = NULL;
	if (s2->st_nlink > 1) {
		g = imap_get(&groups, s2->st_dev, s2->st_ino, 1);
		if (g->leader) {
			if (!(g->t1ino && s1->st_ino == g->t1ino)) {
				op_unlink(c, 0);
				op_link(c, g->leader);
			}
			return;
		}
		g->leader = xstrdup(shown_path(c));
	}
	int recreate = (s1->st_nlink > 1 && s2->st_nlink == 1);
	if (!recreate && s1->st_nlink > 1) {
		struct imap_ent *k = imap_get(&claimed, s1->st_dev, s1->st_ino, 0);
		recreate = k != NULL;
	}
	if (!recreate)
		recreate = differ_data(c, fd1, name, s1, fd2, s2);
	if (recreate) {
		op_unlink(c, 0);
		op_create(c);
		if (g)
			g->t1ino = 0;
		return;
	}
	if (s1->st_nlink > 1)
		imap_get(&claimed, s1->st_dev, s1->st_ino, 1);
	if (g)
		g->t1ino = s1->st_ino;
	op_meta(c, fd2, name, s2, fd1, name, s1, 0);
}

/* Both sides are directories: returns whether an entry of it was added or
 * removed (which changes its mtime on replay). */
static int walk(struct tctx *c, int fd1, int fd2)
{
	struct plist l1, l2;
	int saved = c->dirty;
	c->dirty = 0;
	plist_read(c, fd1, &l1);
	plist_read(c, fd2, &l2);
	for (size_t i = 0; i < l1.n; i++) {
		struct pent *e2 = plist_find(&l2, l1.e[i].name);
		if (e2 && e2->dt == l1.e[i].dt)
			continue;
		size_t o = pb_push(&c->path, l1.e[i].name);
		remove_tree(c, fd1, l1.e[i].name, l1.e[i].dt);
		pb_pop(&c->path, o);
	}
	for (size_t i = 0; i < l2.n; i++) {
		const char *name = l2.e[i].name;
		struct pent *e1 = plist_find(&l1, name);
		struct stat s1, s2;
		size_t o = pb_push(&c->path, name);
		if (fstatat(fd2, name, &s2, AT_SYMLINK_NOFOLLOW) < 0)
			ue_die("%s (tree 2): %s", shown_path(c), strerror(errno));
		if (e1 && fstatat(fd1, name, &s1, AT_SYMLINK_NOFOLLOW) < 0)
			ue_die("%s (tree 1): %s", shown_path(c), strerror(errno));
		if (!e1 || (s1.st_mode & S_IFMT) != (s2.st_mode & S_IFMT)) {
			add_new(c, fd2, name, &s2);
		} else if (S_ISDIR(s2.st_mode)) {
			int a = open_dir(fd1, name), b = open_dir(fd2, name);
			if (a < 0 || b < 0)
				ue_die("%s: %s", shown_path(c), strerror(-(a < 0 ? a : b)));
			int inner = walk(c, a, b);
			close(a);
			close(b);
			op_meta(c, fd2, name, &s2, fd1, name, &s1, inner ? M_TIMES : 0);
		} else if (S_ISREG(s2.st_mode)) {
			same_file(c, fd1, fd2, name, &s1, &s2);
		} else if (S_ISLNK(s2.st_mode)) {
			char t1[4096], t2[4096];
			readlink_or_die(c, fd1, name, t1, sizeof t1);
			readlink_or_die(c, fd2, name, t2, sizeof t2);
			if (strcmp(t1, t2)) {
				op_unlink(c, 0);
				op_symlink(c, t2);
				op_meta(c, fd2, name, &s2, -1, NULL, NULL, 0);
			} else {
				op_meta(c, fd2, name, &s2, fd1, name, &s1, 0);
			}
		} else if ((S_ISCHR(s2.st_mode) || S_ISBLK(s2.st_mode)) && s1.st_rdev != s2.st_rdev) {
			op_unlink(c, 0);
			op_mknod(c, &s2);
			op_meta(c, fd2, name, &s2, -1, NULL, NULL, 0);
		} else {
			op_meta(c, fd2, name, &s2, fd1, name, &s1, 0);
		}
		pb_pop(&c->path, o);
	}
	plist_free(&l1);
	plist_free(&l2);
	int changed = c->dirty;
	c->dirty = saved;
	return changed;
}

int tree_diff(const char *t1, const char *t2, const char *format, int content)
{
	struct tctx c = { .content = content, .uid = geteuid(), .gid = getegid() };
	if (!strcmp(format, "text"))
		c.format = TF_TEXT;
	else if (!strcmp(format, "json"))
		c.format = TF_JSON;
	else if (!strcmp(format, "sh"))
		c.format = TF_SH;
	else
		ue_usage("unknown format '%s' for two trees (text, json or sh)", format);
	int fd1 = open(t1, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd1 < 0)
		ue_die("'%s': %s", t1, strerror(errno));
	int fd2 = open(t2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd2 < 0)
		ue_die("'%s': %s", t2, strerror(errno));
	if (c.format == TF_SH)
		fputs("#!/bin/sh\n"
		      "# Made by unionenv diff: turns TREE1 into TREE2.\n"
		      "# Run it in TREE1 with SRC set to TREE2 (file data is copied from there).\n"
		      "set -eu\n"
		      ": \"${SRC:?set SRC to the second tree}\"\n", stdout);
	pb_init(&c.path, "");
	struct stat s1, s2;
	if (fstat(fd1, &s1) < 0 || fstat(fd2, &s2) < 0)
		ue_die("stat: %s", strerror(errno));
	int inner = walk(&c, fd1, fd2);
	op_meta(&c, fd2, NULL, &s2, fd1, NULL, &s1, inner ? M_TIMES : 0);
	if (fflush(stdout) != 0 || ferror(stdout))
		ue_die("write error: %s", strerror(errno));
	return c.found ? EX_DIFF : EX_OK;
}

/* unionenv diff: the operations printed, as text, JSON or shell commands
 * (treediff.h). */
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

/* ---- emitting ------------------------------------------------------------- */

const char *shown_path(struct tctx *c)
{
	return c->path.len ? c->path.s : ".";
}

static void begin(struct tctx *c, const char *op)
{
	c->found = 1;
	progress_clear();
	if (strcmp(op, "meta"))
		c->dirty = 1;
	if (c->format == TF_TEXT) {
		fputs(op, stdout);
		putchar('\t');
		put_escaped(stdout, shown_path(c));
	} else if (c->format == TF_JSON) {
		printf("{\"op\":\"%s\",\"path\":", op);
		json_string(stdout, shown_path(c));
	}
}

static void arg(struct tctx *c, const char *key, const char *val)
{
	if (c->format == TF_TEXT) {
		putchar('\t');
		put_escaped(stdout, val);
	} else if (c->format == TF_JSON) {
		printf(",\"%s\":", key);
		json_string(stdout, val);
	}
}

static void end(struct tctx *c)
{
	if (c->format == TF_TEXT)
		putchar('\n');
	else if (c->format == TF_JSON)
		puts("}");
}

static void sh_path(struct tctx *c)
{
	fputs(" -- ", stdout);
	put_shell(stdout, shown_path(c));
}

void op_unlink(struct tctx *c, int isdir)
{
	begin(c, isdir ? "rmdir" : "unlink");
	if (c->format == TF_SH) {
		fputs(isdir ? "rmdir" : "rm -f", stdout);
		sh_path(c);
	}
	end(c);
	if (c->format == TF_SH)
		putchar('\n');
}

/* Remove entry name of dir fd (path c->path), a directory with all inside. */
void remove_tree(struct tctx *c, int fd, const char *name, unsigned char dt)
{
	if (dt == DT_DIR) {
		int cfd = open_dir(fd, name);
		if (cfd < 0)
			ue_die("%s: %s", shown_path(c), strerror(-cfd));
		struct plist l;
		plist_read(c, cfd, &l);
		for (size_t i = 0; i < l.n; i++) {
			size_t o = pb_push(&c->path, l.e[i].name);
			remove_tree(c, cfd, l.e[i].name, l.e[i].dt);
			pb_pop(&c->path, o);
		}
		plist_free(&l);
		close(cfd);
	}
	op_unlink(c, dt == DT_DIR);
}

static void print_mtime(const struct stat *st)
{
	printf("%lld.%09ld", (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

static void put_hex(const struct xattr *x)
{
	fputs("0x", stdout);
	for (size_t i = 0; i < x->len; i++)
		printf("%02x", (unsigned char)x->value[i]);
}

/* Metadata of entry n1 of fd1 vs n2 of fd2 (a NULL name: the fd itself;
 * s1 NULL: a new entry): emits the "meta" operation for the bits in `want`
 * plus those that differ. */
void op_meta(struct tctx *c, int fd2, const char *n2, const struct stat *s2,
             int fd1, const char *n1, const struct stat *s1, int want)
{
	int what = want;
	struct xattrs x1 = { 0 }, x2 = { 0 };
	xattrs_get(fd2, n2, &x2, 0);
	if (s1) {
		xattrs_get(fd1, n1, &x1, 0);
		if ((s1->st_mode & 07777) != (s2->st_mode & 07777))
			what |= M_MODE;
		if (s1->st_uid != s2->st_uid || s1->st_gid != s2->st_gid)
			what |= M_OWNER;
		if (s1->st_mtim.tv_sec != s2->st_mtim.tv_sec || s1->st_mtim.tv_nsec != s2->st_mtim.tv_nsec)
			what |= M_TIMES;
		if (!xattrs_equal(&x1, &x2))
			what |= M_XATTRS;
	} else {
		what |= M_MODE | M_TIMES;
		if (s2->st_uid != c->uid || s2->st_gid != c->gid)
			what |= M_OWNER;
		if (x2.n)
			what |= M_XATTRS;
	}
	if (S_ISLNK(s2->st_mode))
		what &= ~M_MODE;
	if (!what)
		goto out;
	if (c->format == TF_SH) {
		c->found = 1;
		if (what & M_OWNER) {
			printf("chown -h %u:%u", (unsigned)s2->st_uid, (unsigned)s2->st_gid);
			sh_path(c);
			putchar('\n');
		}
		if (what & M_MODE) {
			printf("chmod %04o", (unsigned)(s2->st_mode & 07777));
			sh_path(c);
			putchar('\n');
		}
		if (what & M_XATTRS) {
			for (size_t i = 0; i < x1.n; i++) {
				size_t j;
				for (j = 0; j < x2.n && strcmp(x2.v[j].name, x1.v[i].name); j++)
					;
				if (j == x2.n) {
					fputs("setfattr -h -x ", stdout);
					put_shell(stdout, x1.v[i].name);
					sh_path(c);
					putchar('\n');
				}
			}
			for (size_t i = 0; i < x2.n; i++) {
				fputs("setfattr -h -n ", stdout);
				put_shell(stdout, x2.v[i].name);
				fputs(" -v ", stdout);
				put_hex(&x2.v[i]);
				sh_path(c);
				putchar('\n');
			}
		}
		if (what & M_TIMES) {
			fputs("touch -h -d @", stdout);
			print_mtime(s2);
			sh_path(c);
			putchar('\n');
		}
		goto out;
	}
	begin(c, "meta");
	char buf[64];
	if (what & M_MODE) {
		snprintf(buf, sizeof buf, "%04o", (unsigned)(s2->st_mode & 07777));
		if (c->format == TF_JSON)
			printf(",\"mode\":\"%s\"", buf);
		else
			printf("\tmode=%s", buf);
	}
	if (what & M_OWNER) {
		if (c->format == TF_JSON)
			printf(",\"uid\":%u,\"gid\":%u", (unsigned)s2->st_uid, (unsigned)s2->st_gid);
		else
			printf("\towner=%u:%u", (unsigned)s2->st_uid, (unsigned)s2->st_gid);
	}
	if (what & M_TIMES) {
		printf(c->format == TF_JSON ? ",\"mtime\":\"" : "\tmtime=");
		print_mtime(s2);
		if (c->format == TF_JSON)
			putchar('"');
	}
	if (what & M_XATTRS) {
		if (c->format == TF_JSON) {
			printf(",\"xattrs\":{");
			for (size_t i = 0; i < x2.n; i++) {
				if (i)
					putchar(',');
				json_string(stdout, x2.v[i].name);
				putchar(':');
				putchar('"');
				put_hex(&x2.v[i]);
				putchar('"');
			}
			putchar('}');
		} else {
			printf("\txattrs");
		}
	}
	end(c);
out:
	xattrs_free(&x1);
	xattrs_free(&x2);
}

void op_create(struct tctx *c)
{
	begin(c, "create");
	if (c->format == TF_SH) {
		fputs("cp -a --no-dereference -T -- \"$SRC\"/", stdout);
		put_shell(stdout, shown_path(c));
		putchar(' ');
		put_shell(stdout, shown_path(c));
		putchar('\n');
	}
	end(c);
}

void op_link(struct tctx *c, const char *leader)
{
	begin(c, "link");
	arg(c, "target", leader);
	if (c->format == TF_SH) {
		fputs("ln -- ", stdout);
		put_shell(stdout, leader);
		putchar(' ');
		put_shell(stdout, shown_path(c));
		putchar('\n');
	}
	end(c);
}

void op_symlink(struct tctx *c, const char *target)
{
	begin(c, "symlink");
	arg(c, "target", target);
	if (c->format == TF_SH) {
		fputs("ln -s -- ", stdout);
		put_shell(stdout, target);
		putchar(' ');
		put_shell(stdout, shown_path(c));
		putchar('\n');
	}
	end(c);
}

void op_mkdir(struct tctx *c)
{
	begin(c, "mkdir");
	if (c->format == TF_SH) {
		fputs("mkdir", stdout);
		sh_path(c);
		putchar('\n');
	}
	end(c);
}

void op_mknod(struct tctx *c, const struct stat *st)
{
	char t = S_ISCHR(st->st_mode) ? 'c' : S_ISBLK(st->st_mode) ? 'b' : 'p';
	char buf[64];
	if (t == 'p')
		snprintf(buf, sizeof buf, "p");
	else
		snprintf(buf, sizeof buf, "%c %u %u", t, major(st->st_rdev), minor(st->st_rdev));
	begin(c, "mknod");
	arg(c, "node", buf);
	if (c->format == TF_SH) {
		fputs(t == 'p' ? "mkfifo" : "mknod", stdout);
		sh_path(c);
		if (t != 'p')
			printf(" %c %u %u", t, major(st->st_rdev), minor(st->st_rdev));
		putchar('\n');
	}
	end(c);
}

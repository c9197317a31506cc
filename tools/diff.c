/* unionenv diff: what an upper layer adds, changes and deletes relative to
 * its lowers; or, between two plain trees, the operations that turn the
 * first into the second (treediff.c).
 *
 * The layer diff compares two views at every path the upper touches: the
 * old one (the lowers merged) and the new one (the upper over the lowers).
 * An entry of the upper is "A" when the old view has no such name, else
 * "C"; a whiteout is "D" when it hides something.  Below an opaque
 * directory the new view has no lowers, so every old name the upper does
 * not repeat is "D" too.  Without --content every entry of the upper counts
 * as a change (the union wrote it, as docker diff says); with --content an
 * entry is reported only when its type, data, mode, owner, mtime, xattrs,
 * link target or device number differ.
 *
 * With --work, the union's index (layerindex.h): a name still in the
 * lowers whose file the union copied up through another name shows the
 * copy, so it changed as that name did.  Those names are reported after
 * the upper's, "C" (with --content: when the copy differs from the lower
 * file, as for its copied-up names, which are the same inode). */
#include "layer.h"
#include "layerindex.h"
#include "ociwalk.h"
#include "progress.h"
#include "treediff.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { FMT_TEXT, FMT_JSON, FMT_OCI };

enum {
	CH_TYPE = 1 << 0, CH_CONTENT = 1 << 1, CH_MODE = 1 << 2, CH_OWNER = 1 << 3,
	CH_TIMES = 1 << 4, CH_XATTRS = 1 << 5,
};
static const char *const ch_names[] = { "type", "content", "mode", "owner", "times", "xattrs" };

struct dctx {
	int format, content;
	int xfd;             /* the index (lower_indexed) */
	int found;
	struct pbuf path;
};

static const char *kind_name(unsigned char dt)
{
	switch (dt) {
	case DT_REG: return "file";
	case DT_DIR: return "dir";
	case DT_LNK: return "symlink";
	case DT_CHR: return "char";
	case DT_BLK: return "block";
	case DT_FIFO: return "fifo";
	case DT_SOCK: return "socket";
	default: return "unknown";
	}
}

static void report(struct dctx *c, char op, unsigned char dt, int changes, int compared)
{
	c->found = 1;
	progress_clear();
	if (c->format == FMT_TEXT) {
		printf("%c /", op);
		put_escaped(stdout, c->path.s);
		putchar('\n');
		return;
	}
	printf("{\"op\":\"%c\",\"path\":", op);
	char *p = xmalloc(c->path.len + 2);
	p[0] = '/';
	memcpy(p + 1, c->path.s, c->path.len + 1);
	json_string(stdout, p);
	free(p);
	printf(",\"type\":\"%s\"", kind_name(dt));
	if (op == 'C') {
		printf(",\"changes\":[");
		int first = 1;
		for (int i = 0; i < 6; i++)
			if (changes & (1 << i)) {
				printf("%s\"%s\"", first ? "" : ",", ch_names[i]);
				first = 0;
			}
		printf("],\"data_compared\":%s", compared ? "true" : "false");
	}
	printf("}\n");
}

/* What differs between entry un of dir ufd and entry ln of dir lfd. */
static int compare(struct dctx *c, int ufd, const char *un, int lfd, const char *ln, int *compared)
{
	struct stat a, b;
	int ch = 0;
	*compared = 0;
	int sr = fstatat_shown(ufd, un, &a);
	if (sr < 0)
		ue_die("%s: %s", c->path.s, strerror(-sr));
	if (fstatat(lfd, ln, &b, AT_SYMLINK_NOFOLLOW) < 0)
		ue_die("%s (lower): %s", c->path.s, strerror(errno));
	if ((a.st_mode & S_IFMT) != (b.st_mode & S_IFMT))
		return CH_TYPE;
	if ((a.st_mode & 07777) != (b.st_mode & 07777))
		ch |= CH_MODE;
	if (a.st_uid != b.st_uid || a.st_gid != b.st_gid)
		ch |= CH_OWNER;
	if (a.st_mtim.tv_sec != b.st_mtim.tv_sec || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec)
		ch |= CH_TIMES;
	if (S_ISREG(a.st_mode)) {
		if (a.st_size != b.st_size) {
			ch |= CH_CONTENT;
		} else if (c->content) {
			int fa = openat(ufd, un, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			int fb = openat(lfd, ln, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fa < 0 || fb < 0)
				ue_die("%s: cannot read: %s", c->path.s, strerror(errno));
			int r = same_data(fa, fb);
			if (r < 0)
				ue_die("%s: %s", c->path.s, strerror(-r));
			if (!r)
				ch |= CH_CONTENT;
			*compared = 1;
			progress_bytes((uint64_t)a.st_size * 2);
			close(fa);
			close(fb);
		}
	} else if (S_ISLNK(a.st_mode)) {
		char ta[4096], tb[4096];
		ssize_t na = readlinkat(ufd, un, ta, sizeof ta);
		ssize_t nb = readlinkat(lfd, ln, tb, sizeof tb);
		if (na != nb || na < 0 || memcmp(ta, tb, (size_t)na))
			ch |= CH_CONTENT;
		*compared = 1;
	} else if (S_ISCHR(a.st_mode) || S_ISBLK(a.st_mode)) {
		if (a.st_rdev != b.st_rdev)
			ch |= CH_CONTENT;
		*compared = 1;
	}
	struct xattrs xa, xb;
	if (xattrs_get(ufd, un, &xa, 1) == 0 && xattrs_get(lfd, ln, &xb, 1) == 0) {
		if (!xattrs_equal(&xa, &xb))
			ch |= CH_XATTRS;
		xattrs_free(&xb);
	}
	xattrs_free(&xa);
	return ch;
}

/* Every entry below the added directory dfd/name. */
static void walk_added(struct dctx *c, int dfd, const char *raw)
{
	int fd = open_dir(dfd, raw);
	if (fd < 0)
		ue_die("%s: %s", c->path.s, strerror(-fd));
	struct ldir d;
	int r = ldir_read(fd, &d);
	if (r < 0)
		ue_die("%s: %s", c->path.s, strerror(-r));
	for (size_t i = 0; i < d.n; i++) {
		struct lent *e = &d.e[i];
		if (e->kind != K_REAL)
			continue;
		size_t old = pb_push(&c->path, e->name);
		progress_entry(0);
		report(c, 'A', e->dtype, 0, 0);
		if (e->dtype == DT_DIR)
			walk_added(c, fd, e->raw);
		pb_pop(&c->path, old);
	}
	ldir_free(&d);
	close(fd);
}

/* The directory at c->path: upper dir ufd/U, old view `old`; opaque: the
 * new view has no lowers here. */
static void walk(struct dctx *c, int ufd, const struct ldir *U, struct mdir *old, int opaque)
{
	const char **on = NULL;
	size_t non = 0;
	if (opaque)
		non = mdir_names(old, &on);
	size_t i = 0, j = 0;
	while (i < U->n || j < non) {
		const struct lent *u = NULL;
		const char *name;
		if (j >= non || (i < U->n && strcmp(U->e[i].name, on[j]) <= 0)) {
			u = &U->e[i];
			name = u->name;
			if (j < non && !strcmp(name, on[j]))
				j++;
			i++;
		} else {
			name = on[j++];
		}
		struct lent *oe = NULL;
		int ol = mdir_lookup(old, name, &oe);
		size_t plen = pb_push(&c->path, name);
		progress_entry(0);
		if (!u || u->kind == K_WHITEOUT) {
			if (ol >= 0)
				report(c, 'D', oe->dtype, 0, 0);
		} else if (ol < 0) {
			report(c, 'A', u->dtype, 0, 0);
			if (u->dtype == DT_DIR)
				walk_added(c, ufd, u->raw);
		} else {
			int ch = 0, compared = 0;
			if (c->content || c->format == FMT_JSON)
				ch = compare(c, ufd, u->raw, old->fd[ol], oe->raw, &compared);
			if (!c->content || ch)
				report(c, 'C', u->dtype, ch, compared);
			if (u->dtype == DT_DIR && oe->dtype == DT_DIR) {
				int fd = open_dir(ufd, u->raw);
				if (fd < 0)
					ue_die("%s: %s", c->path.s, strerror(-fd));
				struct ldir cu;
				struct mdir co;
				int r = ldir_read(fd, &cu);
				if (r < 0)
					ue_die("%s: %s", c->path.s, strerror(-r));
				r = mdir_child(old, name, &co);
				if (r < 0)
					ue_die("%s (lower): %s", c->path.s, strerror(-r));
				walk(c, fd, &cu, &co, opaque || cu.opaque);
				mdir_free(&co);
				ldir_free(&cu);
				close(fd);
			} else if (u->dtype == DT_DIR) {
				walk_added(c, ufd, u->raw);
			}
		}
		pb_pop(&c->path, plen);
	}
	free(on);
}

/* --format oci: a lower name export writes (a hard link of the copy). */
static void lower_indexed_oci(void *ctx, const struct lindex_name *ln)
{
	put_escaped(stdout, ln->path);
	putchar('\n');
}

/* A lower name that shows the index entry ln->hex. */
static void lower_indexed(void *ctx, const struct lindex_name *ln)
{
	struct dctx *c = ctx;
	pb_free(&c->path);
	pb_init(&c->path, ln->path);
	int ch = 0, compared = 0;
	if (c->content || c->format == FMT_JSON)
		ch = compare(c, c->xfd, ln->hex, ln->ldfd, ln->lraw, &compared);
	if (!c->content || ch)
		report(c, 'C', DT_REG, ch, compared);
}

static void usage(void)
{
	fputs(
"Usage: unionenv diff --upper DIR [--lower DIR[:DIR...]] [--work DIR] [--format text|json|oci] [--json] [--content] [--quiet]\n"
"       unionenv diff [--format text|json|sh] [--json] [--content] [--quiet] TREE1 TREE2\n"
"\n"
"First form: every path the upper layer adds (A), changes (C) or deletes (D)\n"
"relative to the lower layers, in a stable order, as `docker diff` prints\n"
"them. Without --content every entry of the upper is a change; with it, an\n"
"entry whose data and metadata equal the lower's is not reported.\n"
"  text  'A /path', 'C /path', 'D /path'\n"
"  json  one object per line: op, path, type, changes (content, mode,\n"
"        owner, times, xattrs, type), data_compared\n"
"  oci   the entries `unionenv export` would write (.wh.NAME, .wh..wh..opq)\n"
"--work DIR: the union's work directory (its --work): a name of the lowers\n"
"whose file was copied up through another of its names is reported too,\n"
"after the upper's entries.\n"
"\n"
"Second form: the operations that turn TREE1 into TREE2, in an order that\n"
"can be replayed (unlink, rmdir, mkdir, create, link, symlink, mknod, meta).\n"
"  text  one operation per line, fields separated by tabs\n"
"  json  one object per line\n"
"  sh    a shell script: run it in TREE1 with SRC=TREE2 in the environment\n"
"Regular files of equal size and mtime are taken as equal unless --content.\n"
"--json is --format json.\n"
"\n"
"On a terminal, a progress line on stderr counts the entries walked and\n"
"the bytes compared; -q, --quiet: none.\n"
"\n"
"Exit status: 0 no differences, 1 differences, 125 error.\n", stdout);
}

int main(int argc, char **argv)
{
	ue_prog = "unionenv diff";
	static const struct option opts[] = {
		{ "upper", required_argument, 0, 'u' },
		{ "lower", required_argument, 0, 'l' },
		{ "work", required_argument, 0, 'w' },
		{ "format", required_argument, 0, 'f' },
		{ "content", no_argument, 0, 'c' },
		{ "json", no_argument, 0, 'j' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *upper = NULL, *lower = NULL, *format = NULL, *work = NULL;
	int content = 0, quiet = 0, o;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+:hq", opts, NULL)) != -1) {
		switch (o) {
		case 'u': upper = need_arg("--upper", optarg); break;
		case 'l': lower = need_arg("--lower", optarg); break;
		case 'w': work = need_arg("--work", optarg); break;
		case 'f':
		case 'j': {
			/* --json is --format json, as fsck and check say it */
			const char *f = o == 'j' ? "json" : need_arg("--format", optarg);
			if (format && strcmp(format, f))
				ue_usage("--format %s and --format %s (or --json) given together", format, f);
			format = f;
			break;
		}
		case 'c': content = 1; break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case ':': ue_usage("option '%s' needs a value", argv[optind - 1]);
		default: ue_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	ue_raise_nofile();
	int r;
	if (!upper) {
		if (lower)
			ue_usage("--lower needs --upper");
		if (work)
			ue_usage("--work needs --upper");
		if (argc - optind != 2)
			ue_usage("give --upper DIR, or two trees");
		progress_start(ue_prog, quiet);
		r = tree_diff(argv[optind], argv[optind + 1], format ? format : "text", content);
		progress_end();
		return r;
	}
	if (optind < argc)
		ue_usage("unexpected argument '%s'", argv[optind]);
	struct dctx c = { 0 };
	if (!format || !strcmp(format, "text"))
		c.format = FMT_TEXT;
	else if (!strcmp(format, "json"))
		c.format = FMT_JSON;
	else if (!strcmp(format, "oci"))
		c.format = FMT_OCI;
	else
		ue_usage("unknown format '%s' (text, json or oci)", format);
	c.content = content;
	int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ufd < 0)
		ue_die("upper '%s': %s", upper, strerror(errno));
	struct mdir old;
	mdir_open_roots(&old, lower);
	struct lindex x;
	lindex_open(&x, work, upper, lower);
	c.xfd = x.fd;
	if (c.format == FMT_OCI) {
		size_t n = (size_t)oci_list(ufd, lower ? &old : NULL, stdout);
		n += lindex_lower_names(&x, ufd, &old, lower_indexed_oci, NULL);
		lindex_close(&x);
		mdir_free(&old);
		if (fflush(stdout) != 0 || ferror(stdout))
			ue_die("write error: %s", strerror(errno));
		return n > 0 ? EX_DIFF : EX_OK;
	}
	struct ldir U;
	progress_start(ue_prog, quiet);
	r = ldir_read(ufd, &U);
	if (r < 0)
		ue_die("upper '%s': %s", upper, strerror(-r));
	pb_init(&c.path, "");
	walk(&c, ufd, &U, &old, 0);
	lindex_lower_names(&x, ufd, &old, lower_indexed, &c);
	progress_end();
	lindex_close(&x);
	ldir_free(&U);
	mdir_free(&old);
	if (fflush(stdout) != 0 || ferror(stdout))
		ue_die("write error: %s", strerror(errno));
	return c.found ? EX_DIFF : EX_OK;
}

/* unionenv export: an upper layer as an OCI image layer (a tar).
 *
 * Entries in the order of ociwalk.c (depth first, names sorted, a
 * directory's opaque marker right after it); whiteouts and opaque markers
 * in the OCI form; hard links within the layer kept; xattrs other than the
 * overlay markers as SCHILY.xattr PAX records; numeric owners only, no
 * user or group names; mtimes in whole seconds, clamped to
 * SOURCE_DATE_EPOCH when it is set.  The same upper gives the same bytes.
 * The archive is written to a temporary file beside the output and renamed
 * into place when complete, so an error leaves nothing behind.
 *
 * With --work, the union's index (layerindex.h): the names of the lowers
 * that show a copy the union made through another name of their file are
 * written too, after the upper's entries, as hard links of the first name
 * of that copy in the layer (its data once), so that the layer applied
 * over the lowers keeps them one file, as the union showed them. */
#include "layer.h"
#include "layerindex.h"
#include "layerpath.h"
#include "ociwalk.h"
#include "progress.h"
#include "tar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct ectx {
	struct sink *s;
	int xfd;            /* the index (lower_indexed) */
	int have_sde;
	int64_t sde;
	/* hard links: inode -> first name */
	struct hl { dev_t dev; ino_t ino; char *name; } *hl;
	size_t nhl, caphl;
	char *buf;
	size_t nsock, nentries;
};

static char *tmp_out;   /* removed on exit unless renamed */

static void cleanup(void)
{
	if (tmp_out)
		unlink(tmp_out);
}

static int64_t clamp(struct ectx *c, const struct stat *st)
{
	int64_t t = st->st_mtim.tv_sec;
	if (c->have_sde && t > c->sde)
		t = c->sde;
	return t;
}

static size_t hl_hash(struct ectx *c, dev_t dev, ino_t ino)
{
	return ((uint64_t)ino * 0x9E3779B97F4A7C15ULL ^ (uint64_t)dev) & (c->caphl - 1);
}

/* The first name of a multiply-linked inode, or NULL (and it is recorded). */
static const char *hl_seen(struct ectx *c, const struct stat *st, const char *name)
{
	if ((c->nhl + 1) * 2 > c->caphl) {
		struct hl *old = c->hl;
		size_t oc = c->caphl;
		c->caphl = oc ? oc * 2 : 256;
		c->hl = xcalloc(c->caphl, sizeof *c->hl);
		for (size_t i = 0; i < oc; i++)
			if (old[i].name) {
				size_t h = hl_hash(c, old[i].dev, old[i].ino);
				while (c->hl[h].name)
					h = (h + 1) & (c->caphl - 1);
				c->hl[h] = old[i];
			}
		free(old);
	}
	size_t h = hl_hash(c, st->st_dev, st->st_ino);
	for (; c->hl[h].name; h = (h + 1) & (c->caphl - 1))
		if (c->hl[h].dev == st->st_dev && c->hl[h].ino == st->st_ino)
			return c->hl[h].name;
	c->hl[h].dev = st->st_dev;
	c->hl[h].ino = st->st_ino;
	c->hl[h].name = xstrdup(name);
	c->nhl++;
	return NULL;
}

static void put_file_data(struct ectx *c, int dfd, const char *raw, const char *path, uint64_t size)
{
	int fd = openat(dfd, raw, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		ue_die("%s: cannot read: %s", path, strerror(errno));
	uint64_t done = 0;
	while (done < size) {
		size_t want = size - done > (1 << 20) ? (1 << 20) : (size_t)(size - done);
		ssize_t n = read(fd, c->buf, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ue_die("%s: %s", path, strerror(errno));
		}
		if (n == 0)
			ue_die("%s: file shrank while being read", path);
		sink_write(c->s, c->buf, (size_t)n);
		done += (uint64_t)n;
		progress_bytes((uint64_t)n);
	}
	close(fd);
	tar_put_pad(c->s, size);
}

static void on_item(void *ctx, const struct oci_item *it)
{
	struct ectx *c = ctx;
	struct stat st;
	struct tar_hdr h = { .name = it->path };
	if (it->kind == OI_OPAQUE) {
		if (fstat(it->dfd, &st) < 0)
			ue_die("%s: %s", it->path, strerror(errno));
		h.type = '0';
		h.mtime = clamp(c, &st);
		tar_put_header(c->s, &h);
		c->nentries++;
		progress_entry(0);
		return;
	}
	/* the owner an ordinary user's copy-up recorded: what an image wants */
	int sr = fstatat_shown(it->dfd, it->raw, &st);
	if (sr < 0)
		ue_die("%s: %s", it->path, strerror(-sr));
	if (it->kind == OI_WHITEOUT) {
		h.type = '0';
		h.mtime = clamp(c, &st);
		tar_put_header(c->s, &h);
		c->nentries++;
		progress_entry(0);
		return;
	}
	struct xattrs x;
	int r = xattrs_get(it->dfd, it->raw, &x, 1);
	if (r < 0)
		ue_die("%s: xattrs: %s", it->path, strerror(-r));
	h.x = &x;
	h.mode = st.st_mode & 07777;
	h.uid = st.st_uid;
	h.gid = st.st_gid;
	h.mtime = clamp(c, &st);
	char target[PATH_MAX + 1];
	const char *first = NULL;
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		if (st.st_nlink > 1)
			first = hl_seen(c, &st, it->path);
		if (first) {
			h.type = '1';
			h.linkname = first;
		} else {
			h.type = '0';
			h.size = (uint64_t)st.st_size;
		}
		break;
	case S_IFDIR:
		h.type = '5';
		break;
	case S_IFLNK: {
		ssize_t n = readlinkat(it->dfd, it->raw, target, sizeof target - 1);
		if (n < 0)
			ue_die("%s: %s", it->path, strerror(errno));
		target[n] = 0;
		h.type = '2';
		h.linkname = target;
		break;
	}
	case S_IFCHR:
	case S_IFBLK:
		h.type = S_ISCHR(st.st_mode) ? '3' : '4';
		h.devmajor = major(st.st_rdev);
		h.devminor = minor(st.st_rdev);
		break;
	case S_IFIFO:
		h.type = '6';
		break;
	default:
		c->nsock++;
		xattrs_free(&x);
		return;
	}
	tar_put_header(c->s, &h);
	c->nentries++;
	progress_entry(0);
	if (h.type == '0')
		put_file_data(c, it->dfd, it->raw, it->path, h.size);
	xattrs_free(&x);
}

/* A lower name that shows the index entry ln->hex: an entry of the layer
 * like the copied-up names, the same inode (a link of the first one). */
static void lower_indexed(void *ctx, const struct lindex_name *ln)
{
	struct ectx *c = ctx;
	struct oci_item it = { .kind = OI_ENTRY, .path = ln->path, .dfd = c->xfd, .raw = ln->hex, .dtype = DT_REG };
	on_item(c, &it);
}

static void usage(void)
{
	fputs(
"Usage: unionenv export --upper DIR [--lower DIR[:DIR...]] [--work DIR] -o FILE|- [--gzip|--zstd] [--quiet]\n"
"\n"
"Write the upper layer as an OCI image layer: a tar with whiteouts as\n"
".wh.NAME and opaque directories as DIR/.wh..wh..opq, hard links kept,\n"
"xattrs (not the overlay markers) as PAX SCHILY.xattr records, numeric\n"
"owners, entries sorted, mtimes in seconds and clamped to SOURCE_DATE_EPOCH\n"
"when it is set: the same upper gives the same bytes.\n"
"\n"
"  --upper DIR    the layer to export\n"
"  --lower DIRS   leave out whiteouts that hide nothing in these lowers\n"
"  --work DIR     the union's work directory: with --lower, the lowers' names\n"
"                 of a file copied up through another name are written as\n"
"                 hard links of it (after the upper's entries)\n"
"  -o FILE        the archive ('-': standard output); written whole or not at all\n"
"  --gzip         compress with gzip (zlib)\n"
"  --zstd         compress with zstd (libzstd)\n"
"  -q, --quiet    no progress line (drawn only when stderr is a terminal)\n"
"\n"
"Exit status: 0 done, 125 error (one line on stderr, no archive left).\n", stdout);
}

int main(int argc, char **argv)
{
	ue_prog = "unionenv export";
	static const struct option opts[] = {
		{ "upper", required_argument, 0, 'u' },
		{ "lower", required_argument, 0, 'l' },
		{ "work", required_argument, 0, 'w' },
		{ "output", required_argument, 0, 'o' },
		{ "gzip", no_argument, 0, 'z' },
		{ "zstd", no_argument, 0, 'Z' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *upper = NULL, *lower = NULL, *out = NULL, *work = NULL;
	int z = Z_NONE, o, quiet = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+:hqo:", opts, NULL)) != -1) {
		switch (o) {
		case 'u': upper = need_arg("--upper", optarg); break;
		case 'l': lower = need_arg("--lower", optarg); break;
		case 'w': work = need_arg("--work", optarg); break;
		case 'o': out = need_arg("-o", optarg); break;
		case 'z':
			if (z == Z_ZSTD)
				ue_usage("--gzip and --zstd both given");
			z = Z_GZIP;
			break;
		case 'Z':
			if (z == Z_GZIP)
				ue_usage("--gzip and --zstd both given");
			z = Z_ZSTD;
			break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case ':': ue_usage("option '%s' needs a value", argv[optind - 1]);
		default: ue_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		ue_usage("unexpected argument '%s'", argv[optind]);
	if (!upper)
		ue_usage("missing --upper");
	if (!out)
		ue_usage("missing -o FILE (or -o - for standard output)");
#ifndef UE_HAVE_ZLIB
	if (z == Z_GZIP)
		ue_die("--gzip: built without zlib");
#endif
#ifndef UE_HAVE_ZSTD
	if (z == Z_ZSTD)
		ue_die("--zstd: built without libzstd");
#endif
	ue_raise_nofile();
	struct ectx c = { 0 };
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		char *e;
		errno = 0;
		long long v = strtoll(sde, &e, 10);
		if (*e || errno)
			ue_die("SOURCE_DATE_EPOCH '%s' is not a number of seconds", sde);
		c.have_sde = 1;
		c.sde = v;
	}
	int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ufd < 0)
		ue_die("upper '%s': %s", upper, strerror(errno));
	struct mdir low;
	mdir_open_roots(&low, lower);
	struct lindex x;
	lindex_open(&x, work, upper, lower);
	c.xfd = x.fd;

	int fd;
	char *final = NULL;
	if (!strcmp(out, "-")) {
		if (isatty(1))
			ue_die("refusing to write an archive to a terminal (use -o FILE)");
		fd = 1;
	} else {
		/* Refuse an output inside the upper: it would export itself. */
		char *dir = xstrdup(out), *slash = strrchr(dir, '/');
		if (slash)
			slash[slash == dir ? 1 : 0] = 0;
		else
			strcpy(dir, ".");
		char rd[PATH_MAX], ru[PATH_MAX];
		if (!realpath(dir, rd))
			ue_die("output '%s': %s", out, strerror(errno));
		if (!realpath(upper, ru))
			ue_die("upper '%s': %s", upper, strerror(errno));
		size_t lu = strlen(ru);
		if (ue_path_under(rd, ru, lu))
			ue_die("output '%s' is inside the upper layer", out);
		free(dir);
		struct stat ost;
		if (stat(out, &ost) == 0 && S_ISDIR(ost.st_mode))
			ue_die("output '%s' is a directory", out);
		size_t n = strlen(out) + 64;
		tmp_out = xmalloc(n);
		snprintf(tmp_out, n, "%s.unionenv-tmp.%d", out, (int)getpid());
		atexit(cleanup);
		fd = open(tmp_out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			int e = errno;
			free(tmp_out);
			tmp_out = NULL;
			ue_die("output '%s': %s", out, strerror(e));
		}
		final = xstrdup(out);
	}
	c.buf = xmalloc(1 << 20);
	c.s = sink_open(fd, z);
	progress_start(ue_prog, quiet);
	size_t left = oci_walk(ufd, lower ? &low : NULL, on_item, &c);
	lindex_lower_names(&x, ufd, &low, lower_indexed, &c);
	lindex_close(&x);
	tar_put_end(c.s);
	sink_close(c.s);
	progress_end();
	if (final) {
		if (fsync(fd) < 0 || close(fd) < 0)
			ue_die("output '%s': %s", out, strerror(errno));
		if (rename(tmp_out, final) < 0)
			ue_die("output '%s': %s", out, strerror(errno));
		free(tmp_out);
		tmp_out = NULL;
	}
	if (left)
		ue_warn("left out %zu temporary name(s) of unfinished copy-ups (see unionenv fsck)", left);
	if (c.nsock)
		ue_warn("left out %zu socket(s): tar cannot hold them", c.nsock);
	mdir_free(&low);
	return EX_OK;
}

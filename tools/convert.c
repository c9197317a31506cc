/* unionenv convert: rewrite an upper layer's markers in another form, in
 * place: the kernel's unprivileged form (character device 0/0 whiteouts,
 * user.overlay.opaque), the aufs/OCI form (.wh.NAME, .wh..wh..opq) or the
 * kernel's privileged form (trusted.overlay.opaque, as root).  Markers are
 * read in every form (xattr whiteouts and fuse-overlayfs' opaque xattr
 * too).  Restartable: see markform.h.  With --lower, what a root kernel
 * mount's redirect_dir and metacopy left is materialised first
 * (materialise.h). */
#include "config.h"
#include "form.h"
#include "layer.h"
#include "markform.h"
#include "materialise.h"
#include "progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/xattr.h>

struct cctx {
	int to, verbose;
	size_t changes;
	struct pbuf path;
};

static void note(void *ctx, const char *path, const char *name, const char *what)
{
	struct cctx *c = ctx;
	if (!c->verbose)
		return;
	progress_clear();
	if (*path) {
		put_escaped(stdout, path);
		if (name)
			putchar('/');
	}
	if (name)
		put_escaped(stdout, name);
	else if (!*path)
		putchar('.');
	printf(": %s %s\n", name ? "whiteout ->" : "opaque ->", what);
}

/* Call fn on each real subdirectory of the directory d read from fd, with
 * c->path naming it meanwhile. */
static void each_subdir(struct cctx *c, int fd, const struct ldir *d, void (*fn)(struct cctx *, int))
{
	for (size_t i = 0; i < d->n; i++) {
		if (d->e[i].kind != K_REAL || d->e[i].dtype != DT_DIR)
			continue;
		int cfd = open_dir(fd, d->e[i].raw);
		size_t old = pb_push(&c->path, d->e[i].name);
		if (cfd < 0)
			ue_die("%s: %s", c->path.s, strerror(-cfd));
		fn(c, cfd);
		close(cfd);
		pb_pop(&c->path, old);
	}
}

/* Refuse what the target form cannot hold before changing anything. */
static void precheck(struct cctx *c, int fd)
{
	struct ldir d;
	int r = ldir_read(fd, &d);
	if (r < 0)
		ue_die("%s: %s", c->path.len ? c->path.s : ".", strerror(-r));
	if (d.forms & F_REDIRECT)
		ue_die("%s: has an overlay.redirect xattr ('%s', made by a kernel mount with "
		       "redirect_dir): %s cannot hold it", c->path.len ? c->path.s : ".",
		       d.redirect ? d.redirect : "", c->to == TO_TRUSTED ? "not supported:" : "the target form");
	each_subdir(c, fd, &d, precheck);
	ldir_free(&d);
}

static void walk(struct cctx *c, int fd)
{
	struct ldir d;
	int r = ldir_read(fd, &d);
	if (r < 0)
		ue_die("%s: %s", c->path.len ? c->path.s : ".", strerror(-r));
	c->changes += convert_dir(fd, &d, c->path.s, c->to, note, c);
	for (size_t i = 0; i < d.n; i++)
		progress_entry(0);
	each_subdir(c, fd, &d, walk);
	ldir_free(&d);
}

static void note_materialised(void *ctx, const char *rel, const char *what)
{
	struct cctx *c = ctx;
	if (!c->verbose)
		return;
	progress_clear();
	put_escaped(stdout, rel);
	printf(": %s\n", what);
}

/* The lowers, each made absolute and canonical, as the core wants them. */
static char *canonical_lowers(const char *lowers)
{
	char *s = xstrdup(lowers), *save = NULL, real[PATH_MAX];
	char *out = xstrdup("");
	size_t len = 0;
	for (char *t = strtok_r(s, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		if (!realpath(t, real))
			ue_die("lower '%s': %s", t, strerror(errno));
		size_t l = strlen(real);
		out = xrealloc(out, len + l + 2);
		if (len)
			out[len++] = ':';
		memcpy(out + len, real, l + 1);
		len += l;
	}
	free(s);
	return out;
}

static void usage(void)
{
	fputs(
"Usage: unionenv convert --to overlay|aufs|overlay-trusted [-v] [--quiet] [--lower A:B] [--upper] DIR\n"
"\n"
"Rewrite the whiteouts and opaque markers of an upper layer, in place:\n"
"  overlay          character device 0/0, user.overlay.opaque=y (the kernel's\n"
"                   unprivileged userxattr form; unionenv's own)\n"
"  aufs             .wh.NAME and .wh..wh..opq files (aufs, OCI layers)\n"
"  overlay-trusted  character device 0/0, trusted.overlay.opaque=y (a root\n"
"                   kernel mount without userxattr; needs root)\n"
"Markers are read in every form. Each step leaves a layer that reads the\n"
"same, so an interrupted conversion is finished by running it again. Times\n"
"of directories are kept; modes, owners and times of markers move with them.\n"
"Directories with an overlay.redirect xattr (a root kernel mount's redirect_dir)\n"
"are refused before anything changes, unless --lower names the lowers the upper\n"
"was used with: then each is first copied up whole from them and made opaque, its\n"
"redirect removed, and each metacopy file (metacopy=on) gets its data, so the\n"
"plain form reads the same.\n"
"  --lower A:B   the lowers, highest first, as for unionenv run\n"
"  -v   print each change\n"
"  -q, --quiet   no progress line (drawn only when stderr is a terminal)\n"
"\n"
"Exit status: 0 done, 125 error (one line on stderr).\n", stdout);
}

int main(int argc, char **argv)
{
	ue_prog = "unionenv convert";
	static const struct option opts[] = {
		{ "to", required_argument, 0, 't' },
		{ "upper", required_argument, 0, 'u' },
		{ "lower", required_argument, 0, 'l' },
		{ "verbose", no_argument, 0, 'v' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *to = NULL, *upper = NULL, *lowers = NULL;
	struct cctx c = { 0 };
	int o, quiet = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":hvq", opts, NULL)) != -1) {
		switch (o) {
		case 't': to = need_arg("--to", optarg); break;
		case 'u': upper = need_arg("--upper", optarg); break;
		case 'l': lowers = need_arg("--lower", optarg); break;
		case 'v': c.verbose = 1; break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case ':': ue_usage("option '%s' needs a value", argv[optind - 1]);
		default: ue_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!upper && optind < argc)
		upper = argv[optind++];
	if (optind < argc)
		ue_usage("unexpected argument '%s'", argv[optind]);
	if (!to)
		ue_usage("missing --to overlay|aufs|overlay-trusted");
	if (!upper)
		ue_usage("missing the upper directory");
	if ((c.to = markers_form(to)) < 0)
		ue_usage("unknown form '%s' (overlay, aufs or overlay-trusted)", to);
	if (c.to == TO_TRUSTED && geteuid() != 0)
		ue_die("--to overlay-trusted needs root (trusted.* xattrs)");
	ue_raise_nofile();
	int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		ue_die("upper '%s': %s", upper, strerror(errno));
	if (lowers) {
		char upper_real[PATH_MAX];
		if (!realpath(upper, upper_real))
			ue_die("upper '%s': %s", upper, strerror(errno));
		char *l = canonical_lowers(lowers);
		c.changes += materialise(upper_real, l, note_materialised, &c);
		free(l);
	}
	pb_init(&c.path, "");
	precheck(&c, fd);
	/* The form the last union start recorded (tools/formpick.c) is about
	 * to be wrong: dropped first, so that the start after an interrupted
	 * conversion walks the upper; once the upper is whole in its new form,
	 * recorded again where there was a record (the trusted form is none a
	 * union writes: none). */
	int recorded = fgetxattr(fd, UE_OVL_USER(FORM), NULL, 0) >= 0;
	if (recorded && fremovexattr(fd, UE_OVL_USER(FORM)) != 0)
		ue_die("upper '%s': %s", upper, strerror(errno));
	progress_start(ue_prog, quiet);
	walk(&c, fd);
	progress_end();
	const char *form = c.to == TO_OVERLAY ? ue_form_name(UE_FORM_DEVICE) : c.to == TO_AUFS ? ue_form_name(UE_FORM_AUFS) : NULL;
	if (recorded && form && fsetxattr(fd, UE_OVL_USER(FORM), form, strlen(form), 0) != 0)
		ue_die("upper '%s': %s", upper, strerror(errno));
	if (fflush(stdout) != 0)
		ue_die("write error: %s", strerror(errno));
	return EX_OK;
}

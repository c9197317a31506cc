/* unionenv fsck: check an upper layer; with --repair, fix what is safe.
 *
 * Problems, one line each, "PATH: what" (PATH relative to the upper):
 *   leftovers of interrupted copy-ups or conversions (.unionenv.*)   repaired: removed
 *   an interrupted commit (.unionenv.commit)                    reported only
 *   markers in another form than the layer's (--form)            repaired: converted
 *   a name beside its own aufs whiteout (NAME and .wh.NAME)      repaired: whiteout removed
 *   whiteouts that hide nothing in the lowers (with --lower)     repaired: removed
 *   an opaque xattr on a non-directory                           repaired: xattr removed
 *   redirect and metacopy xattrs (a root kernel mount's)         reported only
 *   xattr whiteouts the kernel would not read                    reported only
 *   unreadable directories and files                             reported only
 *   stale origin records of symlinks (fsckorigin.c)              repaired: removed
 *   with --work, the union's index (fsckindex.c)                 as the kernel's mount
 * Repairs assume that no union is using the upper meanwhile. */
#include "fsck.h"
#include "markform.h"
#include "markers.h"
#include "path.h"
#include "tmpname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

void report(struct fctx *c, const char *name, int repaired, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->json) {
		/* {"path":...,"problem":...,"repaired":...}, one object a line */
		size_t n = c->path.len + (name ? strlen(name) + 1 : 0) + 2;
		char *p = xmalloc(n);
		snprintf(p, n, "%s%s%s", c->path.s, c->path.len && name ? "/" : "",
			 name ? name : c->path.len ? "" : ".");
		fputs("{\"path\":", stdout);
		json_string(stdout, p);
		fputs(",\"problem\":", stdout);
		json_string(stdout, msg);
		printf(",\"repaired\":%s}\n", repaired ? "true" : "false");
		free(p);
	} else {
		if (c->path.len) {
			put_escaped(stdout, c->path.s);
			if (name)
				putchar('/');
		}
		if (name)
			put_escaped(stdout, name);
		else if (!c->path.len)
			putchar('.');
		printf(": %s%s\n", msg, repaired ? " (repaired)" : "");
	}
	c->found++;
	if (!repaired)
		c->left++;
}

/* The xattrs of one real entry that only overlay markers should carry. */
static void check_xattrs(struct fctx *c, int fd, const struct lent *e, const struct ldir *d)
{
	const char *p = fdpath(fd, e->raw);
	char path[4096 + 64];
	snprintf(path, sizeof path, "%s", p);
	char list[65536];
	ssize_t n = xa_list(fd, e->raw, list, sizeof list);
	if (n <= 0)
		return;
	for (char *s = list; s < list + n; s += strlen(s) + 1) {
		const char *k = !strncmp(s, UE_OVL_PREFIX_USER, sizeof UE_OVL_PREFIX_USER - 1) ? s + sizeof UE_OVL_PREFIX_USER - 1 :
		                !strncmp(s, UE_OVL_PREFIX_TRUSTED, sizeof UE_OVL_PREFIX_TRUSTED - 1) ? s + sizeof UE_OVL_PREFIX_TRUSTED - 1 :
		                !strncmp(s, UE_FUSE_PREFIX, sizeof UE_FUSE_PREFIX - 1) ? s + sizeof UE_FUSE_PREFIX - 1 : NULL;
		if (!k)
			continue;
		if (!strcmp(k, UE_OVL_NAME(OPAQUE)) && e->dtype != DT_DIR) {
			int ok = c->repair && lremovexattr(path, s) == 0;
			report(c, e->name, ok, "opaque marker (%s) on a non-directory", s);
		} else if (!strcmp(k, UE_OVL_NAME(REDIRECT)) && e->dtype != DT_DIR) {   /* dirs: in their walk */
			report(c, e->name, 0, "%s: not supported by unionenv (made by a kernel mount "
			       "with redirect_dir or metacopy)", s);
		} else if (!strcmp(k, UE_OVL_NAME(METACOPY))) {
			report(c, e->name, 0, "%s: the data is in a lower (made by a kernel mount with "
			       "metacopy=on): not supported by unionenv", s);
		} else if (!strcmp(k, UE_OVL_NAME(WHITEOUT)) && e->kind == K_REAL) {
			struct stat st;
			if (e->dtype == DT_REG && fstatat(fd, e->raw, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    st.st_size == 0 && !(d->forms & F_XWH_PARENT))
				report(c, e->name, 0, "xattr whiteout in a directory not marked as holding "
				       "any (overlay.whiteouts): the kernel shows it as an empty file");
			else if (e->dtype != DT_REG || (fstatat(fd, e->raw, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			                               st.st_size != 0))
				report(c, e->name, 0, "%s on an entry that is not an empty file: not a whiteout", s);
		}
	}
}

static void walk(struct fctx *c, int fd, const struct mdir *low, int is_root);

/* The lowers that the upper directory name (in a directory whose lowers
 * are low) merges: those at its own name, or where its redirect (a root
 * kernel mount's redirect_dir) points: one name in the same parent, or a
 * path from the lower roots.  A redirect the kernel refuses makes the
 * directory fail to look up (core/redirect.h): reported, and -1. */
static int lowers_below(struct fctx *c, const struct mdir *low, const char *name, const char *redir,
                        struct mdir *out)
{
	int r = 0;
	memset(out, 0, sizeof *out);
	if (redir && (r = ue_path_redirect_check(redir)) < 0) {
		report(c, NULL, 0, "overlay.redirect ('%s'): refused by the kernel (%s): the directory cannot be "
		       "looked up", redir, strerror(-r));
		return -1;
	}
	if (!redir || redir[0] != '/') {
		if (mdir_child(low, redir ? redir : name, out) < 0)
			ue_die("%s (lower): cannot read", c->path.s);
		return 0;
	}
	/* From the roots, one name at a time: an empty set once a name is missing. */
	char *path = xstrdup(redir + 1), *save = NULL;
	struct mdir cur = { 0 };
	const struct mdir *at = c->roots;
	for (char *t = strtok_r(path, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		struct mdir next;
		if (mdir_child(at, t, &next) < 0)
			ue_die("%s (lower): cannot read", c->path.s);
		mdir_free(&cur);
		cur = next;
		at = &cur;
	}
	free(path);
	*out = cur;
	return 0;
}

static void walk(struct fctx *c, int fd, const struct mdir *low, int is_root)
{
	struct ldir d;
	int r = ldir_read(fd, &d);
	if (r < 0) {
		report(c, NULL, 0, "unreadable directory: %s", strerror(-r));
		return;
	}
	int changed = 0;
	struct stat dst;
	fstat(fd, &dst);

	for (size_t i = 0; i < d.ntmp; i++) {
		if (is_root && !strcmp(d.tmp[i], UE_TMP_PREFIX "commit")) {
			report(c, d.tmp[i], 0, "an interrupted commit: finish it with 'unionenv commit "
			       "--continue' or undo it with '--rollback'");
			continue;
		}
		int ok = 0;
		if (c->repair) {
			ok = rm_tree(fd, d.tmp[i]) == 0;
			changed |= ok;
		}
		report(c, d.tmp[i], ok, "leftover of an interrupted copy-up or conversion");
	}
	if (d.forms & F_REDIRECT)
		report(c, NULL, 0, "overlay.redirect ('%s'): not supported by unionenv (made by a kernel "
		       "mount with redirect_dir)", d.redirect ? d.redirect : "");

	for (size_t i = 0; i < d.n; i++) {
		struct lent *e = &d.e[i];
		if (e->dup) {
			char *wn = xmalloc(strlen(e->name) + sizeof UE_AUFS_PREFIX);
			strcpy(wn, UE_AUFS_PREFIX);
			strcat(wn, e->name);
			int ok = c->repair && unlinkat(fd, wn, 0) == 0;
			changed |= ok;
			report(c, e->name, ok, "both the name and its whiteout %s (the name wins)", wn);
			free(wn);
		}
		if (e->kind == K_WHITEOUT && c->have_lowers && mdir_lookup(low, e->name, NULL) < 0) {
			int ok = c->repair && unlinkat(fd, e->raw, 0) == 0;
			changed |= ok;
			report(c, e->name, ok, "whiteout that hides nothing in the lowers");
			e->kind = 0xff;   /* gone: not converted below */
			continue;
		}
		if (e->kind == K_REAL) {
			check_xattrs(c, fd, e, &d);
			if (e->dtype == DT_REG) {
				fsck_index_name(c, fd, e);
				int f = openat(fd, e->raw, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
				if (f < 0)
					report(c, e->name, 0, "unreadable file: %s", strerror(errno));
				else
					close(f);
			} else if (e->dtype == DT_LNK) {
				char t[8];
				if (readlinkat(fd, e->raw, t, sizeof t) < 0)
					report(c, e->name, 0, "unreadable symbolic link: %s", strerror(errno));
			}
		}
	}

	fsck_dir_origins(c, fd, &d);

	/* Markers in another form than the layer's. */
	unsigned want = target_forms(c->form);
	size_t wrong = 0;
	for (size_t i = 0; i < d.n; i++)
		if (d.e[i].kind == K_WHITEOUT && !(d.e[i].form & want))
			wrong++;
	unsigned opq_wrong = d.opaque ? (d.forms & F_OPAQUE & ~want) : 0;
	if (d.opaque && !(d.forms & want & F_OPAQUE))
		opq_wrong |= d.forms & F_OPAQUE;
	if (wrong || opq_wrong) {
		int ok = 0;
		if (c->repair) {
			/* Converting works on a fresh listing (repairs above changed it). */
			struct ldir d2;
			if (ldir_read(fd, &d2) == 0) {
				convert_dir(fd, &d2, c->path.s, c->form, NULL, NULL);
				ldir_free(&d2);
				ok = 1;
				changed = 1;
			}
		}
		for (size_t i = 0; i < d.n; i++)
			if (d.e[i].kind == K_WHITEOUT && !(d.e[i].form & want))
				report(c, d.e[i].name, ok, "whiteout in the %s form", form_name(d.e[i].form));
		for (unsigned f = 1; f; f <<= 1)
			if (opq_wrong & f)
				report(c, NULL, ok, "opaque marker in the %s form", form_name(f));
	}
	if (changed) {
		struct timespec t[2] = { dst.st_atim, dst.st_mtim };
		futimens(fd, t);
	}

	for (size_t i = 0; i < d.n; i++) {
		struct lent *e = &d.e[i];
		if (e->kind != K_REAL || e->dtype != DT_DIR)
			continue;
		size_t old = pb_push(&c->path, e->name);
		int cfd = open_dir(fd, e->raw);
		if (cfd < 0) {
			report(c, NULL, 0, "unreadable directory: %s", strerror(-cfd));
		} else {
			struct mdir child = { 0 };
			int had_lowers = c->have_lowers;
			if (c->have_lowers) {
				char *redir = NULL;
				unsigned f = dir_xattr_forms(cfd, &redir);
				int opaque = (f & F_OPAQUE) || faccessat(cfd, UE_AUFS_OPAQUE, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
				if (!opaque && lowers_below(c, low, e->name, redir, &child) < 0)
					c->have_lowers = 0;  /* the kernel cannot look it up: nothing to compare */
				free(redir);
			}
			walk(c, cfd, &child, 0);
			c->have_lowers = had_lowers;
			mdir_free(&child);
			close(cfd);
		}
		pb_pop(&c->path, old);
	}
	ldir_free(&d);
}

static void usage(void)
{
	fputs(
"Usage: unionenv fsck [--repair] [--json] [--lower DIR[:DIR...]] [--work DIR] [--form overlay|aufs|overlay-trusted] [--upper] DIR\n"
"\n"
"Check an upper layer and print each problem on one line, 'PATH: problem':\n"
"leftovers of interrupted copy-ups (.unionenv.*), an interrupted commit,\n"
"markers in another form than --form (default overlay: character device\n"
"0/0 whiteouts, user.overlay.opaque), a name beside its own .wh. whiteout,\n"
"whiteouts that hide nothing (with --lower), opaque xattrs on non-directories,\n"
"redirect and metacopy xattrs, xattr whiteouts the kernel would not read,\n"
"unreadable directories and files, stale origin records of symlinks and\n"
"special files (user.overlay.origin-of.NAME on their directory); with --work,\n"
"the union's index as the kernel checks it when it mounts with index=on.\n"
"\n"
"  --repair   fix what is safe: remove leftovers, stray whiteouts, misplaced\n"
"             opaque xattrs and stale origin records, convert markers to\n"
"             --form (no union may be using the upper meanwhile); the rest\n"
"             is reported only\n"
"  --lower    the lowers the upper belongs to (to find whiteouts that hide nothing)\n"
"  --work     the union's work directory (its --work): its index entries\n"
"             (reported as WORK/index/NAME): temporary names, entries the\n"
"             kernel refuses or removes, orphans, link records (with --lower:\n"
"             counted), upper names not linked to their entry\n"
"  --json     one JSON object a line instead: path, problem, repaired\n"
"\n"
"Exit status: 0 no problem left, 1 problems remain, 125 error.\n", stdout);
}

int main(int argc, char **argv)
{
	ue_prog = "unionenv fsck";
	static const struct option opts[] = {
		{ "repair", no_argument, 0, 'r' },
		{ "json", no_argument, 0, 'j' },
		{ "lower", required_argument, 0, 'l' },
		{ "work", required_argument, 0, 'w' },
		{ "upper", required_argument, 0, 'u' },
		{ "form", required_argument, 0, 'f' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *upper = NULL, *lower = NULL, *work = NULL, *form = "overlay";
	struct fctx c = { 0 };
	int o;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (o) {
		case 'r': c.repair = 1; break;
		case 'j': c.json = 1; break;
		case 'l': lower = need_arg("--lower", optarg); break;
		case 'w': work = need_arg("--work", optarg); break;
		case 'u': upper = need_arg("--upper", optarg); break;
		case 'f': form = need_arg("--form", optarg); break;
		case 'h': usage(); return 0;
		case ':': ue_usage("option '%s' needs a value", argv[optind - 1]);
		default: ue_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!upper && optind < argc)
		upper = argv[optind++];
	if (optind < argc)
		ue_usage("unexpected argument '%s'", argv[optind]);
	if (!upper)
		ue_usage("missing the upper directory");
	if ((c.form = markers_form(form)) < 0)
		ue_usage("unknown form '%s' (overlay, aufs or overlay-trusted)", form);
	ue_raise_nofile();
	int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		ue_die("upper '%s': %s", upper, strerror(errno));
	struct mdir low;
	mdir_open_roots(&low, lower);
	c.have_lowers = lower != NULL;
	c.roots = &low;
	struct lindex x;
	lindex_open(&x, work, upper, lower);
	c.index = &x;
	pb_init(&c.path, "");
	walk(&c, fd, &low, 1);
	fsck_index(&c, work, fd, lower ? &low : NULL);
	lindex_close(&x);
	mdir_free(&low);
	if (fflush(stdout) != 0)
		ue_die("write error: %s", strerror(errno));
	return c.left ? EX_DIFF : EX_OK;
}

/* unionenv import: an OCI image layer (tar) into an upper layer in the
 * kernel's unprivileged format.
 *
 * ".wh.NAME" becomes a whiteout (character device 0/0) unless the layer
 * itself holds NAME; "DIR/.wh..wh..opq" makes DIR opaque
 * (user.overlay.opaque=y); a directory that replaces a whiteout is opaque.
 *
 * Safety: every name is checked before anything is written (absolute
 * names, "..", paths through a symlink or a non-directory of the archive,
 * hard links to names the archive has not made, unsupported types), when
 * the input can be read twice (a file); from a pipe, each entry is checked
 * before it is written.  Writing walks from the upper's root one component
 * at a time with O_NOFOLLOW, so nothing lands outside the upper, whatever
 * the archive or the upper already holds.  Symbolic links are stored as
 * they are (absolute targets are normal in layers) and never followed. */
#include "import.h"
#include "progress.h"
#include "tar.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static void usage(void)
{
	fputs(
"Usage: unionenv import [--quiet] [--upper] DIR LAYER.tar|-\n"
"       unionenv import [--quiet] LAYER.tar|- --upper DIR\n"
"\n"
"Unpack an OCI image layer into an upper layer in the kernel's unprivileged\n"
"overlayfs format: .wh.NAME becomes a whiteout (character device 0/0),\n"
"DIR/.wh..wh..opq makes DIR opaque (user.overlay.opaque=y). The upper is made\n"
"when missing. gzip and zstd input are recognised.\n"
"\n"
"Every name is checked before anything is written (from a file; from a\n"
"pipe, each entry before it is written): absolute names, '..', paths through\n"
"a symbolic link or a non-directory, hard links to names the archive has not\n"
"made, device nodes without root are refused. Nothing is ever written\n"
"outside the upper.\n"
"\n"
"On a terminal, a progress line on stderr counts the entries and bytes\n"
"written; -q, --quiet: none.\n"
"\n"
"Exit status: 0 done, 125 error (one line on stderr).\n", stdout);
}

int main(int argc, char **argv)
{
	ue_prog = "unionenv import";
	static const struct option opts[] = {
		{ "upper", required_argument, 0, 'u' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *upper = NULL, *in = NULL;
	int o, quiet = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (o) {
		case 'u': upper = need_arg("--upper", optarg); break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case ':': ue_usage("option '%s' needs a value", argv[optind - 1]);
		default: ue_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!upper && argc - optind == 2) {
		upper = argv[optind];
		in = argv[optind + 1];
	} else if (upper && argc - optind == 1) {
		in = argv[optind];
	} else if (argc - optind == 0) {
		ue_usage("missing the layer to import");
	} else {
		ue_usage(upper ? "give one layer" : "missing --upper");
	}
	if (!*upper)
		ue_usage("empty upper name");
	ue_raise_nofile();

	int fd = !strcmp(in, "-") ? 0 : open(in, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		ue_die("'%s': %s", in, strerror(errno));
	struct stat ist;
	if (fstat(fd, &ist) < 0)
		ue_die("'%s': %s", in, strerror(errno));
	if (S_ISDIR(ist.st_mode))
		ue_die("'%s': is a directory, not a tar archive", in);
	int seekable = S_ISREG(ist.st_mode) && lseek(fd, 0, SEEK_CUR) == 0;

	struct ictx c = { .is_root = geteuid() == 0 };
	const char *err = NULL;
	struct tar_ent e;
	char *why = NULL;
	/* Pass 1: check every entry, write nothing. */
	if (seekable) {
		struct tarr *t = tarr_open(fd, &err);
		if (!t)
			ue_die("'%s': %s", in, err);
		int r;
		while ((r = tarr_next(t, &e, &err)) > 0) {
			const char *bad = check_entry(&c, &e, &why);
			if (bad)
				ue_die("'%s': %s: %s%s%s%s", in, e.name, bad, why ? " ('" : "", why ? why : "",
				       why ? "')" : "");
			tar_ent_free(&e);
		}
		if (r < 0)
			ue_die("'%s': %s", in, err);
		tarr_close(t);
		nset_free(&c.seen);
		if (lseek(fd, 0, SEEK_SET) != 0)
			ue_die("'%s': %s", in, strerror(errno));
	}
	/* The upper: made when missing; must be a directory. */
	struct stat ust;
	if (stat(upper, &ust) < 0) {
		if (errno != ENOENT)
			ue_die("upper '%s': %s", upper, strerror(errno));
		if (mkdir(upper, 0755) < 0)
			ue_die("upper '%s': %s", upper, strerror(errno));
	} else if (!S_ISDIR(ust.st_mode)) {
		ue_die("upper '%s': Not a directory", upper);
	}
	c.root = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.root < 0)
		ue_die("upper '%s': %s", upper, strerror(errno));
	c.buf = xmalloc(1 << 20);
	/* Pass 2: check again (a pipe is read only once) and write. */
	progress_start(ue_prog, quiet);
	struct tarr *t = tarr_open(fd, &err);
	if (!t)
		ue_die("'%s': %s", in, err);
	int r;
	while ((r = tarr_next(t, &e, &err)) > 0) {
		const char *bad = check_entry(&c, &e, &why);
		if (bad)
			ue_die("'%s': %s: %s%s%s%s", in, e.name, bad, why ? " ('" : "", why ? why : "",
			       why ? "')" : "");
		apply_entry(&c, t, &e);
		progress_entry(0);
		tar_ent_free(&e);
	}
	if (r < 0)
		ue_die("'%s': %s", in, err);
	tarr_close(t);
	finish_dirs(&c);
	progress_end();
	return EX_OK;
}

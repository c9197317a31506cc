/* unionenv commit: the command line and the phases in order (commit.h says
 * how a commit is staged). */
#include "commit.h"
#include "layerpath.h"
#include "markers.h"
#include "progress.h"
#include "tmpname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* A refusal while planning leaves no journal behind. */
static struct cctx *planning;

static void drop_unfinished_plan(void)
{
	if (planning) {
		rm_tree(planning->lower, JOURNAL);
		futimens(planning->lower, planning->root_times);
	}
}

/* The work directory of the commit whose journal is jfd: malloc'd, or NULL. */
static char *journal_work(int jfd)
{
	char buf[PATH_MAX + 1];
	int fd = openat(jfd, "work", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

static void record_work(int jfd, const char *work)
{
	char *w = realpath(work, NULL);
	int fd = w ? openat(jfd, "work", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
	if (fd < 0 || write(fd, w, strlen(w)) < 0 || close(fd) < 0)
		ue_die("cannot write the journal: %s", strerror(errno));
	free(w);
}

static void usage(void)
{
	fputs(
"Usage: unionenv commit --lower DIR --upper DIR [--work DIR] [--continue | --rollback] [--quiet]\n"
"\n"
"Apply the upper layer onto the lower: afterwards the lower's plain content is\n"
"what the union showed, and the upper is empty. Whiteouts remove, opaque\n"
"directories replace, everything else is put in place with its metadata.\n"
"Staged: the new entries are prepared in DIR/.unionenv.commit first, then put\n"
"in place by renames; the upper is emptied only when everything landed.\n"
"\n"
"  --work DIR   the union's work directory: the lower's names of a file the\n"
"               union copied up through another name are written as links of\n"
"               it, as the union showed them; the index is emptied with the upper\n"
"  --continue   finish an interrupted commit\n"
"  --rollback   undo an interrupted commit (the lower as before, the upper kept)\n"
"  -q, --quiet  no progress line (drawn only when stderr is a terminal: the\n"
"               bytes staged, then the entries put in place)\n"
"\n"
"Only one lower: the one to write into. Overlay redirects and metacopy files\n"
"are refused before anything is written.\n"
"Exit status: 0 done, 125 error (one line on stderr).\n", stdout);
}

int main(int argc, char **argv)
{
	ue_prog = "unionenv commit";
	static const struct option opts[] = {
		{ "lower", required_argument, 0, 'l' },
		{ "upper", required_argument, 0, 'u' },
		{ "work", required_argument, 0, 'w' },
		{ "continue", no_argument, 0, 'c' },
		{ "rollback", no_argument, 0, 'r' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *lower = NULL, *upper = NULL, *work = NULL;
	int cont = 0, back = 0, quiet = 0, o;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (o) {
		case 'q': quiet = 1; break;
		case 'l': lower = need_arg("--lower", optarg); break;
		case 'u': upper = need_arg("--upper", optarg); break;
		case 'w': work = need_arg("--work", optarg); break;
		case 'c': cont = 1; break;
		case 'r': back = 1; break;
		case 'h': usage(); return 0;
		case ':': ue_usage("option '%s' needs a value", argv[optind - 1]);
		default: ue_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		ue_usage("unexpected argument '%s'", argv[optind]);
	if (!lower)
		ue_usage("missing --lower");
	if (!upper)
		ue_usage("missing --upper");
	if (cont && back)
		ue_usage("--continue and --rollback both given");
	if (strchr(lower, ':'))
		ue_die("commit writes into one lower: give only the one to write into (not '%s')", lower);
	ue_raise_nofile();
	progress_start(ue_prog, quiet);

	struct cctx c = { .lower_name = lower, .upper_name = upper, .is_root = geteuid() == 0,
	                  .crash_after = -1 };
	const char *ca = getenv("UNIONENV_COMMIT_CRASH_AFTER");
	if (ca && *ca)
		c.crash_after = strtol(ca, NULL, 10);
	c.lower = open(lower, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.lower < 0)
		ue_die("lower '%s': %s", lower, strerror(errno));
	c.upper = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.upper < 0)
		ue_die("upper '%s': %s", upper, strerror(errno));
	char rl[PATH_MAX], ru[PATH_MAX];
	if (!realpath(lower, rl) || !realpath(upper, ru))
		ue_die("cannot resolve the layers: %s", strerror(errno));
	size_t ll = strlen(rl), lu = strlen(ru);
	if (!strcmp(rl, ru))
		ue_die("the lower and the upper are the same directory");
	if (ue_path_under(ru, rl, ll) || ue_path_under(rl, ru, lu))
		ue_die("the upper and the lower are inside one another");
	struct stat sl, su;
	fstat(c.lower, &sl);
	fstat(c.upper, &su);
	c.same_fs = sl.st_dev == su.st_dev;
	if (getenv("UNIONENV_COMMIT_COPY"))
		c.same_fs = 0;   /* tests: stage by copying, as across file systems */

	char state[64] = "";
	c.jfd = openat(c.lower, JOURNAL, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int jerr = errno;
	/* --continue without --work still empties the index a commit with it
	 * planned to (its entries would link into the lower). */
	char *jwork = c.jfd >= 0 && !work ? journal_work(c.jfd) : NULL;
	struct lindex x;
	lindex_open(&x, work ? work : jwork, upper, lower);
	c.xfd = x.fd;
	if (c.jfd >= 0) {
		get_state(&c, state, sizeof state);
		if (!cont && !back)
			ue_die("an interrupted commit is in %s/%s: finish it with --continue or undo it "
			       "with --rollback", lower, JOURNAL);
		if (!strcmp(state, "applying") || !strcmp(state, "applied")) {
			read_plan(&c);
			c.stage = open_journal_dir(&c, "stage");
			c.backup = open_journal_dir(&c, "backup");
		}
		if (back) {
			if (!strcmp(state, "applied"))
				ue_die("the interrupted commit had landed entirely (the upper may be partly "
				       "emptied): it can only be finished, with --continue");
			if (!strcmp(state, "applying"))
				rollback(&c);
			else
				drop_journal(&c);
			return EX_OK;
		}
		if (!strcmp(state, "applying")) {
			pb_init(&c.path, "");
			apply_all(&c);
			finish(&c);
			return EX_OK;
		}
		if (!strcmp(state, "applied")) {
			finish(&c);
			return EX_OK;
		}
		/* stopped while staging: the lower was not touched; start again */
		drop_journal(&c);
	} else if (jerr != ENOENT) {
		ue_die("lower '%s': %s: %s", lower, JOURNAL, strerror(jerr));
	} else if (cont || back) {
		ue_die("no interrupted commit in '%s'", lower);
	}

	if (mkdirat(c.lower, JOURNAL, 0700) < 0)
		ue_die("lower '%s': cannot make the journal: %s", lower, strerror(errno));
	c.jfd = openat(c.lower, JOURNAL, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.jfd < 0)
		ue_die("lower '%s': %s", lower, strerror(errno));
	c.stage = open_journal_dir(&c, "stage");
	c.backup = open_journal_dir(&c, "backup");
	if (work)
		record_work(c.jfd, work);
	pb_init(&c.path, "");
	/* Refusals (redirects, metacopy, unreadable entries) come from the
	 * planning walk: the journal goes, the lower was not touched. */
	c.root_times[0] = sl.st_atim;
	c.root_times[1] = sl.st_mtim;
	planning = &c;
	atexit(drop_unfinished_plan);
	plan_indexed(&c, &x);
	plan_dir(&c, c.upper, c.lower);
	struct op *root = add_op(&c, OP_M, "");
	root->mode = sl.st_mode & 07777;
	root->uid = sl.st_uid;
	root->gid = sl.st_gid;
	root->atime = sl.st_atim;
	root->mtime = sl.st_mtim;
	xattrs_get(c.lower, NULL, &root->x, 1);
	write_plan(&c);
	syncfs(c.lower);
	set_state(&c, "applying");
	planning = NULL;
	if (c.leftovers)
		ue_warn("left out %zu temporary name(s) of unfinished copy-ups (see unionenv fsck)", c.leftovers);
	apply_all(&c);
	finish(&c);
	return EX_OK;
}

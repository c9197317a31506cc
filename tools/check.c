/* unionenv-check: can the preload follow this program?
 *
 * The verdict is core/followable.c's, the same the library applies to every
 * exec inside a union (statically linked, another libc or loader, a Go or
 * Free Pascal program, set-id or file capabilities that take effect,
 * another machine; for a script, its #! interpreter).  This tool finds the
 * program as the union will show it, and for users adds a warning when the
 * program's own code holds raw `syscall` instructions (a heuristic scan
 * with libelf: see core/followable.h for why it decides nothing).
 *
 * Two modes:
 *   unionenv-check [LAYERS] PROGRAM...       one line per program, for users
 *       ("followed by the supervisor" when unionenv-supervise beside this
 *       program follows what the library cannot)
 *   unionenv-check --launch [--allow-unfollowed] [LAYERS] -- COMMAND
 *       what the launcher runs before exec: silent when COMMAND is
 *       followed or cannot be found (exec will say so), else one line on
 *       stderr and status 126 (0 with --allow-unfollowed: a warning).
 *       It runs for every invocation: the verdict is cached
 *       (core/followcache.c), and the instruction scan is left out.
 *       With --supervisor (unionenv-supervise is there), a program the
 *       supervisor follows (statically linked, another libc, Go; not a
 *       set-id one) gives status 3, silently: the launcher runs it so.
 * LAYERS (--lower, --upper, --mount) make paths under the mount resolve
 * through the layers, as the union will show them.
 *
 * Exit: 0 all followed, 1 otherwise, 125 usage error. */
#include "elfscan.h"
#include "followable.h"
#include "jsonstr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define EX_USAGE 125
#define EX_REFUSED 126
#define EX_SUPERVISE 3          /* --launch --supervisor: run it supervised */
#define MAX_LOWERS 64
#define MAX_DEPTH 4             /* the kernel's limit of nested #! */

enum verdict { FOLLOWED, NOT_FOLLOWED, NOT_FOUND, CANNOT_RUN, SUPERVISED };

struct result {
	enum verdict v;
	char reason[PATH_MAX + 256];    /* fits after "is" and after "not followed: " */
	char warning[256];
	int supervise;          /* the supervisor can follow it (static, another libc, Go) */
};

/* ---- the union's view of a path -------------------------------------------- */

static struct {
	char *mount;            /* canonical, no trailing slash; NULL: no union */
	size_t mlen;
	char *layer[MAX_LOWERS + 1];    /* [0] upper, then the lowers */
	int nlayers;
} un;

/* Lexically normalise an absolute path in place: "//", "/./", "/x/..". */
static void normalise(char *p)
{
	char *out = p, *in = p;
	while (*in) {
		while (*in == '/')
			in++;
		char *end = strchrnul(in, '/');
		size_t len = (size_t)(end - in);
		if (len == 0)
			break;
		if (len == 1 && in[0] == '.') {
			/* skip */
		} else if (len == 2 && in[0] == '.' && in[1] == '.') {
			while (out > p && *--out != '/')
				;
		} else {
			*out++ = '/';
			memmove(out, in, len);
			out += len;
		}
		in = end;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

/* The real path the union will show for the absolute path ABS: under the
 * mount, the first layer that has the name (a whiteout in the upper hides
 * the lowers); elsewhere ABS itself.  0, or -ENOENT.  An approximation of
 * the library's lookup: opaque directories and symlinks inside the union
 * are not followed here. */
static int view(const char *abs, char *out, size_t size)
{
	char p[PATH_MAX];
	struct stat st;
	const char *rel;
	if (snprintf(p, sizeof p, "%s", abs) >= (int)sizeof p)
		return -ENAMETOOLONG;
	normalise(p);
	rel = NULL;
	if (un.mount && strncmp(p, un.mount, un.mlen) == 0 && (p[un.mlen] == '/' || p[un.mlen] == '\0'))
		rel = p + un.mlen;
	else if (un.mount && un.mlen == 1)
		rel = p;
	if (!rel) {
		if (snprintf(out, size, "%s", p) >= (int)size)
			return -ENAMETOOLONG;
		return stat(out, &st) == 0 ? 0 : -errno;
	}
	for (int i = 0; i < un.nlayers; i++) {
		if (snprintf(out, size, "%s%s", un.layer[i], rel) >= (int)size)
			return -ENAMETOOLONG;
		if (lstat(out, &st) != 0)
			continue;
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
			return -ENOENT;         /* a whiteout */
		return 0;
	}
	return -ENOENT;
}

/* Absolute form of PATH against the current directory, through view(). */
static int view_rel(const char *path, char *out, size_t size)
{
	char abs[PATH_MAX], cwd[PATH_MAX];
	if (path[0] == '/')
		return view(path, out, size);
	if (!getcwd(cwd, sizeof cwd))
		return -errno;
	if (snprintf(abs, sizeof abs, "%s/%s", cwd, path) >= (int)sizeof abs)
		return -ENAMETOOLONG;
	return view(abs, out, size);
}

/* Find COMMAND as execvp would (PATH, default "/bin:/usr/bin"), through
 * the union's view.  0 and the real path in OUT, or -errno. */
static int lookup(const char *cmd, char *out, size_t size)
{
	const char *path, *p, *end;
	int seen_eacces = 0;
	if (!*cmd)
		return -ENOENT;
	if (strchr(cmd, '/'))
		return view_rel(cmd, out, size);
	path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path;; p = end + 1) {
		char cand[PATH_MAX];
		struct stat st;
		end = strchrnul(p, ':');
		int len = (int)(end - p);
		if (snprintf(cand, sizeof cand, "%.*s%s%s", len, p, len ? "/" : "", cmd) < (int)sizeof cand &&
		    view_rel(cand, out, size) == 0 && stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(out, X_OK) == 0)
				return 0;
			seen_eacces = 1;
		}
		if (!*end)
			break;
	}
	return seen_eacces ? -EACCES : -ENOENT;
}

/* ---- one program ------------------------------------------------------------------ */

/* The verdict is core/followable.c's, the one the library applies at every
 * exec; this tool adds the finding of files through the layers, and, for
 * users, the instruction scan (tools/elfscan.c) as a warning. */

static void set(struct result *r, enum verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set(struct result *r, enum verdict v, const char *fmt, ...)
{
	va_list ap;
	r->v = v;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
}

static int open_viewed(void *ctx, const char *path)
{
	char real[PATH_MAX];
	int e = view_rel(path, real, sizeof real);
	(void)ctx;
	if (e < 0)
		return e;
	e = open(real, O_RDONLY | O_CLOEXEC);
	return e < 0 ? -errno : e;
}

static int find_viewed(void *ctx, const char *cmd)
{
	char real[PATH_MAX];
	int e = lookup(cmd, real, sizeof real);
	(void)ctx;
	if (e < 0)
		return e;
	e = open(real, O_RDONLY | O_CLOEXEC);
	return e < 0 ? -errno : e;
}

static const struct ue_follow_finder finder = { open_viewed, find_viewed, NULL };

/* The instruction scan: a warning only (see core/followable.h for why it
 * is no verdict). */
static void scan_warning(const char *path, struct result *r)
{
	struct ue_elf e;
	long n;
	if (ue_elf_open(&e, path) < 0)
		return;
	if (ue_elf_native(&e) && (n = ue_elf_raw_syscalls(&e)) > 0)
		snprintf(r->warning, sizeof r->warning,
		         "it makes raw system calls that bypass libc (%ld syscall instruction%s), "
		         "and the union does not see those", n, n == 1 ? "" : "s");
	ue_elf_close(&e);
}

/* PATH is a real path (found through the view). */
static void check_path(const char *path, int depth, int scan, struct result *r)
{
	struct stat st;
	struct ue_verdict v;
	int fd;

	if (stat(path, &st) != 0) {
		set(r, errno == ENOENT ? NOT_FOUND : CANNOT_RUN, "%s", strerror(errno));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		set(r, CANNOT_RUN, "a directory");
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		set(r, CANNOT_RUN, "not a regular file");
		return;
	}
	if (access(path, X_OK) != 0) {
		set(r, CANNOT_RUN, "not executable");
		return;
	}
	/* execute-only: the kernel can run what we cannot read; the verdict
	 * then judges what fstat tells (the set-id bits) */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 && (fd = open(path, O_PATH | O_CLOEXEC)) < 0) {
		set(r, CANNOT_RUN, "%s", strerror(errno));
		return;
	}
	ue_followable_fd(fd, &finder, &v);
	close(fd);
	if (v.v == UE_NOT_FOLLOWED) {
		set(r, NOT_FOLLOWED, "%s", v.reason);
		r->supervise = v.supervise;
	} else if (v.v == UE_CANNOT_RUN && strcmp(v.reason, "no #!") == 0) {
		/* no #!: execve fails with ENOEXEC, and execvp and the
		 * shells run it with /bin/sh */
		struct result sub = { FOLLOWED, "", "", 0 };
		char real[PATH_MAX];
		if (view("/bin/sh", real, sizeof real) == 0 && depth < MAX_DEPTH)
			check_path(real, depth + 1, 0, &sub);
		r->supervise = sub.supervise;
		if (sub.v == NOT_FOLLOWED)
			set(r, NOT_FOLLOWED, "a script without #! run by /bin/sh, which is %s", sub.reason);
	} else if (v.v == UE_CANNOT_RUN) {
		set(r, CANNOT_RUN, "%s", v.reason);
	} else if (scan) {
		scan_warning(path, r);
	}
}

/* ---- the command line -------------------------------------------------------------- */

/* One line, whatever a name holds: newlines are shown as "\n". */
static void put_name(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* --json: {"program":...,"verdict":...[,"reason":...][,"warning":...]} */
static void put_json_result(const char *program, const struct result *r)
{
	static const char *const verdicts[] = {
		[FOLLOWED] = "followed", [NOT_FOLLOWED] = "not-followed",
		[NOT_FOUND] = "not-found", [CANNOT_RUN] = "cannot-run",
		[SUPERVISED] = "supervised",
	};
	fputs("{\"program\":", stdout);
	json_string(stdout, program);
	printf(",\"verdict\":\"%s\"", verdicts[r->v]);
	if (r->v != FOLLOWED && r->v != NOT_FOUND) {
		fputs(",\"reason\":", stdout);
		json_string(stdout, r->reason);
	}
	if (r->v == FOLLOWED && r->warning[0]) {
		fputs(",\"warning\":", stdout);
		json_string(stdout, r->warning);
	}
	fputs("}\n", stdout);
}

static void usage(FILE *out)
{
	fputs("Usage: unionenv check [--json] [--lower DIR[:DIR...] --upper DIR [--mount DIR]] PROGRAM...\n"
	      "\n"
	      "Tell whether unionenv can follow each PROGRAM (looked up in PATH like a\n"
	      "shell does): one line per program, \"PROGRAM: followed\" or\n"
	      "\"PROGRAM: followed by the supervisor (REASON)\" or\n"
	      "\"PROGRAM: not followed: REASON\".  The preloaded library cannot follow\n"
	      "a program that is statically linked, linked against another libc than\n"
	      "glibc, or a Go or Free Pascal program: the supervisor\n"
	      "(unionenv-supervise) runs those.  Not followed at all: setuid or setgid\n"
	      "(to another user or group), granted file capabilities, built for another\n"
	      "machine; a script, when its #! interpreter is not.  Inside a union,\n"
	      "every exec applies this.  Raw system calls in the program itself are\n"
	      "reported as a warning.  With the layers, paths under the mount are found\n"
	      "as the union shows them.  --json: one JSON object a line instead:\n"
	      "program, verdict (followed, supervised, not-followed, not-found,\n"
	      "cannot-run), reason, warning.\n"
	      "\n"
	      "Exit status: 0 all followed (by the library or the supervisor), 1\n"
	      "otherwise, 125 usage error.\n", out);
}

/* --name VALUE or --name=VALUE; advances *i. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int die_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "unionenv check: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
	return EX_USAGE;
}

/* unionenv-supervise installed beside this program, as the launcher
 * finds it beside the library. */
static int supervisor_beside_me(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return 0;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash || (size_t)(slash - self) + sizeof "/unionenv-supervise" > sizeof self)
		return 0;
	strcpy(slash, "/unionenv-supervise");
	return access(self, X_OK) == 0;
}

static char *canonical(const char *p)
{
	char *c = realpath(p, NULL);
	/* a missing upper is created later: keep its given (absolute) name */
	return c ? c : strdup(p);
}

int main(int argc, char **argv)
{
	int launch = 0, allow = 0, json = 0, supervisor = 0, i, status = 0;
	const char *lower = NULL, *upper = NULL, *mount = NULL, *v;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--launch") == 0) {
			launch = 1;
		} else if (strcmp(a, "--allow-unfollowed") == 0) {
			allow = 1;
		} else if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if (strcmp(a, "--supervisor") == 0) {
			supervisor = 1;
		} else if ((v = opt_value(argc, argv, &i, "--lower"))) {
			lower = v;
		} else if ((v = opt_value(argc, argv, &i, "--upper"))) {
			upper = v;
		} else if ((v = opt_value(argc, argv, &i, "--mount"))) {
			mount = v;
		} else if (a[0] == '-' && a[1]) {
			return die_usage("unknown option", a);
		} else {
			break;
		}
	}
	if (i >= argc)
		return die_usage("no program given (see --help)", NULL);
	if (launch && argc - i != 1)
		return die_usage("--launch takes one command", NULL);
	if (lower || upper || mount) {
		char *list, *tok, *save;
		if (!lower || !upper)
			return die_usage("the layers need both --lower and --upper", NULL);
		un.layer[un.nlayers++] = canonical(upper);
		list = strdup(lower);
		for (tok = strtok_r(list, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
			if (un.nlayers > MAX_LOWERS)
				return die_usage("too many lowers", NULL);
			un.layer[un.nlayers++] = canonical(tok);
		}
		if (un.nlayers < 2)
			return die_usage("empty --lower", NULL);
		un.mount = canonical(mount ? mount : un.layer[1]);
		un.mlen = strlen(un.mount);
	}

	for (; i < argc; i++) {
		struct result r = { FOLLOWED, "", "", 0 };
		char real[PATH_MAX];
		int e = lookup(argv[i], real, sizeof real);
		if (e < 0)
			set(&r, e == -ENOENT ? NOT_FOUND : CANNOT_RUN, "%s", strerror(-e));
		else
			check_path(real, 0, !launch, &r);
		if (launch) {
			/* The launcher runs it under unionenv-supervise. */
			if (supervisor && r.supervise)
				return EX_SUPERVISE;
			if (r.v != NOT_FOLLOWED)
				return 0;       /* exec reports what cannot run */
			fputs(allow ? "unionenv: warning: " : "unionenv: ", stderr);
			put_name(stderr, argv[i]);
			fputs(" is ", stderr);
			put_name(stderr, r.reason);
			fputs(allow ? ": the union cannot follow it\n"
			            : ": the union cannot follow it (use --allow-unfollowed to run it anyway)\n",
			      stderr);
			return allow ? 0 : EX_REFUSED;
		}
		/* The supervisor beside this tool follows what the library
		 * cannot (the launcher and the library hand it over). */
		if (r.v == NOT_FOLLOWED && r.supervise && supervisor_beside_me())
			r.v = SUPERVISED;
		if (r.v != FOLLOWED && r.v != SUPERVISED)
			status = 1;
		if (json) {
			put_json_result(argv[i], &r);
			continue;
		}
		put_name(stdout, argv[i]);
		switch (r.v) {
		case FOLLOWED:
			fputs(": followed", stdout);
			if (r.warning[0]) {
				fputs(" (warning: ", stdout);
				put_name(stdout, r.warning);
				fputs(")", stdout);
			}
			break;
		case NOT_FOLLOWED:
			fputs(": not followed: ", stdout);
			put_name(stdout, r.reason);
			break;
		case SUPERVISED:
			fputs(": followed by the supervisor (", stdout);
			put_name(stdout, r.reason);
			fputs(")", stdout);
			break;
		case NOT_FOUND:
			fputs(": not found", stdout);
			break;
		case CANNOT_RUN:
			fputs(": cannot run: ", stdout);
			put_name(stdout, r.reason);
			break;
		}
		fputc('\n', stdout);
	}
	if (fflush(stdout) != 0)
		return EX_USAGE;
	return status;
}

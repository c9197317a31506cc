/* unionenv-check: can the preload follow this program?
 *
 * The union lives in a preloaded library, so it sees a program's file
 * accesses only when the dynamic loader loads it (glibc's, honouring
 * LD_PRELOAD: not for a setuid program) and the program reaches the
 * kernel through glibc's functions.  This reads the program as the kernel
 * and the loader would, with libelf, and says which of those fails:
 * statically linked, setuid/setgid or file capabilities that take effect,
 * another libc or another machine; for a script, the same of its #!
 * interpreter.  Raw `syscall` instructions in the program itself are a
 * warning: the program is followed, except for those calls.
 *
 * Two modes:
 *   unionenv-check [LAYERS] PROGRAM...       one line per program, for users
 *   unionenv-check --launch [--allow-unfollowed] [LAYERS] -- COMMAND
 *       what the launcher runs before exec: silent when COMMAND is
 *       followed or cannot be found (exec will say so), else one line on
 *       stderr and status 126 (0 with --allow-unfollowed: a warning).
 *       It runs for every invocation, so it skips the instruction scan.
 * LAYERS (--lower, --upper, --mount) make paths under the mount resolve
 * through the layers, as the union will show them.
 *
 * Exit: 0 all followed, 1 otherwise, 125 usage error. */
#include "elfscan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define EX_USAGE 125
#define EX_REFUSED 126
#define MAX_LOWERS 64
#define MAX_DEPTH 4             /* the kernel's limit of nested #! */

enum verdict { FOLLOWED, NOT_FOLLOWED, NOT_FOUND, CANNOT_RUN };

struct result {
	enum verdict v;
	char reason[PATH_MAX + 256];    /* fits after "is" and after "not followed: " */
	char warning[256];
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

static void check_path(const char *path, int depth, int scan, struct result *r);

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

/* Does the set-id bit or the file capability take effect for us?  The
 * loader ignores LD_PRELOAD (secure mode) only when the kernel says
 * AT_SECURE: when the ids change or capabilities are gained.  Not on a
 * nosuid mount, nor under no_new_privs. */
static void check_privilege(const char *path, const struct stat *st, struct result *r)
{
	struct statvfs sv;
	if (!(st->st_mode & (S_ISUID | S_ISGID)) && geteuid() == 0)
		return;
	if (statvfs(path, &sv) == 0 && (sv.f_flag & ST_NOSUID))
		return;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
		return;
	if ((st->st_mode & S_ISUID) && st->st_uid != getuid()) {
		if (st->st_uid == 0)
			set(r, NOT_FOLLOWED, "setuid root");
		else
			set(r, NOT_FOLLOWED, "setuid to uid %u", (unsigned)st->st_uid);
	} else if ((st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP) && st->st_gid != getgid()) {
		/* setgid without group execute is a locking mark, not set-id */
		set(r, NOT_FOLLOWED, "setgid to gid %u", (unsigned)st->st_gid);
	} else if (geteuid() != 0 && getxattr(path, "security.capability", NULL, 0) > 0) {
		set(r, NOT_FOLLOWED, "granted file capabilities (security.capability)");
	}
}

static int is_glibc_loader(const char *interp)
{
	const char *base = strrchr(interp, '/');
	base = base ? base + 1 : interp;
	return strncmp(base, "ld-linux", 8) == 0 || strncmp(base, "ld64.so.", 8) == 0 ||
	       strcmp(base, "ld.so.1") == 0;
}

static void check_elf(const char *path, const struct stat *st, int scan, struct result *r)
{
	struct ue_elf e;
	struct ue_elf_dyninfo d;
	int libc = 0, musl = 0;
	long n;

	if (ue_elf_open(&e, path) < 0) {
		set(r, CANNOT_RUN, "not a readable ELF file");
		return;
	}
	if (e.eh.e_type != ET_EXEC && e.eh.e_type != ET_DYN) {
		set(r, CANNOT_RUN, "an ELF file that is not a program");
		goto out;
	}
	if (!ue_elf_native(&e)) {
		if (e.eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32))
			set(r, NOT_FOLLOWED, "a %d-bit program (the union's library is %d-bit)",
			    e.eh.e_ident[EI_CLASS] == ELFCLASS32 ? 32 : 64, (int)sizeof(void *) * 8);
		else
			set(r, NOT_FOLLOWED, "built for %s, another machine than the union's library",
			    ue_elf_machine_name(e.eh.e_machine));
		goto out;
	}
	if (ue_elf_dyninfo(&e, &d) < 0) {
		set(r, CANNOT_RUN, "an ELF program too damaged to read");
		goto out;
	}
	if (!d.interp) {
		/* glibc's loader itself, run as a program: it loads the
		 * program named on its command line with LD_PRELOAD */
		if (!(d.soname && is_glibc_loader(d.soname)))
			set(r, NOT_FOLLOWED, "statically linked");
		else
			scan = 0;       /* the loader's own system calls are fine */
		goto privilege;
	}
	for (int i = 0; i < d.nneeded; i++) {
		if (strncmp(d.needed[i], "libc.so.6", 9) == 0)
			libc = 1;
		else if (strncmp(d.needed[i], "libc.musl", 9) == 0 || strcmp(d.needed[i], "libc.so") == 0)
			musl = 1;
	}
	{
		const char *base = strrchr(d.interp, '/');
		base = base ? base + 1 : d.interp;
		if (musl || strncmp(base, "ld-musl", 7) == 0) {
			set(r, NOT_FOLLOWED, "linked against musl libc, not glibc");
			goto out;
		}
		if (!is_glibc_loader(d.interp)) {
			set(r, NOT_FOLLOWED, "loaded by %s, not by glibc's dynamic loader", d.interp);
			goto out;
		}
	}
	if (!libc) {
		set(r, NOT_FOLLOWED, "linked without libc (it makes its system calls itself)");
		goto out;
	}
privilege:
	if (r->v == FOLLOWED)
		check_privilege(path, st, r);
	if (r->v != FOLLOWED || !scan)
		goto out;
	if (ue_elf_has_section(&e, ".note.go.buildid") || ue_elf_has_section(&e, ".go.buildinfo"))
		snprintf(r->warning, sizeof r->warning,
		         "a Go program: its runtime makes most system calls itself, and the union does not see those");
	else if ((n = ue_elf_raw_syscalls(&e)) > 0)
		snprintf(r->warning, sizeof r->warning,
		         "it makes raw system calls that bypass libc (%ld syscall instruction%s), "
		         "and the union does not see those", n, n == 1 ? "" : "s");
out:
	ue_elf_close(&e);
}

/* "#!INTERP [ARG]": the kernel runs INTERP; /usr/bin/env then looks ARG's
 * first word up in PATH, so that is checked too. */
static void check_script(const char *path, char *line, int depth, int scan, struct result *r)
{
	char *interp, *arg, *nl, real[PATH_MAX], shown[PATH_MAX];
	struct result sub = { FOLLOWED, "", "" };
	const char *base;
	int e;

	if ((nl = strchr(line, '\n')))
		*nl = '\0';
	interp = line + 2 + strspn(line + 2, " \t");
	arg = interp + strcspn(interp, " \t");
	if (*arg)
		*arg++ = '\0';
	arg += strspn(arg, " \t");
	if (!*interp) {
		set(r, CANNOT_RUN, "a script with an empty #! line");
		return;
	}
	if (depth >= MAX_DEPTH) {
		set(r, CANNOT_RUN, "a script with too many levels of #! interpreters");
		return;
	}
	if ((e = view_rel(interp, real, sizeof real)) < 0) {
		set(r, CANNOT_RUN, "a script whose interpreter %s %s", interp,
		    e == -ENOENT ? "does not exist" : strerror(-e));
		return;
	}
	snprintf(shown, sizeof shown, "%s", interp);
	check_path(real, depth + 1, scan, &sub);
	base = strrchr(interp, '/');
	base = base ? base + 1 : interp;
	if (sub.v == FOLLOWED && strcmp(base, "env") == 0 && *arg) {
		/* env [-S] [-i] [NAME=VALUE]... COMMAND: find COMMAND */
		char *w = arg, *cmd = NULL;
		while (*w) {
			char *end = w + strcspn(w, " \t");
			char save = *end;
			*end = '\0';
			if (*w != '-' && !strchr(w, '=')) {
				cmd = w;
				break;
			}
			*end = save;
			w = end + strspn(end, " \t");
		}
		if (cmd) {
			if (lookup(cmd, real, sizeof real) == 0) {
				snprintf(shown, sizeof shown, "%s (through env)", cmd);
				check_path(real, depth + 1, scan, &sub);
			} else {
				/* env will say it is not found, like a shell */
				return;
			}
		}
	}
	if (sub.v == NOT_FOLLOWED)
		set(r, NOT_FOLLOWED, "a script run by %s, which is %s", shown, sub.reason);
	else if (sub.v != FOLLOWED)
		set(r, CANNOT_RUN, "a script whose interpreter %s is %s", shown, sub.reason);
}

/* PATH is a real path (found through the view). */
static void check_path(const char *path, int depth, int scan, struct result *r)
{
	struct stat st;
	char buf[256];
	ssize_t n;
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
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		/* execute-only: the kernel can run what we cannot read; the
		 * set-id bits are all we can check */
		check_privilege(path, &st, r);
		return;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	if (n >= 4 && memcmp(buf, ELFMAG, SELFMAG) == 0) {
		check_elf(path, &st, scan, r);
	} else if (n >= 2 && buf[0] == '#' && buf[1] == '!') {
		check_script(path, buf, depth, scan, r);
	} else {
		/* no #!: execve fails with ENOEXEC, and execvp and the
		 * shells run it with /bin/sh */
		struct result sub = { FOLLOWED, "", "" };
		char real[PATH_MAX];
		if (view("/bin/sh", real, sizeof real) == 0 && depth < MAX_DEPTH)
			check_path(real, depth + 1, scan, &sub);
		if (sub.v == NOT_FOLLOWED)
			set(r, NOT_FOLLOWED, "a script without #! run by /bin/sh, which is %s", sub.reason);
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

static void usage(FILE *out)
{
	fputs("Usage: unionenv check [--lower DIR[:DIR...] --upper DIR [--mount DIR]] PROGRAM...\n"
	      "\n"
	      "Tell whether unionenv can follow each PROGRAM (looked up in PATH like a\n"
	      "shell does): one line per program, \"PROGRAM: followed\" or\n"
	      "\"PROGRAM: not followed: REASON\".  A program is not followed when it is\n"
	      "statically linked, setuid or setgid (to another user or group), granted\n"
	      "file capabilities, linked against another libc than glibc, or built for\n"
	      "another machine; a script, when its #! interpreter is not.  Raw system\n"
	      "calls in the program itself are reported as a warning.  With the layers,\n"
	      "paths under the mount are found as the union shows them.\n"
	      "\n"
	      "Exit status: 0 all followed, 1 otherwise, 125 usage error.\n", out);
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

static char *canonical(const char *p)
{
	char *c = realpath(p, NULL);
	/* a missing upper is created later: keep its given (absolute) name */
	return c ? c : strdup(p);
}

int main(int argc, char **argv)
{
	int launch = 0, allow = 0, i, status = 0;
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
		struct result r = { FOLLOWED, "", "" };
		char real[PATH_MAX];
		int e = lookup(argv[i], real, sizeof real);
		if (e < 0)
			set(&r, e == -ENOENT ? NOT_FOUND : CANNOT_RUN, "%s", strerror(-e));
		else
			check_path(real, 0, !launch, &r);
		if (launch) {
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
		case NOT_FOUND:
			fputs(": not found", stdout);
			break;
		case CANNOT_RUN:
			fputs(": cannot run: ", stdout);
			put_name(stdout, r.reason);
			break;
		}
		fputc('\n', stdout);
		if (r.v != FOLLOWED)
			status = 1;
	}
	if (fflush(stdout) != 0)
		return EX_USAGE;
	return status;
}

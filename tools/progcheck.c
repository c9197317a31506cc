/* progcheck: a program found as the union will show it, and the verdict of
 * core/followable.c on it (see progcheck.h). */
#include "progcheck.h"
#include "followable.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define MAX_DEPTH 4             /* the kernel's limit of nested #! */

/* ---- the union's view of a path -------------------------------------------- */

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
static int view(const struct ue_pc_view *un, const char *abs, char *out, size_t size)
{
	char p[PATH_MAX];
	struct stat st;
	const char *rel;
	if (snprintf(p, sizeof p, "%s", abs) >= (int)sizeof p)
		return -ENAMETOOLONG;
	normalise(p);
	rel = NULL;
	if (un->mount && strncmp(p, un->mount, un->mlen) == 0 && (p[un->mlen] == '/' || p[un->mlen] == '\0'))
		rel = p + un->mlen;
	else if (un->mount && un->mlen == 1)
		rel = p;
	if (!rel) {
		if (snprintf(out, size, "%s", p) >= (int)size)
			return -ENAMETOOLONG;
		return stat(out, &st) == 0 ? 0 : -errno;
	}
	for (int i = 0; i < un->nlayers; i++) {
		if (snprintf(out, size, "%s%s", un->layer[i], rel) >= (int)size)
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
static int view_rel(const struct ue_pc_view *un, const char *path, char *out, size_t size)
{
	char abs[PATH_MAX], cwd[PATH_MAX];
	if (path[0] == '/')
		return view(un, path, out, size);
	if (!getcwd(cwd, sizeof cwd))
		return -errno;
	if (snprintf(abs, sizeof abs, "%s/%s", cwd, path) >= (int)sizeof abs)
		return -ENAMETOOLONG;
	return view(un, abs, out, size);
}

/* Find COMMAND as execvp would (PATH, default "/bin:/usr/bin"), through
 * the union's view.  0 and the real path in OUT, or -errno. */
static int lookup(const struct ue_pc_view *un, const char *cmd, char *out, size_t size)
{
	const char *path, *p, *end;
	int seen_eacces = 0;
	if (!*cmd)
		return -ENOENT;
	if (strchr(cmd, '/'))
		return view_rel(un, cmd, out, size);
	path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path;; p = end + 1) {
		char cand[PATH_MAX];
		struct stat st;
		end = strchrnul(p, ':');
		int len = (int)(end - p);
		if (snprintf(cand, sizeof cand, "%.*s%s%s", len, p, len ? "/" : "", cmd) < (int)sizeof cand &&
		    view_rel(un, cand, out, size) == 0 && stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
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

static void set(struct ue_pc_result *r, enum ue_pc_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set(struct ue_pc_result *r, enum ue_pc_verdict v, const char *fmt, ...)
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
	int e = view_rel(ctx, path, real, sizeof real);
	if (e < 0)
		return e;
	e = open(real, O_RDONLY | O_CLOEXEC);
	return e < 0 ? -errno : e;
}

static int find_viewed(void *ctx, const char *cmd)
{
	char real[PATH_MAX];
	int e = lookup(ctx, cmd, real, sizeof real);
	if (e < 0)
		return e;
	e = open(real, O_RDONLY | O_CLOEXEC);
	return e < 0 ? -errno : e;
}

/* PATH is a real path (found through the view). */
static void check_path(const struct ue_pc_view *un, const char *path, int depth, struct ue_pc_result *r)
{
	struct ue_follow_finder finder = { open_viewed, find_viewed, (void *)un };
	struct stat st;
	struct ue_verdict v;
	int fd;

	if (stat(path, &st) != 0) {
		set(r, errno == ENOENT ? UE_PC_NOT_FOUND : UE_PC_CANNOT_RUN, "%s", strerror(errno));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		set(r, UE_PC_CANNOT_RUN, "a directory");
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		set(r, UE_PC_CANNOT_RUN, "not a regular file");
		return;
	}
	if (access(path, X_OK) != 0) {
		set(r, UE_PC_CANNOT_RUN, "not executable");
		return;
	}
	/* execute-only: the kernel can run what we cannot read; the verdict
	 * then judges what fstat tells (the set-id bits) */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 && (fd = open(path, O_PATH | O_CLOEXEC)) < 0) {
		set(r, UE_PC_CANNOT_RUN, "%s", strerror(errno));
		return;
	}
	ue_followable_fd(fd, &finder, &v);
	close(fd);
	if (v.v == UE_NOT_FOLLOWED) {
		set(r, UE_PC_NOT_FOLLOWED, "%s", v.reason);
		r->supervise = v.supervise;
	} else if (v.v == UE_CANNOT_RUN && strcmp(v.reason, "no #!") == 0) {
		/* no #!: execve fails with ENOEXEC, and execvp and the
		 * shells run it with /bin/sh */
		struct ue_pc_result sub = { .v = UE_PC_FOLLOWED };
		char real[PATH_MAX];
		if (view(un, "/bin/sh", real, sizeof real) == 0 && depth < MAX_DEPTH)
			check_path(un, real, depth + 1, &sub);
		r->supervise = sub.supervise;
		if (sub.v == UE_PC_NOT_FOLLOWED)
			set(r, UE_PC_NOT_FOLLOWED, "a script without #! run by /bin/sh, which is %s", sub.reason);
	} else if (v.v == UE_CANNOT_RUN) {
		set(r, UE_PC_CANNOT_RUN, "%s", v.reason);
	} else if (depth == 0) {
		snprintf(r->real, sizeof r->real, "%s", path);
	}
}

void ue_pc_check(const struct ue_pc_view *un, const char *program, struct ue_pc_result *r)
{
	char real[PATH_MAX];
	int e = lookup(un, program, real, sizeof real);
	r->v = UE_PC_FOLLOWED;
	r->reason[0] = r->real[0] = '\0';
	r->supervise = 0;
	if (e < 0)
		set(r, e == -ENOENT ? UE_PC_NOT_FOUND : UE_PC_CANNOT_RUN, "%s", strerror(-e));
	else
		check_path(un, real, 0, r);
}

void ue_pc_put_name(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

int ue_pc_launch(const struct ue_pc_view *un, const char *program, int allow, int supervisor)
{
	struct ue_pc_result r;
	ue_pc_check(un, program, &r);
	if (supervisor && r.supervise)
		return UE_PC_EX_SUPERVISE;
	if (r.v != UE_PC_NOT_FOLLOWED)
		return 0;       /* exec reports what cannot run */
	fputs(allow ? "unionenv: warning: " : "unionenv: ", stderr);
	ue_pc_put_name(stderr, program);
	fputs(" is ", stderr);
	ue_pc_put_name(stderr, r.reason);
	fputs(allow ? ": the union cannot follow it\n"
	            : ": the union cannot follow it (use --allow-unfollowed to run it anyway)\n",
	      stderr);
	fflush(stderr);
	return allow ? 0 : UE_PC_EX_REFUSED;
}

/* followable: see followable.h. */
#include "followable.h"
#include "elfhead.h"
#include "elfnative.h"
#include "followcache.h"
#include "procfd.h"
#include "shebang.h"
#include "sys.h"

#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>   /* ST_NOSUID, as statfs reports it in f_flags */

#define MAX_DEPTH 4             /* the kernel's limit of nested #! */

/* What the headers say, as a small code the cache can hold.  A verdict
 * whose reason names something of the file (its loader, its machine) is
 * not cached: it is rare, and read again each time. */
enum elf_code {
	ELF_FOLLOWED = 1,
	ELF_STATIC,
	ELF_MUSL,
	ELF_NO_LIBC,
	ELF_GO,
	ELF_FPC,
	ELF_NOT_PROGRAM,
	ELF_DAMAGED,
	ELF_UNCACHED,           /* the reason is in the verdict's text */
};
#define ELF_CAPS 0x100          /* has a security.capability xattr */

static const char *const elf_reason[] = {
	[ELF_STATIC] = "statically linked",
	[ELF_MUSL] = "linked against musl libc, not glibc",
	[ELF_NO_LIBC] = "linked without libc (it makes its system calls itself)",
	[ELF_GO] = "a Go program (its runtime makes its system calls itself)",
	[ELF_FPC] = "a Free Pascal program (its runtime makes its system calls itself)",
	[ELF_NOT_PROGRAM] = "an ELF file that is not a program",
	[ELF_DAMAGED] = "an ELF program too damaged to read",
};

static void set(struct ue_verdict *out, enum ue_follow v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set(struct ue_verdict *out, enum ue_follow v, const char *fmt, ...)
{
	va_list ap;
	out->v = v;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof out->reason, fmt, ap);
	va_end(ap);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int is_glibc_loader(const char *path)
{
	const char *b = base_name(path);
	return !strncmp(b, "ld-linux", 8) || !strncmp(b, "ld64.so.", 8) || !strcmp(b, "ld.so.1");
}

/* The headers' verdict: a code, and the text for ELF_UNCACHED. */
static unsigned judge_elf(const struct ue_elfhead *h, struct ue_verdict *out)
{
	int libc = 0, musl = 0;
	if (h->type != ET_EXEC && h->type != ET_DYN)
		return ELF_NOT_PROGRAM;
	if (!h->native) {
		if (h->elfclass != UE_CLASS)
			set(out, UE_NOT_FOLLOWED, "a %d-bit program (the union's library is %d-bit)",
			    h->elfclass == ELFCLASS32 ? 32 : 64, (int)sizeof(void *) * 8);
		else
			set(out, UE_NOT_FOLLOWED, "built for %s, another machine than the union's library",
			    ue_elf_machine(h->machine));
		return ELF_UNCACHED;
	}
	if (h->go_note || h->go_section)
		return ELF_GO;
	if (h->fpc_section)
		return ELF_FPC;
	if (!h->has_interp)
		/* glibc's loader run as a program loads the program named on
		 * its command line, with LD_PRELOAD */
		return is_glibc_loader(h->soname) ? ELF_FOLLOWED : ELF_STATIC;
	for (int i = 0; i < h->nneeded; i++) {
		if (!strncmp(h->needed[i], "libc.so.6", 9))
			libc = 1;
		else if (!strncmp(h->needed[i], "libc.musl", 9) || !strcmp(h->needed[i], "libc.so"))
			musl = 1;
	}
	if (musl || !strncmp(base_name(h->interp), "ld-musl", 7))
		return ELF_MUSL;
	if (!is_glibc_loader(h->interp)) {
		set(out, UE_NOT_FOLLOWED, "loaded by %s, not by glibc's dynamic loader", h->interp);
		out->supervise = 1;     /* native, so the filter applies */
		return ELF_UNCACHED;
	}
	return libc ? ELF_FOLLOWED : ELF_NO_LIBC;
}

static void apply_code(unsigned code, struct ue_verdict *out)
{
	unsigned c = code & 0xff;
	out->supervise = c == ELF_STATIC || c == ELF_MUSL || c == ELF_NO_LIBC || c == ELF_GO || c == ELF_FPC;
	if (c == ELF_FOLLOWED)
		out->v = UE_FOLLOWED;
	else if (c < sizeof elf_reason / sizeof *elf_reason && elf_reason[c])
		set(out, c == ELF_NOT_PROGRAM || c == ELF_DAMAGED ? UE_CANNOT_RUN : UE_NOT_FOLLOWED, "%s",
		    elf_reason[c]);
}

/* Does a set-id bit or a file capability take effect for this caller?
 * The loader ignores LD_PRELOAD (secure mode) only when the kernel says
 * AT_SECURE: the ids change or capabilities are gained.  Not on a nosuid
 * mount, nor under no_new_privs.  Set-group-ID without group execute is a
 * locking mark, not set-id. */
static void judge_privilege(int fd, const struct stat *st, int caps, struct ue_verdict *out)
{
	int setuid = (st->st_mode & S_ISUID) && st->st_uid != getuid();
	int setgid = (st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP) && st->st_gid != getgid();
	int capped = caps && geteuid() != 0;
	struct statfs sf;
	if (!setuid && !setgid && !capped)
		return;
	if (UE_SYS(SYS_fstatfs, fd, &sf) == 0 && (sf.f_flags & ST_NOSUID))
		return;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
		return;
	if (setuid && st->st_uid == 0)
		set(out, UE_NOT_FOLLOWED, "setuid root");
	else if (setuid)
		set(out, UE_NOT_FOLLOWED, "setuid to uid %u", (unsigned)st->st_uid);
	else if (setgid)
		set(out, UE_NOT_FOLLOWED, "setgid to gid %u", (unsigned)st->st_gid);
	else
		set(out, UE_NOT_FOLLOWED, "granted file capabilities (security.capability)");
}

static void judge_fd(int fd, const struct ue_follow_finder *find, int depth, struct ue_verdict *out);

/* "#!INTERP [ARG]": the kernel runs INTERP; /usr/bin/env looks the first
 * word of ARG that is not an option nor NAME=VALUE up in PATH. */
static void judge_script(char *line, const struct ue_follow_finder *find, int depth, struct ue_verdict *out)
{
	struct ue_verdict sub = { UE_FOLLOWED, "", 0 };
	char *interp, *arg;
	char shown[300];
	if (ue_shebang_parse(line, &interp, &arg) < 0)
		return set(out, UE_CANNOT_RUN, "a script with an empty #! line");
	if (depth >= MAX_DEPTH)
		return set(out, UE_CANNOT_RUN, "a script with too many levels of #! interpreters");
	int ifd = find->open_path(find->ctx, interp);
	if (ifd < 0)
		return set(out, UE_CANNOT_RUN, "a script whose interpreter %s %s", interp,
		           ifd == -ENOENT ? "does not exist" : strerror(-ifd));
	snprintf(shown, sizeof shown, "%s", interp);
	judge_fd(ifd, find, depth + 1, &sub);
	sys_close(ifd);
	if (sub.v == UE_FOLLOWED && !strcmp(base_name(interp), "env") && arg && find->find_command) {
		char *w = arg, *cmd = NULL;
		while (*w && !cmd) {
			char *end = w + strcspn(w, " \t");
			if (*end)
				*end++ = '\0';
			if (*w != '-' && !strchr(w, '='))
				cmd = w;
			w = end + strspn(end, " \t");
		}
		if (cmd) {
			int cfd = find->find_command(find->ctx, cmd);
			if (cfd < 0)
				return;         /* env says it is not found */
			snprintf(shown, sizeof shown, "%s (through env)", cmd);
			judge_fd(cfd, find, depth + 1, &sub);
			sys_close(cfd);
		}
	}
	out->supervise = sub.supervise;
	if (sub.v == UE_NOT_FOLLOWED)
		set(out, UE_NOT_FOLLOWED, "a script run by %s, which is %.400s", shown, sub.reason);
	else if (sub.v == UE_CANNOT_RUN)
		set(out, UE_CANNOT_RUN, "a script whose interpreter %s is %.400s", shown, sub.reason);
}

static void judge_fd(int fd, const struct ue_follow_finder *find, int depth, struct ue_verdict *out)
{
	struct stat st;
	unsigned code;
	char line[256];
	out->v = UE_FOLLOWED;
	out->reason[0] = '\0';
	out->supervise = 0;
	if (sys_fstat(fd, &st) < 0)
		return set(out, UE_CANNOT_RUN, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return set(out, UE_CANNOT_RUN, S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
	if (!ue_followcache_get(&st, &code)) {
		struct ue_elfhead h;
		long n = sys_pread(fd, line, sizeof line - 1, 0);
		if (n < 0)
			/* execute-only: the kernel runs what we cannot read;
			 * the set-id bits are all there is to judge */
			return judge_privilege(fd, &st, 0, out);
		line[n] = '\0';
		if (n >= 2 && line[0] == '#' && line[1] == '!')
			return judge_script(line, find, depth, out);
		int r = ue_elfhead_read(fd, st.st_size, &h);
		if (r == -ENOEXEC && (n < SELFMAG || memcmp(line, ELFMAG, SELFMAG) != 0))
			return set(out, UE_CANNOT_RUN, "no #!");
		code = r < 0 ? ELF_DAMAGED : judge_elf(&h, out);
		if (code != ELF_UNCACHED && sys_fgetxattr(fd, "security.capability", NULL, 0) > 0)
			code |= ELF_CAPS;
		if (code != ELF_UNCACHED)
			ue_followcache_put(&st, code);
	}
	if (code != ELF_UNCACHED)
		apply_code(code, out);
	if (out->v == UE_FOLLOWED) {
		judge_privilege(fd, &st, (code & ELF_CAPS) != 0, out);
	} else if (out->supervise) {
		/* A set-id program the supervisor could follow is refused all
		 * the same, for its set-id reason: under no_new_privs it would
		 * run without its privileges. */
		struct ue_verdict priv = { UE_FOLLOWED, "", 0 };
		judge_privilege(fd, &st, (code & ELF_CAPS) != 0, &priv);
		if (priv.v != UE_FOLLOWED) {
			*out = priv;
			out->supervise = 0;
		}
	}
}

void ue_followable_fd(int fd, const struct ue_follow_finder *find, struct ue_verdict *out)
{
	char proc[64];
	int own = -1;
	/* An O_PATH fd (fexecve, execveat's AT_EMPTY_PATH) cannot be read:
	 * reopen the file it names. */
	int fl = (int)UE_SYS(SYS_fcntl, fd, F_GETFL);
	if (fl >= 0 && (fl & O_PATH)) {
		ue_proc_fd(proc, sizeof proc, fd, NULL);
		own = sys_openat(AT_FDCWD, proc, O_RDONLY | O_CLOEXEC, 0);
		if (own >= 0)
			fd = own;
	}
	judge_fd(fd, find, 0, out);
	if (own >= 0)
		sys_close(own);
}

/* Append S to B at *at, newlines as "\n", within SIZE. */
static void put(char *b, size_t size, size_t *at, const char *s)
{
	for (; *s && *at + 2 < size; s++) {
		if (*s == '\n') {
			b[(*at)++] = '\\';
			b[(*at)++] = 'n';
		} else {
			b[(*at)++] = *s;
		}
	}
	b[*at] = '\0';
}

size_t ue_followable_message(char *buf, size_t size, const char *name, const struct ue_verdict *v,
                             int allowed)
{
	size_t at = 0;
	if (!size)
		return 0;
	buf[0] = '\0';
	put(buf, size, &at, allowed ? "unionenv: warning: " : "unionenv: ");
	put(buf, size, &at, name);
	put(buf, size, &at, " is ");
	put(buf, size, &at, v->reason);
	put(buf, size, &at, allowed ? ": the union cannot follow it"
	                            : ": the union cannot follow it (use --allow-unfollowed to run it anyway)");
	if (at + 1 < size) {
		buf[at++] = '\n';
		buf[at] = '\0';
	}
	return at;
}

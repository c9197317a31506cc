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
#include "progcheck.h"

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
#define FOLLOWED UE_PC_FOLLOWED
#define NOT_FOLLOWED UE_PC_NOT_FOLLOWED
#define NOT_FOUND UE_PC_NOT_FOUND
#define CANNOT_RUN UE_PC_CANNOT_RUN
#define SUPERVISED UE_PC_SUPERVISED

struct result {
	struct ue_pc_result pc;
	char warning[256];
};

/* The union's view of paths (progcheck.h): the layers given, if any. */
static struct ue_pc_view un;

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

/* ---- the command line -------------------------------------------------------------- */

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
	printf(",\"verdict\":\"%s\"", verdicts[r->pc.v]);
	if (r->pc.v != FOLLOWED && r->pc.v != NOT_FOUND) {
		fputs(",\"reason\":", stdout);
		json_string(stdout, r->pc.reason);
	}
	if (r->pc.v == FOLLOWED && r->warning[0]) {
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
			if (un.nlayers > UE_PC_MAX_LOWERS)
				return die_usage("too many lowers", NULL);
			un.layer[un.nlayers++] = canonical(tok);
		}
		if (un.nlayers < 2)
			return die_usage("empty --lower", NULL);
		un.mount = canonical(mount ? mount : un.layer[1]);
		un.mlen = strlen(un.mount);
	}

	if (launch)
		return ue_pc_launch(&un, argv[i], allow, supervisor);
	for (; i < argc; i++) {
		struct result r = { .warning = "" };
		ue_pc_check(&un, argv[i], &r.pc);
		if (r.pc.v == FOLLOWED && r.pc.real[0])
			scan_warning(r.pc.real, &r);
		/* The supervisor beside this tool follows what the library
		 * cannot (the launcher and the library hand it over). */
		if (r.pc.v == NOT_FOLLOWED && r.pc.supervise && supervisor_beside_me())
			r.pc.v = SUPERVISED;
		if (r.pc.v != FOLLOWED && r.pc.v != SUPERVISED)
			status = 1;
		if (json) {
			put_json_result(argv[i], &r);
			continue;
		}
		ue_pc_put_name(stdout, argv[i]);
		switch (r.pc.v) {
		case FOLLOWED:
			fputs(": followed", stdout);
			if (r.warning[0]) {
				fputs(" (warning: ", stdout);
				ue_pc_put_name(stdout, r.warning);
				fputs(")", stdout);
			}
			break;
		case NOT_FOLLOWED:
			fputs(": not followed: ", stdout);
			ue_pc_put_name(stdout, r.pc.reason);
			break;
		case SUPERVISED:
			fputs(": followed by the supervisor (", stdout);
			ue_pc_put_name(stdout, r.pc.reason);
			fputs(")", stdout);
			break;
		case NOT_FOUND:
			fputs(": not found", stdout);
			break;
		case CANNOT_RUN:
			fputs(": cannot run: ", stdout);
			ue_pc_put_name(stdout, r.pc.reason);
			break;
		}
		fputc('\n', stdout);
	}
	if (fflush(stdout) != 0)
		return EX_USAGE;
	return status;
}

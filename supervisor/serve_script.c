/* execve of a #! script of the union by a filtered program.  The kernel
 * reads the #! line itself and opens the interpreter by the name written
 * there, in the real directories, outside the filter's sight: an
 * interpreter only the union holds (the upper, a deeper lower) was
 * ENOENT, one the union changed ran the mount's lower's old copy; and a
 * script only the upper holds, restarted by its real path, had that path
 * as $0.  Where the kernel would not reach the script or the union's
 * interpreter, the call is restarted as the kernel would go on itself:
 * the interpreter's real file, with the argv that binfmt_script builds
 * (the interpreter as written, its argument, the script as named, the
 * arguments from the second on).  The preload's exec does the same
 * (preload/exec.c); core/shebang.c reads the line for both. */
#include "path.h"
#include "perm.h"
#include "restart.h"
#include "serve.h"
#include "shebang.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARGV_MAX 65536  /* more: left to the kernel as before (ENOENT) */

/* Does the kernel, opening name from the caller's place, reach the file
 * at real?  (The interpreter's name: absolute, or relative to the
 * caller's current directory, as the kernel takes it.) */
static int kernel_opens(const struct ue_req *q, const char *name, const char *real)
{
	char base[UE_PATH_MAX];
	struct stat got, want;
	int len = name[0] == '/' ? snprintf(base, sizeof base, "%s", name)
	                         : snprintf(base, sizeof base, "/proc/%d/cwd/%s", q->tid, name);
	if (len < 0 || (size_t)len >= sizeof base)
		return 0;
	return stat(base, &got) == 0 && stat(real, &want) == 0 && got.st_dev == want.st_dev && got.st_ino == want.st_ino;
}

/* The caller's argv (at addr; NULL is an empty one): *argc pointers into
 * av, without the NULL.  0 or -errno. */
static int caller_argv(const struct ue_req *q, uint64_t addr, uint64_t **av, size_t *argc)
{
	size_t n = 0, cap = 64;
	uint64_t *v = malloc(cap * sizeof *v);
	if (!v)
		return -ENOMEM;
	for (; addr; n++) {
		if (n == cap) {
			uint64_t *w = cap < ARGV_MAX ? realloc(v, 2 * cap * sizeof *v) : NULL;
			if (!w) {
				free(v);
				return -E2BIG;
			}
			v = w;
			cap *= 2;
		}
		if (ue_caller_read(q, addr + n * sizeof *v, &v[n], sizeof *v) < 0) {
			free(v);
			return -EFAULT;
		}
		if (!v[n])
			break;
	}
	*av = v;
	*argc = n;
	return 0;
}

/* Restart the call as the interpreter's: block = the new argv, then the
 * strings (the interpreter's real path, its name, its argument, the
 * script's name); the path and argv arguments set to them. */
static long restart_as(struct ue_req *q, int argi, const char *real, const char *interp, const char *arg,
                       const char *script, const uint64_t *av, size_t argc, const char *given)
{
	const char *str[4] = { real, interp, arg, script };
	size_t n = 2 + (arg != NULL) + (argc > 1 ? argc - 1 : 0) + 1;  /* with the NULL */
	size_t len = n * sizeof(uint64_t), at[4];
	for (int i = 0; i < 4; i++)
		if (str[i]) {
			at[i] = len;
			len += strlen(str[i]) + 1;
		}
	struct ue_restart r;
	if (ue_restart_place(q, len, &r) < 0)
		return 0;  /* no room for it: as before (a restart with the script's path needs less) */
	char *block = malloc(len);
	if (!block)
		return -ENOMEM;
	uint64_t *nv = (uint64_t *)block;
	size_t k = 0;
	nv[k++] = r.addr + at[1];
	if (arg)
		nv[k++] = r.addr + at[2];
	nv[k++] = r.addr + at[3];
	for (size_t i = 1; i < argc; i++)
		nv[k++] = av[i];
	nv[k] = 0;
	for (int i = 0; i < 4; i++)
		if (str[i])
			memcpy(block + at[i], str[i], strlen(str[i]) + 1);
	unsigned long vals[6] = { 0 };
	vals[argi] = r.addr + at[0];
	vals[argi + 1] = r.addr;
	long res = ue_restart_call(q, &r, block, 1u << argi | 1u << (argi + 1), vals, real, given);
	free(block);
	return res;
}

long sv_exec_script(struct ue_req *q, int dirfd, int argi, const struct sv_path *sp, const struct ue_path *p,
                    int script_reached)
{
	char line[256], iabs[UE_PATH_MAX];
	char *interp, *arg;
	int native;
	struct ue_path ip;
	/* Not a script the caller may run: the kernel's exec says why. */
	if (p->where != UE_UNION || !S_ISREG(p->node.type) || ue_may(&q->who, p->real, X_OK) < 0)
		return 0;
	int fd = open(p->real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, line, sizeof line - 1);
	close(fd);
	if (n < 3)
		return 0;
	line[n] = '\0';
	if (!strchr(line, '\n') || ue_shebang_parse(line, &interp, &arg) < 0)
		return 0;
	if (ue_caller_abs(q, AT_FDCWD, interp, iabs, sizeof iabs, &native) < 0 ||
	    ue_resolve_as(&q->who, AT_FDCWD, iabs, UE_FOLLOW, &ip) < 0 || (ip.where == UE_UNION && !ue_node_exists(&ip.node)))
		return 0;  /* the kernel says what is wrong */
	/* An interpreter outside the union has no real path of core/'s: its
	 * own name is the kernel's (ue_kpath). */
	const char *ireal = ue_kpath(&ip, iabs);
	if (script_reached && kernel_opens(q, interp, ireal))
		return 0;  /* the kernel finds both: its own exec is the same */
	if (strlen(ireal) >= PATH_MAX)
		return 0;
	/* The script as the kernel names it for the interpreter: the path as
	 * given; relative to a directory fd, the union's absolute name (the
	 * kernel's /dev/fd/N/... would be the supervisor's to resolve). */
	const char *script = dirfd == AT_FDCWD || sp->given[0] == '/' ? sp->given : sp->abs;
	uint64_t *av;
	size_t argc;
	if (caller_argv(q, ue_arg(q, argi + 1), &av, &argc) < 0)
		return 0;
	long r = restart_as(q, argi, ireal, interp, arg, script, av, argc, sp->given);
	free(av);
	return r;
}

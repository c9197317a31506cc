/* Start-up of the library in each process, and what the wrappers share:
 * the environment handed to children (the guard against writes that would
 * reach a lower is core/guard.c). */
#include "fdtab.h"
#include "apart.h"
#include "impl.h"
#include "layercheck.h"
#include "layerpath.h"
#include "path.h"
#include "procfd.h"
#include "sys.h"
#include "trace.h"

#include <dlfcn.h>
#include <link.h>
#include <limits.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

int ue_ready;
__thread const struct ue_caller *ue_serving __attribute__((tls_model("initial-exec")));
__thread int ue_depth;
__thread int ue_err;

/* The settings as the launcher gave them, "NAME=value", for children. */
static const char *const env_names[] = {
	"UNIONENV_LOWER", "UNIONENV_UPPER", "UNIONENV_MOUNT", "UNIONENV_LIB",
	"UNIONENV_PASSTHROUGH", "UNIONENV_UPPER_FORMAT", "UNIONENV_ALLOW_UNFOLLOWED", "UNIONENV_TRACE",
	"UNIONENV_SUPERVISE", "UNIONENV_WORK", "UNIONENV_CHECKED",
};
#define N_ENV (sizeof env_names / sizeof *env_names)
static char *env_saved[N_ENV];
static const char *lib_path;

static pthread_once_t once = PTHREAD_ONCE_INIT;

/* One line on stderr and the end of the process: a union that cannot be
 * checked is not run outside itself either, since its mount is a lower's
 * path and every write would land in that lower (status 125, the
 * launcher's own for bad input).  Only from the constructor, before the
 * program runs. */
static void refuse(const char *why)
{
	char line[PATH_MAX + 256];
	int n = snprintf(line, sizeof line, "unionenv: %s: not running without the union\n", why);
	sys_write(2, line, n < 0 ? 0 : (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
	UE_SYS(SYS_exit_group, 125);
}

/* The path of this very library, canonical, for children's LD_PRELOAD:
 * UNIONENV_LIB when it names it, else where the loader found it (said once
 * on stderr).  Anything else (empty, a FIFO, another file) would be put
 * first in every child's LD_PRELOAD. */
static const char *library_path(const char *given)
{
	static char own[PATH_MAX] UE_APART;
	char link[64];
	struct stat a, b;
	/* _dl_find_object, not dladdr: dladdr also looks for the nearest
	 * symbol, through every symbol of the object, at each start. */
	struct dl_find_object self, prog;
	if (_dl_find_object((void *)ue_init, &self) != 0 || !self.dlfo_link_map || !self.dlfo_link_map->l_name)
		return NULL;
	/* Linked into a program rather than preloaded (the supervisor links
	 * the implementations): there is no library file of ours to name, and
	 * the program's UNIONENV_LIB, the library it keeps out of its
	 * children, stays as it was given. */
	if (_dl_find_object((void *)getauxval(AT_PHDR), &prog) == 0 && prog.dlfo_link_map == self.dlfo_link_map)
		return given;
	const char *loaded = self.dlfo_link_map->l_name;
	/* The loader opened this library at the very name given (an absolute
	 * LD_PRELOAD entry, as the launcher and every exec of the union give
	 * it): that name is this library's, with no look at the file. */
	if (given && given[0] == '/' && !strpbrk(given, " \t\n:") && !strcmp(given, loaded))
		return given;
	int fd = sys_openat(AT_FDCWD, loaded, O_PATH | O_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	ue_proc_fd(link, sizeof link, fd, NULL);
	long n = sys_readlinkat(AT_FDCWD, link, own, sizeof own - 1);
	int st = sys_fstat(fd, &b);
	sys_close(fd);
	if (n <= 0 || st < 0)
		return NULL;
	own[n] = '\0';
	if (own[0] != '/' || strpbrk(own, " \t\n:"))
		return NULL;
	if (given && given[0] == '/' && !strpbrk(given, " \t\n:") &&
	    sys_fstatat(AT_FDCWD, given, &a, 0) == 0 && S_ISREG(a.st_mode) && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return given;
	/* Said once (the children inherit the corrected value); preloaded by
	 * hand without it, it is simply set. */
	if (!given) {
		setenv("UNIONENV_LIB", own, 1);
		return own;
	}
	char line[2 * PATH_MAX + 128];
	int len = snprintf(line, sizeof line, "unionenv: UNIONENV_LIB '%s' is not this library: using '%s'\n",
	                   given ? given : "", own);
	sys_write(2, line, len < 0 ? 0 : (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
	setenv("UNIONENV_LIB", own, 1);
	return own;
}

int ue_gated;

/* Under the supervisor's filter with the preload kept
 * (UNIONENV_SUPERVISE=preload), every system call of the library must
 * leave from the gate's fixed page, which the filter lets through: the
 * supervisor would otherwise serve the library's look at a lower's own
 * entry as a look at the union.  First of all, before any such call.
 * Where the page cannot be had, the library stays out of the way
 * (no union here): the supervisor serves all of this process's calls. */
static int gate_for_filter(void)
{
	const char *v = getenv("UNIONENV_SUPERVISE");
	if (!v || strcmp(v, "preload"))
		return 0;
	if (ue_gate_fixed() < 0)
		return -1;
	ue_gated = 1;
	return 0;
}

/* The layers checked (core/layercheck.h), or the process refused; the
 * check's token left for children, which then need not read /proc.  A
 * function of its own, so that the reason's buffer is off the stack when
 * the rest of the start-up runs: each page of stack a process first
 * touches costs it a page fault. */
static __attribute__((noinline)) void check_layers(void)
{
	char why[2 * PATH_MAX + 128], token[UE_LAYERS_TOKEN];
	const char *seen = getenv("UNIONENV_CHECKED");
	if (ue_layers_check(seen, why, sizeof why, token) < 0) {
		ue_config_reset();
		refuse(why);
	}
	if (!seen || strcmp(seen, token))
		setenv("UNIONENV_CHECKED", token, 1);
}

static void init_once(void)
{
	const char *lower = getenv("UNIONENV_LOWER"), *upper = getenv("UNIONENV_UPPER");
	if (lower && upper && gate_for_filter() == 0) {
		const char *through = getenv("UNIONENV_PASSTHROUGH");
		if (ue_config_load(lower, upper, getenv("UNIONENV_MOUNT")) < 0 ||
		    (through && *through && ue_config_passthrough(through) < 0)) {
			ue_config_reset();
			refuse("malformed UNIONENV_LOWER/UNIONENV_UPPER/UNIONENV_MOUNT/UNIONENV_PASSTHROUGH/UNIONENV_WORK");
		} else {
			check_layers();
			ue_cache_init();
			ue_cwd_reload();
			ue_fdtab_inherit();
			lib_path = library_path(getenv("UNIONENV_LIB"));
			for (size_t i = 0; i < N_ENV; i++) {
				const char *v = getenv(env_names[i]);
				if (v && asprintf(&env_saved[i], "%s=%s", env_names[i], v) < 0)
					env_saved[i] = NULL;
			}
			ue_trace_init(getenv("UNIONENV_TRACE"));
		}
	}
	ue_ready = 1;
}

void ue_init(void)
{
	pthread_once(&once, init_once);
}

__attribute__((constructor)) static void unionenv_start(void)
{
	ue_init();
}

static const char *env_find(char *const envp[], const char *name, size_t n)
{
	for (char *const *e = envp; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static int preload_has_lib(const char *v)
{
	size_t n = strlen(lib_path);
	if (n == 0)
		return 0;  /* never: library_path gives a full path or none */
	for (const char *s = v; (s = strstr(s, lib_path)); s += n)
		if ((s == v || s[-1] == ' ' || s[-1] == ':') && (s[n] == '\0' || s[n] == ' ' || s[n] == ':'))
			return 1;
	return 0;
}

/* NAME=value with the library first, unless value already holds it. */
static char *loader_var(const char *name, const char *value, char sep)
{
	char *v = NULL;
	if (value && preload_has_lib(value))
		return asprintf(&v, "%s=%s", name, value) < 0 ? NULL : v;
	if (value && *value ? asprintf(&v, "%s=%s%c%s", name, lib_path, sep, value) < 0
	                    : asprintf(&v, "%s=%s", name, lib_path) < 0)
		v = NULL;
	return v;
}

/* Whether a colon-separated list names a directory of the union. */
static int list_in_union(const char *list)
{
	char dir[PATH_MAX], norm[PATH_MAX];
	while (ue_path_list_next(&list, dir, sizeof dir)) {
		if (!strncmp(dir, "$ORIGIN", 7) || !strncmp(dir, "${ORIGIN}", 9))
			return 1;
		if (dir[0] != '/' || ue_path_normalize(norm, sizeof norm, dir) < 0 ||
		    ue_path_under(norm, ue_cfg.mount, ue_cfg.mount_len) || ue_layer_of(norm) >= 0)
			return 1;  /* relative, inside the mount or in a layer: may be the union */
	}
	return 0;
}

/* The loader's audit module costs every object's symbol binding (glibc then
 * binds through its profiling trampoline): it goes only where the loader
 * may have to find a library in the union. */
static int child_needs_audit(char *const envp[], int program_in_union)
{
	return program_in_union || list_in_union(env_find(envp, "LD_LIBRARY_PATH", 15));
}

/* value with the library removed from a list whose items SEPS separate
 * (LD_AUDIT: colons; LD_PRELOAD: spaces or colons), joined by SEPS[0], or
 * NULL. */
static char *loader_var_without_in(const char *name, const char *value, const char *seps)
{
	char *v, *o;
	if (asprintf(&v, "%s=", name) < 0 || !(o = realloc(v, strlen(v) + strlen(value) + 1)))
		return NULL;
	v = o;
	o = v + strlen(v);
	size_t n = strlen(lib_path);
	for (const char *s = value; *s;) {
		const char *e = s + strcspn(s, seps);
		if (e > s && ((size_t)(e - s) != n || strncmp(s, lib_path, n))) {
			if (o[-1] != '=')
				*o++ = seps[0];
			memcpy(o, s, (size_t)(e - s));
			o += e - s;
		}
		s = *e ? e + 1 : e;
	}
	*o = '\0';
	return v;
}

static char *loader_var_without(const char *name, const char *value)
{
	return loader_var_without_in(name, value, ":");
}

/* "NAME=value" into env, or nothing for an empty value (ue_env_free
 * frees what is kept). */
static void keep_nonempty(char **env, size_t *k, char *var, size_t prefix)
{
	if (var && var[prefix])
		env[(*k)++] = var;
	else
		free(var);
}

const char *ue_lib_path(void)
{
	return lib_path;
}

char **ue_env_for_supervisor(char *const envp[])
{
	const char *preload = env_find(envp, "LD_PRELOAD", 10), *audit = env_find(envp, "LD_AUDIT", 8);
	size_t n = 0, k = 0;
	while (envp && envp[n])
		n++;
	char **env = calloc(n + N_ENV + 3, sizeof *env);
	if (!env || !lib_path) {
		free(env);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], "LD_PRELOAD=", 11) && strncmp(envp[i], "LD_AUDIT=", 9))
			env[k++] = envp[i];
	for (size_t i = 0; i < N_ENV; i++)
		if (env_saved[i] && !env_find(envp, env_names[i], strlen(env_names[i])))
			env[k++] = env_saved[i];
	if (preload)
		keep_nonempty(env, &k, loader_var_without_in("LD_PRELOAD", preload, " :"), 11);
	if (audit)
		keep_nonempty(env, &k, loader_var_without("LD_AUDIT", audit), 9);
	env[k] = NULL;
	return env;
}

char **ue_env_for_child(char *const envp[], int program_in_union)
{
	if (!lib_path)
		return (char **)envp;
	const char *preload = env_find(envp, "LD_PRELOAD", 10), *audit = env_find(envp, "LD_AUDIT", 8);
	int need_audit = child_needs_audit(envp, program_in_union);
	int has_audit = audit && preload_has_lib(audit);
	int missing = !preload || !preload_has_lib(preload) || need_audit != has_audit;
	for (size_t i = 0; i < N_ENV && !missing; i++)
		missing = env_saved[i] && !env_find(envp, env_names[i], strlen(env_names[i]));
	if (!missing)
		return (char **)envp;
	/* The program cleared some of it (env -i, a sanitised environment):
	 * the union must still hold in the child, libraries included. */
	size_t n = 0;
	while (envp && envp[n])
		n++;
	/* the program's, the layer settings, LD_PRELOAD, LD_AUDIT, NULL */
	char **env = calloc(n + N_ENV + 3, sizeof *env);
	if (!env)
		return (char **)envp;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], "LD_PRELOAD=", 11) && strncmp(envp[i], "LD_AUDIT=", 9))
			env[k++] = envp[i];
	for (size_t i = 0; i < N_ENV; i++)
		if (env_saved[i] && !env_find(envp, env_names[i], strlen(env_names[i])))
			env[k++] = env_saved[i];
	if ((env[k] = loader_var("LD_PRELOAD", preload, ' ')))
		k++;
	/* LD_AUDIT takes colons only. */
	if (need_audit && (env[k] = loader_var("LD_AUDIT", audit, ':')))
		k++;
	else if (!need_audit && audit && (env[k] = loader_var_without("LD_AUDIT", audit)))
		k++;
	env[k] = NULL;
	return env;
}

void ue_env_free(char **env, char *const envp[])
{
	if (env == (char **)envp)
		return;
	for (char **e = env; *e; e++)
		if (!strncmp(*e, "LD_PRELOAD=", 11) || !strncmp(*e, "LD_AUDIT=", 9))
			free(*e);
	free(env);
}

int ue_fd_union_path(int fd, struct ue_path *p)
{
	char v[PATH_MAX];
	if (ue_fd_vpath(fd, v, sizeof v) < 0)
		return 0;
	return ue_resolve_as(ue_for(), AT_FDCWD, v, UE_FOLLOW, p) == 0 && p->where == UE_UNION && ue_node_exists(&p->node);
}

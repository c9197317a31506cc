/* Starting programs: the exec family and posix_spawn.  libc's execvp,
 * execlp and posix_spawn* call execve internally, where no wrapper sees it,
 * so the PATH search is done here, in union terms.  The child's environment
 * keeps LD_PRELOAD and the layer settings even when the program dropped them. */
#include "impl.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

long execve_impl(const char *path, char *const argv[], char *const envp[])
{
	struct ue_path p;
	int r = ue_resolve(AT_FDCWD, path, UE_FOLLOW, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION && !ue_node_exists(&p.node))
		return -ENOENT;
	char **env = ue_env_for_child(envp);
	long e = UE_ERR(REAL(execve)(ue_kpath(&p, path), argv, env));
	ue_env_free(env, envp);
	return e;
}

/* glibc's execvp runs a file without #! by /bin/sh. */
static long exec_script(const char *file, char *const argv[], char *const envp[])
{
	size_t argc = 0;
	while (argv[argc])
		argc++;
	char **sh = malloc((argc + 2) * sizeof *sh);
	if (!sh)
		return -ENOMEM;
	sh[0] = (char *)"/bin/sh";
	sh[1] = (char *)file;
	for (size_t i = 1; i <= argc; i++)
		sh[i + 1] = argv[i];
	long r = execve_impl("/bin/sh", sh, envp);
	free(sh);
	return r;
}

/* Call fn on each candidate of file along PATH until one does not fail with
 * a "try the next" error. */
static long path_search(const char *file, long (*fn)(const char *, void *), void *arg)
{
	char cand[PATH_MAX];
	if (!*file)
		return -ENOENT;
	if (strchr(file, '/'))
		return fn(file, arg);
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	long r, seen_eacces = 0;
	for (const char *s = path;; s++) {
		const char *e = strchrnul(s, ':');
		size_t n = (size_t)(e - s);
		if (n + 1 + strlen(file) + 1 > sizeof cand)
			r = -ENAMETOOLONG;
		else {
			memcpy(cand, s, n);
			if (n == 0)
				cand[n++] = '.';
			cand[n] = '/';
			strcpy(cand + n + 1, file);
			r = fn(cand, arg);
		}
		if (r == -EACCES)
			seen_eacces = 1;
		else if (r != -ENOENT && r != -ENOTDIR && r != -ENAMETOOLONG && r != -ESTALE &&
		         r != -ENODEV && r != -ETIMEDOUT)
			return r;
		if (!*e)
			break;
		s = e;
	}
	return seen_eacces ? -EACCES : -ENOENT;
}

struct exec_args {
	char *const *argv;
	char *const *envp;
};

static long try_exec(const char *cand, void *arg)
{
	struct exec_args *a = arg;
	long r = execve_impl(cand, a->argv, a->envp);
	return r == -ENOEXEC ? exec_script(cand, a->argv, a->envp) : r;
}

long execvpe_impl(const char *file, char *const argv[], char *const envp[])
{
	struct exec_args a = { argv, envp };
	return path_search(file, try_exec, &a);
}

/* execl* take their arguments inline: gather them into an argv. */
#define GATHER_ARGS(first, ap, argv, extra)                                    \
	size_t argc_ = 1;                                                      \
	va_start(ap, first);                                                   \
	while (va_arg(ap, char *))                                             \
		argc_++;                                                       \
	va_end(ap);                                                            \
	char *argv[argc_ + 1];                                                 \
	va_start(ap, first);                                                   \
	argv[0] = (char *)first;                                               \
	for (size_t i_ = 1; i_ <= argc_; i_++)                                 \
		argv[i_] = va_arg(ap, char *);                                 \
	extra;                                                                 \
	va_end(ap)

static int finish(long r, int saved)
{
	ue_leave();
	errno = r < 0 ? (int)-r : saved;
	return -1;
}

UE_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	GATHER_ARGS(arg, ap, argv, );
	int saved = errno;
	if (!ue_enter()) {
		ue_leave();
		return REAL(execv)(path, argv);
	}
	return finish(execve_impl(path, argv, environ), saved);
}

UE_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char **envp;
	GATHER_ARGS(arg, ap, argv, envp = va_arg(ap, char **));
	int saved = errno;
	if (!ue_enter()) {
		ue_leave();
		return REAL(execve)(path, argv, envp);
	}
	return finish(execve_impl(path, argv, envp), saved);
}

UE_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	GATHER_ARGS(arg, ap, argv, );
	int saved = errno;
	if (!ue_enter()) {
		ue_leave();
		return REAL(execvp)(file, argv);
	}
	return finish(execvpe_impl(file, argv, environ), saved);
}

struct spawn_args {
	pid_t *pid;
	const posix_spawn_file_actions_t *fa;
	const posix_spawnattr_t *attr;
	char *const *argv;
	char *const *envp;
};

/* posix_spawn reports errors as its return value, not in errno. */
static long try_spawn(const char *cand, void *arg)
{
	struct spawn_args *a = arg;
	struct ue_path p;
	int r = ue_resolve(AT_FDCWD, cand, UE_FOLLOW, &p);
	if (r < 0)
		return r;
	if (p.where == UE_UNION && !ue_node_exists(&p.node))
		return -ENOENT;
	char **env = ue_env_for_child(a->envp);
	int e = REAL(posix_spawn)(a->pid, ue_kpath(&p, cand), a->fa, a->attr, a->argv, env);
	ue_env_free(env, a->envp);
	return -(long)e;
}

UE_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                          const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	int saved = errno;
	if (!ue_enter()) {
		ue_leave();
		return REAL(posix_spawn)(pid, path, fa, attr, argv, envp);
	}
	struct spawn_args a = { pid, fa, attr, argv, envp };
	long r = try_spawn(path, &a);
	ue_leave();
	errno = saved;
	return (int)-r;
}

UE_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                           const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	int saved = errno;
	if (!ue_enter()) {
		ue_leave();
		return REAL(posix_spawnp)(pid, file, fa, attr, argv, envp);
	}
	struct spawn_args a = { pid, fa, attr, argv, envp };
	long r = path_search(file, try_spawn, &a);
	ue_leave();
	errno = saved;
	return (int)-r;
}

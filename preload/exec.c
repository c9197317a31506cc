/* Starting programs: the exec family and posix_spawn.  libc's execvp,
 * execlp and posix_spawn* call execve internally, where no wrapper sees it,
 * so the PATH search is done here, in union terms.  The child's environment
 * keeps LD_PRELOAD and the layer settings even when the program dropped them. */
#include "copyup.h"
#include "follow.h"
#include "calls.h"
#include "impl.h"
#include "fdnames.h"
#include "ops.h"
#include "procfd.h"
#include "shebang.h"

#include <limits.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* A #! script of the union is started here rather than by the kernel, for
 * two reasons: the kernel would pass the script's real path in a layer as
 * $0 (and scripts find their files by it), and it would look for an
 * interpreter that lives in the union in the real directories.  The argv
 * is the one the kernel builds: interpreter as written, its argument, the
 * script's path as given, the arguments.  Returns 1 when sb is filled
 * (sb->argv to be freed). */
struct shebang {
	char line[256];
	char real[PATH_MAX];
	char **argv;
};

static int shebang(const struct ue_path *p, const char *path, char *const argv[], struct shebang *sb)
{
	/* Not executable (or on a noexec mount): the kernel's own exec says so. */
	if (p->where != UE_UNION || !S_ISREG(p->node.type) || LIBC(faccessat)(AT_FDCWD, ue_kreal(p), X_OK, AT_EACCESS) < 0)
		return 0;
	int fd = (int)UE_ERR(LIBC(open)(ue_kreal(p), O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, sb->line, sizeof sb->line - 1);
	close(fd);
	if (n < 3 || sb->line[0] != '#' || sb->line[1] != '!')
		return 0;
	sb->line[n] = '\0';
	char *interp, *arg;
	if (!strchr(sb->line, '\n') || ue_shebang_parse(sb->line, &interp, &arg) < 0)
		return 0;
	struct ue_arg ip;
	if (ue_arg_resolve(&ip, AT_FDCWD, interp, FOLLOW, NOEMPTY, READS) < 0)
		return 0;  /* the kernel says what is wrong */
	const char *interp_real = ue_arg_kpath(&ip);
	if (strlen(interp_real) >= sizeof sb->real)
		return 0;
	size_t argc = 0;
	while (argv[argc])
		argc++;
	sb->argv = malloc((argc + 3) * sizeof *sb->argv);
	if (!sb->argv)
		return 0;
	size_t k = 0;
	sb->argv[k++] = interp;
	if (arg)
		sb->argv[k++] = arg;
	sb->argv[k++] = (char *)path;
	for (size_t i = 1; i <= argc; i++)
		sb->argv[k++] = argv[i];
	strcpy(sb->real, interp_real);
	return 1;
}

/* The real exec, outside the wrapper's depth: a vfork child runs on its
 * parent's thread-local storage, and an exec that succeeds never returns to
 * undo the depth, so every later wrapper of the parent would count as
 * nested (no cache, no rename followed).  For the same child the names of
 * fds are forgotten (core/fdnames.h) and the credentials asked again
 * (core/caller.h): its fds and its set*id calls were its own. */
#define EXEC_UNWRAPPED(call) ({ ue_fdname_clear(); ue_creds_changed(); ue_leave(); long r_ = (call); ue_enter(); r_; })

/* A child only the supervisor can follow (follow.h): the supervisor is
 * exec'd in its place; when that fails, the refusal it spared is made. */
static long exec_supervised(const char *supervisor, const char *real, const char *shown, char *const argv[],
                            char *const envp[])
{
	struct ue_handoff h;
	if (ue_handoff_build(&h, supervisor, real, argv, envp) < 0)
		return ue_exec_refuse_unsupervised(real, shown, envp);
	EXEC_UNWRAPPED(UE_ERR(LIBC(execve)(supervisor, h.argv, h.env)));
	ue_handoff_free(&h);
	return ue_exec_refuse_unsupervised(real, shown, envp);
}

/* A metadata-only copy-up (a root kernel's metacopy) holds no data: the
 * kernel runs the data below it.  Complete the copy-up first, so that the
 * program and its mode (a chmod +x made the metacopy) are the union's. */
static int exec_data_in_place(struct ue_path *p)
{
	if (p->where != UE_UNION || !p->node.data_layer)
		return 0;
	int r = ue_copy_up(p->rel, &p->node, 0);
	return r < 0 ? r : ue_path_refresh(p);
}

long execve_impl(struct ue_arg *P, char *const argv[], char *const envp[])
{
	struct ue_path *p = &P->p;
	const char *path = P->path;
	struct shebang sb;
	int r;
	if ((r = exec_data_in_place(p)) < 0)
		return r;
	char sup[PATH_MAX], real[PATH_MAX];
	if ((r = ue_exec_followable(ue_arg_kfd(P), ue_arg_kpath(P), 0, path, envp, sup, real, sizeof real)) < 0)
		return r;
	if (r == UE_EXEC_SUPERVISE)
		return exec_supervised(sup, real, path, argv, envp);
	char **env = ue_env_for_child(envp, p->where == UE_UNION);
	long e;
	if (shebang(p, path, argv, &sb)) {
		e = EXEC_UNWRAPPED(UE_ERR(LIBC(execve)(sb.real, sb.argv, env)));
		free(sb.argv);
	} else {
		e = EXEC_UNWRAPPED(UE_ERR(LIBC(execve)(ue_arg_kpath(P), argv, env)));
	}
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
	long r = ue_call_execve("/bin/sh", sh, envp);
	free(sh);
	return r;
}

/* Call fn on each candidate of file along PATH until one does not fail with
 * a "try the next" error. */
static long path_search_in(const char *file, const char *path, long (*fn)(const char *, void *), void *arg);

static long path_search(const char *file, long (*fn)(const char *, void *), void *arg)
{
	if (!*file)
		return -ENOENT;
	if (strchr(file, '/'))
		return fn(file, arg);
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	ue_exec_followable_search(1);
	long r = path_search_in(file, path, fn, arg);
	ue_exec_followable_search(0);
	return r;
}

static long path_search_in(const char *file, const char *path, long (*fn)(const char *, void *), void *arg)
{
	char cand[PATH_MAX];
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
	long r = ue_call_execve(cand, a->argv, a->envp);
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

UE_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	GATHER_ARGS(arg, ap, argv, );
	int saved = errno;
	if (!ue_enter()) {
		ue_leave();
		return LIBC(execv)(path, argv);
	}
	long r = ue_call_execve(path, argv, environ);
	ue_leave();
	return (int)ue_done(r, saved);
}

UE_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char **envp;
	GATHER_ARGS(arg, ap, argv, envp = va_arg(ap, char **));
	int saved = errno;
	if (!ue_enter()) {
		ue_leave();
		return LIBC(execve)(path, argv, envp);
	}
	long r = ue_call_execve(path, argv, envp);
	ue_leave();
	return (int)ue_done(r, saved);
}

UE_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	GATHER_ARGS(arg, ap, argv, );
	int saved = errno;
	if (!ue_enter()) {
		ue_leave();
		return LIBC(execvp)(file, argv);
	}
	long r = execvpe_impl(file, argv, environ);
	ue_leave();
	return (int)ue_done(r, saved);
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
	struct ue_arg P;
	int r = ue_arg_resolve(&P, AT_FDCWD, cand, FOLLOW, NOEMPTY, READS);
	if (r < 0 || (r = exec_data_in_place(&P.p)) < 0)
		return r;
	char sup[PATH_MAX], real[PATH_MAX];
	if ((r = ue_exec_followable(ue_arg_kfd(&P), ue_arg_kpath(&P), 0, cand, a->envp, sup, real, sizeof real)) < 0)
		return r;
	if (r == UE_EXEC_SUPERVISE) {
		/* posix_spawn says whether the exec worked: the supervisor
		 * in the child's place, else the refusal */
		struct ue_handoff h;
		if (ue_handoff_build(&h, sup, real, a->argv, a->envp) < 0)
			return ue_exec_refuse_unsupervised(real, cand, a->envp);
		int e = LIBC(posix_spawn)(a->pid, sup, a->fa, a->attr, h.argv, h.env);
		ue_handoff_free(&h);
		return e ? ue_exec_refuse_unsupervised(real, cand, a->envp) : 0;
	}
	char **env = ue_env_for_child(a->envp, P.p.where == UE_UNION);
	struct shebang sb;
	int e;
	if (shebang(&P.p, cand, a->argv, &sb)) {
		e = LIBC(posix_spawn)(a->pid, sb.real, a->fa, a->attr, sb.argv, env);
		free(sb.argv);
	} else {
		e = LIBC(posix_spawn)(a->pid, ue_arg_kpath(&P), a->fa, a->attr, a->argv, env);
	}
	ue_env_free(env, a->envp);
	return -(long)e;
}

UE_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                          const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	int saved = errno;
	if (!ue_enter()) {
		ue_leave();
		return LIBC(posix_spawn)(pid, path, fa, attr, argv, envp);
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
		return LIBC(posix_spawnp)(pid, file, fa, attr, argv, envp);
	}
	struct spawn_args a = { pid, fa, attr, argv, envp };
	long r = path_search(file, try_spawn, &a);
	ue_leave();
	errno = saved;
	return (int)-r;
}

long fexecve_impl(int fd, char *const argv[], char *const envp[])
{
	struct ue_path p;
	char shown[PATH_MAX];
	if (ue_fd_vpath(fd, shown, sizeof shown) < 0)
		ue_proc_fd(shown, sizeof shown, fd, NULL);
	char sup[PATH_MAX], real[PATH_MAX];
	long r = ue_exec_followable(fd, "", AT_EMPTY_PATH, shown, envp, sup, real, sizeof real);
	if (r == UE_EXEC_SUPERVISE)
		r = exec_supervised(sup, real, shown, argv, envp);
	if (r < 0)
		return r;
	char **env = ue_env_for_child(envp, ue_fd_union_path(fd, &p));
	r = EXEC_UNWRAPPED(UE_ERR(LIBC(fexecve)(fd, argv, env)));
	ue_env_free(env, envp);
	return r;
}

/* "" with AT_EMPTY_PATH: the fd's own program (P->fd), as fexecve. */
long execveat_impl(struct ue_arg *P, char *const argv[], char *const envp[], int fl)
{
	const char *path = P->path;
	int r;
	if ((r = exec_data_in_place(&P->p)) < 0)
		return r;
	char sup[PATH_MAX], real[PATH_MAX];
	if ((r = ue_exec_followable(ue_arg_kfd(P), ue_arg_kpath(P), ue_arg_kflags(P, fl), path, envp, sup, real,
	                            sizeof real)) < 0)
		return r;
	if (r == UE_EXEC_SUPERVISE)
		return exec_supervised(sup, real, path, argv, envp);
	char **env = ue_env_for_child(envp, P->p.where == UE_UNION);
	long e = EXEC_UNWRAPPED(UE_ERR(LIBC(execveat)(ue_arg_kfd(P), ue_arg_kpath(P), argv, env, ue_arg_kflags(P, fl))));
	ue_env_free(env, envp);
	return e;
}

/* system(3) and popen(3) start /bin/sh with the environment as it is; when
 * the program removed the union's settings from it, the shell gets them
 * back for the length of the call. */
static char **env_swap(void)
{
	char **env = ue_env_for_child(environ, 0);
	if (env == environ)
		return NULL;
	char **saved = environ;
	environ = env;
	return saved;
}

static void env_restore(char **saved)
{
	if (!saved)
		return;
	char **env = environ;
	environ = saved;
	ue_env_free(env, saved);
}

/* system(3) and popen(3) run /bin/sh inside libc, where no wrapper sees
 * the exec: the shell is judged here (the commands it runs, at its own
 * execs).  0, or -EACCES when it is refused. */
static int shell_followable(void)
{
	struct ue_arg P;
	if (ue_arg_resolve(&P, AT_FDCWD, "/bin/sh", FOLLOW, NOEMPTY, LOOKS) < 0)
		return 0;
	/* not handed to the supervisor: libc execs the shell itself, and says
	 * itself when there is none */
	int r = ue_exec_followable(ue_arg_kfd(&P), ue_arg_kpath(&P), 0, "/bin/sh", environ, NULL, NULL, 0);
	return r == -EACCES ? r : 0;
}

/* libc's own system and popen run outside the wrapper's depth, as an exec
 * does (EXEC_UNWRAPPED): the shell starts in a vfork child on this
 * thread's storage. */
#define UNWRAPPED(call) ({ ue_leave(); __typeof__(call) r_ = (call); ue_enter(); r_; })

long system_impl(const char *cmd)
{
	int refused = cmd ? shell_followable() : 0;
	if (refused < 0)
		return refused;
	char **saved = env_swap();
	long r = UNWRAPPED(UE_ERR(LIBC(system)(cmd)));
	env_restore(saved);
	return r;
}

FILE *popen_impl(const char *cmd, const char *mode)
{
	int refused = shell_followable();
	if (refused < 0)
		return ue_fail(refused);
	char **saved = env_swap();
	FILE *f = UNWRAPPED(UE_PASS_PTR(LIBC(popen)(cmd, mode)));
	env_restore(saved);
	return f;
}

/* The child of posix_spawn opens and changes directory with libc's
 * internals: the paths are translated when the action is added, and a file
 * the open would create is made now, so every cache hears of it. */
/* These return an error number, as posix_spawn does, never -1. */
long spawn_addopen_impl(posix_spawn_file_actions_t *fa, int fd, const char *path, int oflag, mode_t mode)
{
	struct ue_arg P;
	int r = ue_arg_resolve(&P, AT_FDCWD, path, NOFOLLOW_IF(oflag & O_NOFOLLOW), NOEMPTY, NAMES);
	if (r < 0)
		return -r;
	if (P.p.where == UE_UNION) {
		int flags = oflag;
		long created = ue_op_open_prepare(&P.p, &flags, mode);
		if (created < 0)
			return -created;
		if (created) {
			int tmp = (int)UE_ERR(LIBC(openat)(AT_FDCWD, ue_kreal(&P.p), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode));
			if (tmp < 0)
				return -tmp;
			close(tmp);
			ue_changed(P.p.rel, 0);
			flags &= ~(O_CREAT | O_EXCL);
		}
		oflag = flags;
	}
	return LIBC(posix_spawn_file_actions_addopen)(fa, fd, ue_arg_kpath(&P), oflag, mode);
}

long spawn_addchdir_impl(posix_spawn_file_actions_t *fa, const char *path)
{
	struct ue_arg P;
	int r = ue_arg_resolve(&P, AT_FDCWD, path, FOLLOW, NOEMPTY, READS);
	if (r < 0)
		return -r;
	return LIBC(posix_spawn_file_actions_addchdir_np)(fa, ue_arg_kpath(&P));
}

/* A fork child that execs (a shell's, make's) would otherwise look execve
 * up in libc itself, after the fork: dlsym's search and the pages it
 * touches, in every child.  Looked up once in the parent, before its
 * first fork, the child inherits the answer. */
static void exec_before_fork(void)
{
	(void)LIBC(execve);
}

__attribute__((constructor)) static void exec_register_fork_handler(void)
{
	pthread_atfork(exec_before_fork, NULL, NULL);
}

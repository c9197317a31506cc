/* unionenv-supervise: run COMMAND with every path system call of it and
 * its descendants served in the union (docs/design.md, "The supervisor").
 *
 *   unionenv-supervise [--exec PROGRAM] [--] COMMAND [ARG...]
 *
 * COMMAND is looked up in PATH as execvp does; with --exec, PROGRAM (a
 * path) is run with COMMAND ARG... as its argv (how the preload's exec
 * wrappers hand over a child they cannot follow: argv[0] as the program
 * was called, busybox's applets included).
 *
 * The layers come from the environment the launcher sets (UNIONENV_LOWER,
 * UNIONENV_UPPER, UNIONENV_MOUNT...).  This process forks: the child puts
 * the filter on itself, hands the listener over and execs COMMAND; this
 * one serves, and stays COMMAND's parent: its exit status is COMMAND's (a
 * signal that ended COMMAND ends it too: sigpass.c), and it ends when
 * the last filtered process ends.
 * Exit 126 with one line when the kernel cannot give the filter. */
#include "request.h"
#include "config.h"
#include "filter.h"
#include "jobstop.h"
#include "sigpass.h"
#include "loop.h"
#include "restart.h"
#include "resolve.h"
#include "shebang.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define EX_CANNOT 126
#define EX_NOTFOUND 127

static void die(int status, const char *what, const char *why)
{
	fprintf(stderr, "unionenv: %s%s%s\n", what, why ? ": " : "", why ? why : "");
	exit(status);
}

/* The library has no business in a supervised tree: every call is served
 * here, once (docs/design.md: one front end per process). */
static void drop_preload(void)
{
	const char *lib = getenv("UNIONENV_LIB"), *v = getenv("LD_PRELOAD");
	if (!lib || !v || !strstr(v, lib))
		return;
	char *out = malloc(strlen(v) + 1), *o = out;
	if (!out)
		return;
	for (const char *s = v; *s;) {
		size_t n = strcspn(s, " :");
		if (n && (n != strlen(lib) || strncmp(s, lib, n))) {
			if (o != out)
				*o++ = ' ';
			memcpy(o, s, n);
			o += n;
		}
		s += n;
		s += strspn(s, " :");
	}
	*o = '\0';
	if (*out)
		setenv("LD_PRELOAD", out, 1);
	else
		unsetenv("LD_PRELOAD");
	free(out);
}

static int send_fd(int sock, int fd, int err)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &err, sizeof err };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		m.msg_control = cbuf;
		m.msg_controllen = sizeof cbuf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	return sendmsg(sock, &m, 0) < 0 ? -errno : 0;
}

/* The listener, or -errno as the child reported it. */
static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	int err = -EIO, fd = -1;
	struct iovec iov = { &err, sizeof err };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) <= 0)
		return -EIO;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd >= 0 ? fd : err;
}

/* UNIONENV_SUPERVISE=preload: the whole tree is filtered and keeps the
 * preload, which serves the calls of the programs it follows and makes its
 * own from the gate's page, which the filter lets through (docs/design.md,
 * "The gate"); the supervisor serves the rest (raw calls, libc's own
 * opens, programs the preload cannot follow). */
static int keeps_preload(void)
{
	const char *v = getenv("UNIONENV_SUPERVISE");
	return v && !strcmp(v, "preload");
}

/* The library first in the command's LD_PRELOAD (the supervisor itself
 * runs without it: its own libc calls are its own). */
static void put_preload_back(void)
{
	const char *lib = getenv("UNIONENV_LIB"), *v = getenv("LD_PRELOAD");
	char *both;
	if (!lib || !*lib || (v && strstr(v, lib)))
		return;
	if (!v || !*v)
		setenv("LD_PRELOAD", lib, 1);
	else if (asprintf(&both, "%s %s", lib, v) >= 0)
		setenv("LD_PRELOAD", both, 1);
}

/* A #! script whose interpreter the union holds: the kernel opens the
 * interpreter itself, not through a system call the filter sees, so it
 * would look in the real directories.  Run the interpreter's real file
 * with the argv the kernel builds (the interpreter as written, its
 * argument, the script as named, the arguments): *argvp is then a new
 * array, and the interpreter's real path is returned; else NULL. */
static const char *interpreter_of(const char *real, const char *named, char ***argvp)
{
	static char line[256];
	static struct ue_path ip;
	char *interp, *arg, **cmd = *argvp;
	if (access(real, X_OK) < 0)
		return NULL;  /* the kernel's exec says why */
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, line, sizeof line - 1);
	close(fd);
	line[n > 0 ? n : 0] = '\0';
	if (ue_shebang_parse(line, &interp, &arg) < 0 || ue_resolve(AT_FDCWD, interp, UE_FOLLOW, &ip) < 0 ||
	    ip.where == UE_PASS || (ip.where == UE_UNION && !ue_node_exists(&ip.node)))
		return NULL;
	size_t argc = 0;
	while (cmd[argc])
		argc++;
	char **argv = malloc((argc + 3) * sizeof *argv);
	if (!argv)
		return NULL;
	size_t k = 0;
	argv[k++] = interp;
	if (arg)
		argv[k++] = arg;
	argv[k++] = (char *)named;
	for (size_t i = 1; i <= argc; i++)
		argv[k++] = cmd[i];
	*argvp = argv;
	return ip.real;
}

/* pgrep -f and pkill -f match a process by its command line, and the
 * program's words in ours had pkill -f signal the program twice: once
 * itself, once through us (sigpass.c).  The words after our name are
 * blanked where the exec put them, which is what /proc/PID/cmdline shows:
 * ps then shows unionenv-supervise alone. */
static void blank_command_line(int argc, char **argv)
{
	if (argc < 2)
		return;
	char *end = argv[argc - 1] + strlen(argv[argc - 1]);
	memset(argv[1], 0, (size_t)(end - argv[1]));
}

static _Noreturn void child(int sock, const char *exec_path, char **cmd, const sigset_t *old)
{
	/* A command named by a path in the union is run from the layer that
	 * holds it: the kernel could not reach a program only the upper holds
	 * by the union's name (argv[0] stays as given). */
	struct ue_path p;
	const char *program = exec_path ? exec_path : cmd[0];
	if (strchr(program, '/') && ue_resolve(AT_FDCWD, program, UE_FOLLOW, &p) == 0 && p.where != UE_PASS &&
	    (p.where == UE_OUTSIDE || ue_node_exists(&p.node)))
		program = p.real;
	/* and a script by its interpreter, where the union holds that */
	const char *interp = strchr(program, '/') ? interpreter_of(program, exec_path ? exec_path : cmd[0], &cmd) : NULL;
	pid_t supervisor = getppid();
	int fd = ue_filter_install(keeps_preload());
	send_fd(sock, fd, fd < 0 ? fd : 0);
	if (fd < 0)
		_exit(EX_CANNOT);
	/* The listener is the supervisor's alone: a filtered process holding
	 * it could answer its own calls. */
	close(fd);
	char ok;
	if (read(sock, &ok, 1) != 1)
		_exit(EX_CANNOT);
	close(sock);
	/* The supervisor killed (kill -9 of the pid the shell knows for a
	 * static child) takes the command with it, as that kill would have
	 * taken the program: left running, every call it made of the table
	 * failed ENOSYS, with no one to serve it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != supervisor)
		_exit(EX_CANNOT);
	sigprocmask(SIG_SETMASK, old, NULL);
	if (keeps_preload())
		put_preload_back();
	if (interp)
		execv(interp, cmd);
	else if (exec_path)
		execv(program, cmd);
	else
		execvp(program, cmd);
	int e = errno;
	fprintf(stderr, "unionenv: %s: %s\n", cmd[0], strerror(e));
	_exit(e == ENOENT ? EX_NOTFOUND : EX_CANNOT);
}

/* Collect the exits of the tree (the command's and the orphans'); the
 * command's status in *status.  -ECHILD when no child is left, else 0.
 * A stop of the command is followed (jobstop.c). */
static int collect(pid_t pid, int *status, int *child_done)
{
	int st, stop = 0;
	pid_t w;
	/* Not while a worker traces a thread of the tree to restart its
	 * call: its ptrace stop would be taken here (restart.h). */
	ue_restart_waits_lock();
	while ((w = waitpid(-1, &st, WNOHANG | WUNTRACED)) > 0)
		if (WIFSTOPPED(st)) {
			if (w == pid && !*child_done)
				stop = WSTOPSIG(st);
		} else if (w == pid) {
			*status = st;
			*child_done = 1;
		}
	int e = w < 0 ? -errno : 0;
	ue_restart_waits_unlock();
	/* Followed without the lock: the supervisor stops until continued. */
	if (stop)
		ue_sv_follow_stop(pid, stop);
	return e;
}

int main(int argc, char **argv)
{
	int i = 1;
	const char *exec_path = NULL;
	if (i + 1 < argc && !strcmp(argv[i], "--exec")) {
		exec_path = argv[i + 1];
		i += 2;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		die(125, "unionenv-supervise: no command given", NULL);
	if (!ue_config_active())
		die(125, "unionenv-supervise: no union in the environment (UNIONENV_LOWER, UNIONENV_UPPER)", NULL);
	drop_preload();
	/* Orphans of the tree come to us, not to init: they stay our
	 * descendants, whose memory we may read (Yama's ptrace_scope 1). */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	/* Signals arrive as events of the loop; SIGINT and SIGQUIT from the
	 * terminal reach the command itself (same process group), so here they
	 * are only waited out, as a shell waits for its job.  Those sent here
	 * by a process are the command's (sigpass.c). */
	sigset_t set, old;
	sigemptyset(&set);
	ue_sv_passed_signals(&set);
	sigaddset(&set, SIGCHLD);
	/* Blocked, so that jobstop.c sees whether it was continued. */
	sigaddset(&set, SIGCONT);
	sigprocmask(SIG_BLOCK, &set, &old);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die(EX_CANNOT, "cannot start the supervisor", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		die(EX_CANNOT, "cannot start the supervisor", strerror(errno));
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], exec_path, argv + i, &old);
	}
	close(sv[1]);
	int listener = recv_fd(sv[0]);
	if (listener < 0) {
		const char *why = ue_filter_strerror(listener);
		int st;
		waitpid(pid, &st, 0);
		fprintf(stderr, "unionenv: %s cannot be followed: %s\n", argv[i], why ? why : strerror(-listener));
		return EX_CANNOT;
	}
	/* A caller waits for each answer: wake the supervisor as a handoff
	 * (Linux 6.6; older kernels say EINVAL and wake it as any waiter). */
	ioctl(listener, SECCOMP_IOW(4, uint64_t) /* SECCOMP_IOCTL_NOTIF_SET_FLAGS */,
	      1UL /* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP */);
	if (write(sv[0], "", 1) != 1)
		die(EX_CANNOT, "cannot start the supervisor", strerror(errno));
	close(sv[0]);
	blank_command_line(argc, argv);

	/* The workers serve (loop.c); this thread waits for the end of the
	 * tree, its signals, and a worker's failure.  Where no worker can be
	 * started, it serves itself. */
	ue_caller_creds_init();
	int failed = ue_loop_start(listener, ue_loop_workers_wanted());
	int status = 0, child_done = 0, hup = 0;
	while (!(child_done && hup)) {
		/* A listener that said POLLHUP is polled no more: poll reports
		 * POLLHUP whatever is asked, so it would return at once, for
		 * ever, until the command's exit is collected.  With workers,
		 * only that is asked (a notification wakes no one here). */
		struct pollfd pf[3] = { { hup ? -1 : listener, failed >= 0 ? 0 : POLLIN, 0 },
			                { sfd, POLLIN, 0 },
			                { failed, POLLIN, 0 } };
		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		int reap = 0, r = 0;
		uint64_t count;
		if (pf[0].revents & POLLIN)
			r = ue_loop_serve_one(listener);
		else if ((pf[2].revents & POLLIN) && read(failed, &count, sizeof count) == sizeof count)
			r = ue_loop_failure();
		if (r != 0 && r != -ENOENT) {  /* ENOENT: the caller died meanwhile */
			fprintf(stderr, "unionenv: the supervisor's listener failed: %s\n", strerror(-r));
			if (!child_done)
				kill(pid, SIGKILL);
			hup = reap = 1;
		} else if (!(pf[0].revents & POLLIN) && (pf[0].revents & (POLLHUP | POLLERR))) {
			hup = reap = 1;  /* no filtered process is left */
		}
		if (pf[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			/* Once collected, the command's pid may be another's. */
			if (read(sfd, &si, sizeof si) == sizeof si && !child_done && ue_sv_passes((int)si.ssi_signo, si.ssi_code))
				ue_sv_pass(pid, &si);
			reap = 1;
		}
		if (reap && collect(pid, &status, &child_done) == -ECHILD && !child_done) {
			/* No child left, and the command's exit never seen here
			 * (restart.c takes care never to collect it): end rather
			 * than wait for ever. */
			fprintf(stderr, "unionenv: the command's exit status was lost\n");
			return EX_CANNOT;
		}
	}
	if (failed >= 0 && hup)
		ue_loop_finish();
	return ue_sv_end_as(status);
}

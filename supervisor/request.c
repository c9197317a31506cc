/* The caller of one request: its memory (process_vm_readv/writev, checked
 * against NOTIF_ID_VALID), its current directory and directory fds in
 * union terms, its fds (pidfd_getfd), its credentials. */
#include "request.h"
#include "layerpath.h"
#include "path.h"
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

static int fd_vpath(const struct ue_caller *c, int fd, char *out, size_t size);

void ue_req_init(struct ue_req *q, int listener, const struct seccomp_notif *n)
{
	q->listener = listener;
	q->n = n;
	q->tid = (pid_t)n->pid;
	q->tgid = 0;
	q->umask = 0;
	q->have_status = 0;
	q->pidfd = -1;
	q->have_creds = 0;
	q->who = (struct ue_caller){ .fd_vpath = fd_vpath, .ctx = q, .paths_read = 1 };
	q->vcwd[0] = '\0';
}

void ue_req_done(struct ue_req *q)
{
	if (q->pidfd >= 0)
		close(q->pidfd);
	q->pidfd = -1;
}

int ue_caller_valid(const struct ue_req *q)
{
	uint64_t id = q->n->id;
	return ioctl(q->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

int ue_caller_read(const struct ue_req *q, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	if (len == 0)
		return 0;
	ssize_t r = process_vm_readv(q->tid, &local, 1, &remote, 1, 0);
	return r == (ssize_t)len ? 0 : -EFAULT;
}

int ue_caller_write(const struct ue_req *q, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len }, remote = { (void *)(uintptr_t)addr, len };
	if (len == 0)
		return 0;
	ssize_t r = process_vm_writev(q->tid, &local, 1, &remote, 1, 0);
	return r == (ssize_t)len ? 0 : -EFAULT;
}

/* Page by page: a string may end just before an unmapped page. */
long ue_caller_string(const struct ue_req *q, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;
	if (!addr)
		return -EFAULT;
	while (got < size) {
		size_t page = 4096 - ((addr + got) & 4095), want = size - got < page ? size - got : page;
		struct iovec local = { buf + got, want }, remote = { (void *)(uintptr_t)(addr + got), want };
		ssize_t r = process_vm_readv(q->tid, &local, 1, &remote, 1, 0);
		if (r <= 0)
			return -EFAULT;
		char *nul = memchr(buf + got, '\0', (size_t)r);
		if (nul)
			return nul - buf;
		got += (size_t)r;
	}
	return -ENAMETOOLONG;
}

/* The fields of /proc/TID/status the supervisor needs, read once. */
int ue_caller_status(struct ue_req *q, uid_t fs_ids[2], gid_t *groups, int *ngroups)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", q->tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	for (char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned a, b, c, d;
		if (sscanf(line, "Umask: %o", &a) == 1)
			q->umask = (mode_t)a;
		else if (sscanf(line, "Tgid: %u", &a) == 1)
			q->tgid = (pid_t)a;
		else if (fs_ids && sscanf(line, "Uid: %u %u %u %u", &a, &b, &c, &d) == 4)
			fs_ids[0] = d;
		else if (fs_ids && sscanf(line, "Gid: %u %u %u %u", &a, &b, &c, &d) == 4)
			fs_ids[1] = d;
		else if (groups && !strncmp(line, "Groups:", 7)) {
			char *s = line + 7, *e;
			*ngroups = 0;
			while (*ngroups < UE_REQ_MAX_GROUPS) {
				unsigned long g = strtoul(s, &e, 10);
				if (e == s)
					break;
				groups[(*ngroups)++] = (gid_t)g;
				s = e;
			}
		}
	}
	q->have_status = 1;
	return 0;
}

pid_t ue_caller_tgid(struct ue_req *q)
{
	if (!q->have_status)
		ue_caller_status(q, NULL, NULL, NULL);
	return q->tgid;
}

int ue_caller_fd(struct ue_req *q, int fd)
{
	if (q->pidfd < 0) {
		q->pidfd = (int)syscall(SYS_pidfd_open, q->tid, PIDFD_THREAD);
		if (q->pidfd < 0)
			return -errno;
	}
	int r = (int)syscall(SYS_pidfd_getfd, q->pidfd, fd, 0);
	return r < 0 ? (errno == EBADF ? -EBADF : -errno) : r;
}

/* A link of the caller's in /proc, read as the supervisor: a caller that
 * dropped from root is not dumpable, and its links there are root's
 * alone; read as that caller (the credentials a worker keeps from the
 * call before), the name of a directory fd failed EACCES (pjdfstest's
 * utimensat/07.t, now and then). */
static ssize_t proc_readlink(const char *path, char *buf, size_t size)
{
	ue_sv_as_self(1);
	ssize_t n = readlink(path, buf, size);
	int e = errno;
	ue_sv_as_self(0);
	errno = e;
	return n;
}

int ue_caller_fd_in_layer(struct ue_req *q, int fd)
{
	char link[64], real[UE_PATH_MAX];
	snprintf(link, sizeof link, "/proc/%d/fd/%d", q->tid, fd);
	ssize_t n = proc_readlink(link, real, sizeof real - 1);
	if (n <= 0)
		return 0;
	real[n] = '\0';
	return real[0] == '/' && ue_layer_of(real) >= 0;
}

/* The union's name of what /proc/TID/<link> points at; *in_layer when that
 * is a real path in a layer (the kernel's name differs from the union's). */
static int proc_link(struct ue_req *q, const char *link, char *out, size_t size, int *in_layer)
{
	char path[64], real[UE_PATH_MAX];
	snprintf(path, sizeof path, "/proc/%d/%s", q->tid, link);
	ssize_t n = proc_readlink(path, real, sizeof real - 1);
	if (n < 0)
		return errno == ENOENT ? -EBADF : -errno;
	real[n] = '\0';
	if (real[0] != '/')
		return -ENOTDIR;  /* a pipe, a socket: not a directory */
	if (in_layer)
		*in_layer = ue_layer_of(real) >= 0;
	return ue_unreal(out, size, real);
}

int ue_caller_cwd(struct ue_req *q, char *out, size_t size)
{
	return proc_link(q, "cwd", out, size, NULL);
}

/* A run of digits at s followed by end: the end, else NULL. */
static const char *digits_then(const char *s, char end)
{
	const char *d = s;
	while (*d >= '0' && *d <= '9')
		d++;
	return d > s && *d == end ? d : NULL;
}

int ue_caller_own_proc(struct ue_req *q, const char *abs)
{
	char base[32];
	/* Before the pid: it may cost a read of /proc/TID/status, on every
	 * served stat. */
	if (strncmp(abs, "/proc/", 6))
		return 0;
	int n = snprintf(base, sizeof base, "/proc/%d/", ue_caller_tgid(q) ? ue_caller_tgid(q) : q->tid);
	if (strncmp(abs, base, (size_t)n))
		return 0;
	/* The link itself, and nothing past it: "/proc/PID/../1/cwd" or
	 * "/proc/PID/cwd/dir/x" would be read as the supervisor too. */
	const char *rest = abs + n, *t;
	if (!strncmp(rest, "task/", 5) && (t = digits_then(rest + 5, '/')))
		rest = t + 1;
	if (!strncmp(rest, "fd/", 3))
		return digits_then(rest + 3, '\0') != NULL;
	return *rest && !strchr(rest, '/') && strcmp(rest, ".") && strcmp(rest, "..");
}

/* /proc/self and /proc/thread-self name the supervisor here: make them the
 * caller's.  1 when path was rewritten into out. */
static int proc_self(struct ue_req *q, const char *path, char *out, size_t size)
{
	const char *rest;
	char base[64];
	if (strncmp(path, "/proc/", 6))
		return 0;
	if (!strncmp(path + 6, "self", 4) && (path[10] == '/' || !path[10])) {
		rest = path + 10;
		snprintf(base, sizeof base, "/proc/%d", ue_caller_tgid(q) ? ue_caller_tgid(q) : q->tid);
	} else if (!strncmp(path + 6, "thread-self", 11) && (path[17] == '/' || !path[17])) {
		rest = path + 17;
		snprintf(base, sizeof base, "/proc/%d/task/%d", ue_caller_tgid(q) ? ue_caller_tgid(q) : q->tid, q->tid);
	} else {
		return 0;
	}
	if (strlen(base) + strlen(rest) + 1 > size)
		return -ENAMETOOLONG;
	strcpy(out, base);
	strcat(out, rest);
	return 1;
}

int ue_caller_abs(struct ue_req *q, int dirfd, const char *path, char *out, size_t size, int *native)
{
	char base[UE_PATH_MAX], fdlink[32];
	int in_layer = 0, r;
	*native = 0;
	if (path[0] == '/') {
		if ((r = proc_self(q, path, out, size)) != 0)
			return r < 0 ? r : 0;
		if (strlen(path) + 1 > size)
			return -ENAMETOOLONG;
		strcpy(out, path);
		*native = 1;
		return 0;
	}
	if (dirfd == AT_FDCWD) {
		/* Kept as core/ takes it: what resolves relative to the caller's
		 * directory in this request starts there. */
		if ((r = proc_link(q, "cwd", base, sizeof base, &in_layer)) == 0 && strlen(base) < sizeof q->vcwd) {
			strcpy(q->vcwd, base);
			q->who.cwd = q->vcwd;
		}
	} else {
		snprintf(fdlink, sizeof fdlink, "fd/%d", dirfd);
		r = proc_link(q, fdlink, base, sizeof base, &in_layer);
	}
	if (r < 0)
		return r;
	*native = !in_layer;
	if ((r = ue_path_join(out, size, base, path)) < 0)
		return r;
	return proc_self(q, out, out, size) < 0 ? -ENAMETOOLONG : 0;
}

/* The caller's fds for core/ (struct ue_caller's fd_vpath): the union's
 * name of what /proc/TID/fd/N is open on. */
static int fd_vpath(const struct ue_caller *c, int fd, char *out, size_t size)
{
	char link[32];
	snprintf(link, sizeof link, "fd/%d", fd);
	return proc_link(c->ctx, link, out, size, NULL);
}

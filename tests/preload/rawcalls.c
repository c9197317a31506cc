/* rawcalls DIR [--io-uring]: everyday file work in DIR made only with
 * glibc's syscall(), as node's libuv makes its statx (issue 11): append to
 * a file, stat it (statx, newfstatat), mkdir twice, create, list
 * (getdents64), rename, unlink, symlink and readlink, chmod, access,
 * chdir and getcwd.  One line per step, names relative to DIR, so the
 * output in a union and on the kernel's overlayfs can be compared.
 * With --io-uring: only whether io_uring_setup is refused (ENOSYS). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void result(const char *step, long r)
{
	if (r < 0)
		printf("%s: %s\n", step, strerror(errno));
	else
		printf("%s: %ld\n", step, r);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir)
{
	char buf[8192], *names[256];
	int n = 0, fd = (int)syscall(SYS_openat, AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		result("list", -1);
		return;
	}
	long len;
	while ((len = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
		for (long at = 0; at < len;) {
			unsigned short reclen = *(unsigned short *)(buf + at + 16);
			char *name = buf + at + 19;
			if (strcmp(name, ".") && strcmp(name, "..") && n < 256)
				names[n++] = strdup(name);
			at += reclen;
		}
	syscall(SYS_close, fd);
	qsort(names, (size_t)n, sizeof *names, cmp);
	printf("list %s:", dir);
	for (int i = 0; i < n; i++)
		printf(" %s", names[i]), free(names[i]);
	printf("\n");
}

static long size_of(const char *path)
{
	struct statx stx;
	long r = syscall(SYS_statx, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_SIZE, &stx);
	return r < 0 ? r : (long)stx.stx_size;
}

int main(int argc, char **argv)
{
	if (argc < 2 || syscall(SYS_chdir, argv[1]) < 0) {
		perror("chdir");
		return 2;
	}
	if (argc > 2 && !strcmp(argv[2], "--io-uring")) {
		struct io_uring_params p;
		memset(&p, 0, sizeof p);
		long fd = syscall(SYS_io_uring_setup, 4, &p);
		printf("io_uring_setup: %s\n", fd < 0 ? strerror(errno) : "an io_uring");
		return 0;
	}
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "d/sub/fb", O_WRONLY | O_APPEND | O_CLOEXEC);
	result("append", fd < 0 ? -1 : syscall(SYS_write, fd, "more\n", 5));
	syscall(SYS_close, fd);
	result("statx size", size_of("d/sub/fb"));
	struct stat st;
	result("newfstatat size", syscall(SYS_newfstatat, AT_FDCWD, "d/sub/fb", &st, 0) < 0 ? -1 : (long)st.st_size);
	result("mkdir", syscall(SYS_mkdirat, AT_FDCWD, "nd", 0755));
	result("mkdir again", syscall(SYS_mkdirat, AT_FDCWD, "nd", 0755));
	result("statx of the new directory", syscall(SYS_statx, AT_FDCWD, "nd", 0, STATX_TYPE, &(struct statx){ 0 }));
	fd = (int)syscall(SYS_open, "newfile", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	result("create", fd < 0 ? -1 : syscall(SYS_write, fd, "x", 1));
	syscall(SYS_close, fd);
	result("statx of the new file", size_of("newfile"));
	list(".");
	list("d");
	result("rename", syscall(SYS_renameat2, AT_FDCWD, "newfile", AT_FDCWD, "nd/moved", 0));
	result("unlink a lower's file", syscall(SYS_unlinkat, AT_FDCWD, "d/fa", 0));
	result("access after unlink", syscall(SYS_faccessat, AT_FDCWD, "d/fa", F_OK));
	result("rmdir of a lower's tree", syscall(SYS_unlinkat, AT_FDCWD, "gone/deep/x", 0) < 0
	                                    ? -1 : syscall(SYS_rmdir, "gone/deep"));
	result("symlink", syscall(SYS_symlinkat, "moved", AT_FDCWD, "nd/link"));
	char target[64] = "";
	long n = syscall(SYS_readlinkat, AT_FDCWD, "nd/link", target, sizeof target - 1);
	printf("readlink: %s\n", n < 0 ? strerror(errno) : target);
	result("chmod", syscall(SYS_fchmodat, AT_FDCWD, "file", 0600));
	result("mode", syscall(SYS_stat, "file", &st) < 0 ? -1 : (long)(st.st_mode & 07777));
	list("nd");
	list("gone");
	char cwd[4096];
	result("chdir", syscall(SYS_chdir, "nd"));
	long len = syscall(SYS_getcwd, cwd, sizeof cwd);
	printf("getcwd: %s\n", len < 0 ? strerror(errno) : strrchr(cwd, '/'));
	result("statx relative to the new cwd", size_of("moved"));
	return 0;
}

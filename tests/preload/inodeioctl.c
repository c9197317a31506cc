/* inodeioctl FILE flags|raw|xflags: through a read-only fd of FILE, add
 * nodump with FS_IOC_SETFLAGS (chattr's ioctl; "raw": made through
 * syscall()) or noatime with FS_IOC_FSSETXATTR, then say whether FILE has
 * it, through the same fd and through a new one
 * (tests/scenarios/inode-ioctl.sh: the union prints what the kernel's
 * overlayfs prints; the lower keeps its flags). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *has(int fd)
{
	int f = 0;
	if (ioctl(fd, FS_IOC_GETFLAGS, &f) < 0)
		return strerror(errno);
	return f & (FS_NODUMP_FL | FS_NOATIME_FL) ? "set" : "unset";
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: inodeioctl FILE flags|raw|xflags\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY), r;
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (strcmp(argv[2], "xflags")) {
		int f = 0;
		if (ioctl(fd, FS_IOC_GETFLAGS, &f) < 0) {
			perror("FS_IOC_GETFLAGS");
			return 1;
		}
		f |= FS_NODUMP_FL;
		r = strcmp(argv[2], "raw") ? ioctl(fd, FS_IOC_SETFLAGS, &f) : (int)syscall(SYS_ioctl, fd, FS_IOC_SETFLAGS, &f);
	} else {
		struct fsxattr x;
		if (ioctl(fd, FS_IOC_FSGETXATTR, &x) < 0) {
			perror("FS_IOC_FSGETXATTR");
			return 1;
		}
		x.fsx_xflags |= FS_XFLAG_NOATIME;
		r = ioctl(fd, FS_IOC_FSSETXATTR, &x);
	}
	printf("%s, through the same fd: %s", r < 0 ? strerror(errno) : "done", has(fd));
	close(fd);
	fd = open(argv[1], O_RDONLY);
	printf(", through a new fd: %s\n", fd < 0 ? strerror(errno) : has(fd));
	return 0;
}

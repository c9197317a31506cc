/* inlinesys FILE: append "inline\n" to FILE and print its size, with
 * `syscall` instructions of its own (no libc function, not even
 * syscall()): what no preload can see, and only a seccomp filter follows
 * (the whole tree supervised). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static long raw(long nr, long a, long b, long c, long d)
{
	long r;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(r) : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return r;
}

int main(int argc, char **argv)
{
	struct stat st;
	if (argc < 2)
		return 2;
	long fd = raw(SYS_openat, AT_FDCWD, (long)argv[1], O_WRONLY | O_APPEND | O_CLOEXEC, 0);
	if (fd < 0 || raw(SYS_write, fd, (long)"inline\n", 7, 0) != 7) {
		printf("open or write: %ld\n", fd);
		return 1;
	}
	raw(SYS_close, fd, 0, 0, 0);
	long r = raw(SYS_newfstatat, AT_FDCWD, (long)argv[1], (long)&st, 0);
	printf("%ld\n", r < 0 ? r : (long)st.st_size);
	return 0;
}

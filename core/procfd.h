/* The name of an open fd in /proc/self/fd (issue 10): the kernel's way to
 * hand a path-taking call (l*xattr, linkat of an O_TMPFILE, readlink of
 * what an fd is open on) the very file an fd holds.  Spelled here once
 * for core/, preload/, the supervisor and the tools
 * (tests/scenarios/source-rules.sh holds them to it).  Inline, formatted
 * by hand: it is called in a wrapper, a vfork child or a signal handler,
 * and links nothing. */
#ifndef UE_PROCFD_H
#define UE_PROCFD_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define UE_PROC_FD "/proc/self/fd/"
/* Room for "/proc/self/fd/" and any fd, with "/." after it. */
#define UE_PROC_FD_SIZE 32

/* "/proc/self/fd/FD" in buf, or "/proc/self/fd/FD/NAME" when name is not
 * NULL.  Its length, or -ENAMETOOLONG when it does not fit (buf then
 * holds ""). */
static inline int ue_proc_fd(char *buf, size_t size, long fd, const char *name)
{
	char digits[24];
	size_t nd = 0, nl = name ? strlen(name) + 1 : 0;
	unsigned long v = fd < 0 ? -(unsigned long)fd : (unsigned long)fd;
	do
		digits[nd++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (fd < 0)
		digits[nd++] = '-';
	size_t len = sizeof UE_PROC_FD - 1 + nd + nl;
	if (len + 1 > size) {
		if (size)
			buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	char *p = buf;
	memcpy(p, UE_PROC_FD, sizeof UE_PROC_FD - 1);
	p += sizeof UE_PROC_FD - 1;
	while (nd)
		*p++ = digits[--nd];
	if (name) {
		*p++ = '/';
		memcpy(p, name, nl);   /* with its NUL */
	} else {
		*p = '\0';
	}
	return (int)len;
}

/* Does real, the n bytes a readlink of /proc/self/fd/N gave, name a file
 * removed from its directory (or an O_TMPFILE, never given one): the
 * kernel's " (deleted)" after the name? */
static inline int ue_proc_fd_deleted(const char *real, size_t n)
{
	static const char deleted[] = " (deleted)";
	return n >= sizeof deleted - 1 && !memcmp(real + n - (sizeof deleted - 1), deleted, sizeof deleted - 1);
}

#endif

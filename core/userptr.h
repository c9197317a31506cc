/* Pointers a program hands in: the kernel answers EFAULT for a path it
 * cannot read, where reading it here would crash the program. */
#ifndef UE_USERPTR_H
#define UE_USERPTR_H

#include <stdint.h>
#include <string.h>

#define UE_SEEN_PAGES 64   /* a power of two */

/* Per thread: pages seen readable, each in the slot its page number picks
 * (0 = empty): core/userptr.c.  Initial-exec TLS: the library is loaded at
 * start-up (LD_PRELOAD), and a dynamic TLS lookup would cost more than the
 * check itself. */
extern __thread uintptr_t ue_seen_pages[UE_SEEN_PAGES] __attribute__((tls_model("initial-exec")));

#define UE_SEEN_SLOT(page) (((page) >> 12) & (UE_SEEN_PAGES - 1))

long ue_user_path_slow(const char *s);

/* The length of the NUL-terminated string at s when it can be read,
 * -EFAULT when it cannot (NULL, unmapped, not readable), -ENAMETOOLONG
 * when it has no NUL within PATH_MAX bytes: the kernel's getname, in that
 * order.  The common case, a string within a page seen before, is a
 * compare and a memchr. */
static inline long ue_user_path(const char *s)
{
	uintptr_t at = (uintptr_t)s, page = at & ~(uintptr_t)4095;
	if (__builtin_expect(at >= 4096 && ue_seen_pages[UE_SEEN_SLOT(page)] == page, 1)) {
		const char *nul = memchr(s, '\0', page + 4096 - at);
		if (nul)
			return nul - s;
	}
	return ue_user_path_slow(s);
}

#endif

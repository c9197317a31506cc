/* Checking a program's path pointer before the pipeline reads it.
 *
 * The kernel copies a path with copy_from_user and answers EFAULT for a bad
 * pointer; the library reads the string itself, and a bad pointer would
 * crash the program inside a wrapper (SIGSEGV in ue_resolve).  Asking the
 * kernel on every call would add a system call to every wrapper, so each
 * thread remembers 64 pages it has seen to be readable, each in the slot
 * its page number picks: a path on the stack, in the program's data or in
 * a heap buffer used again costs a compare (inline in userptr.h; a signal
 * handler that interrupts an update at worst forgets a page).  Only the
 * first sight of a page asks the kernel, with process_vm_readv of a byte
 * of it and of the pages after it from our own memory (no side effect, and
 * allowed on oneself).  A page
 * stays remembered until another takes its slot: a program that unmaps
 * memory and then hands a pointer into it to a path call (a use after
 * free, which the kernel would answer EFAULT) is not protected. */
#include "userptr.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include "gate.h"
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096u

__thread uintptr_t ue_seen_pages[UE_SEEN_PAGES] __attribute__((tls_model("initial-exec")));

/* Pages asked about at once: the page wanted and the ones after it (a
 * string on the heap or the stack has neighbours the program will use
 * next), each one byte in its own element, so that the kernel's answer
 * (it stops at the first element it cannot read) says how many of them
 * can be read. */
#define ASK_PAGES 16

static int page_readable(uintptr_t page)
{
	if (ue_seen_pages[UE_SEEN_SLOT(page)] == page)
		return 1;
	char bytes[ASK_PAGES];
	struct iovec local = { bytes, ASK_PAGES }, remote[ASK_PAGES];
	for (int i = 0; i < ASK_PAGES; i++)
		remote[i] = (struct iovec){ (void *)(page + (uintptr_t)i * PAGE), 1 };
	long n = UE_SYSCALL(SYS_process_vm_readv, UE_SYSCALL(SYS_getpid), &local, 1UL, remote, (unsigned long)ASK_PAGES, 0UL);
	if (n < 0)
		/* Without process_vm_readv (a seccomp filter, ENOSYS), the
		 * pointer is believed, as before; only EFAULT is an answer. */
		return n != -EFAULT;
	for (long i = 0; i < n; i++)
		ue_seen_pages[UE_SEEN_SLOT(page + (uintptr_t)i * PAGE)] = page + (uintptr_t)i * PAGE;
	return n > 0;
}

long ue_user_path_slow(const char *s)
{
	uintptr_t at = (uintptr_t)s;
	if (at < PAGE)
		return -EFAULT;
	for (;;) {
		uintptr_t page = at & ~(uintptr_t)(PAGE - 1);
		if (!page_readable(page))
			return -EFAULT;
		size_t avail = page + PAGE - at;
		const char *nul = memchr((const void *)at, '\0', avail);
		if (nul)
			return nul - s;
		if (at + avail - (uintptr_t)s >= PATH_MAX)
			return -ENAMETOOLONG;
		at = page + PAGE;
	}
}

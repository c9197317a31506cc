/* core/userptr.c: a path pointer checked as the kernel's getname checks
 * it: its length, EFAULT for memory that cannot be read (never a crash),
 * ENAMETOOLONG without a NUL within PATH_MAX. */
#include "userptr.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>

void test_userptr(void)
{
	is_int(ue_user_path("abc"), 3, "user_path: a string's length");
	is_int(ue_user_path(""), 0, "user_path: the empty string");
	is_int(ue_user_path(NULL), -EFAULT, "user_path: NULL: EFAULT");
	is_int(ue_user_path((const char *)100), -EFAULT, "user_path: the first page: EFAULT");
	long pg = 4096;
	char *m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		ok(0, "user_path: mmap");
		return;
	}
	/* a string that runs up to a page the program cannot read */
	mprotect(m + pg, pg, PROT_NONE);
	memset(m, 'a', pg);
	is_int(ue_user_path(m + pg - 10), -EFAULT, "user_path: no NUL before an unreadable page: EFAULT");
	m[pg - 1] = '\0';
	is_int(ue_user_path(m + pg - 10), 9, "user_path: a NUL at the page's end");
	is_int(ue_user_path(m + pg), -EFAULT, "user_path: in the unreadable page: EFAULT");
	munmap(m + 2 * pg, pg);
	is_int(ue_user_path(m + 2 * pg), -EFAULT, "user_path: unmapped: EFAULT");
	munmap(m, 2 * pg);

	char *big = mmap(NULL, 2 * PATH_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(big, 'x', 2 * PATH_MAX);
	is_int(ue_user_path(big), -ENAMETOOLONG, "user_path: no NUL within PATH_MAX: ENAMETOOLONG");
	big[PATH_MAX - 1] = '\0';
	is_int(ue_user_path(big), PATH_MAX - 1, "user_path: PATH_MAX - 1 bytes and the NUL");
	big[PATH_MAX - 1] = 'x';
	big[PATH_MAX] = '\0';
	is_int(ue_user_path(big), -ENAMETOOLONG, "user_path: PATH_MAX bytes before the NUL: ENAMETOOLONG");
	munmap(big, 2 * PATH_MAX);
}

/* core/longpath.c through core/sys.h: a real path longer than PATH_MAX
 * reaches the kernel as a directory fd and the rest, with the errors the
 * kernel's own walk would give. */
#include "path.h"
#include "sys.h"
#include "tap.h"
#include "tests.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

/* root/ddd.../ddd.../... (100-byte names) until the path passes len. */
static size_t deep_chain(char *path, size_t size, const char *root, size_t len)
{
	char comp[101];
	memset(comp, 'd', 100);
	comp[100] = '\0';
	size_t n = (size_t)snprintf(path, size, "%s", root);
	while (n < len && n + 102 < size) {
		n += (size_t)snprintf(path + n, size - n, "/%s", comp);
		if (sys_mkdirat(AT_FDCWD, path, 0755) < 0)
			return 0;
	}
	return n;
}

void test_longpath(void)
{
	char root[] = "/tmp/ue-longpath-XXXXXX", path[UE_PATH_MAX], other[UE_PATH_MAX];
	struct stat st;
	if (!mkdtemp(root)) {
		ok(0, "longpath: mkdtemp");
		return;
	}
	size_t n = deep_chain(path, sizeof path, root, PATH_MAX + 300);
	ok(n > PATH_MAX, "longpath: a chain of %zu bytes made through directory fds", n);
	is_int(ue_path_long(path), 1, "longpath: it is long");
	is_int(ue_path_long(root), 0, "longpath: the root is not");

	snprintf(path + n, sizeof path - n, "/file");
	int fd = sys_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ok(fd >= 0, "longpath: openat creates at the end (%d)", fd);
	if (fd >= 0)
		sys_close(fd);
	is_int(sys_fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW), 0, "longpath: fstatat finds it");
	is_int(sys_fchmodat(AT_FDCWD, path, 0600), 0, "longpath: fchmodat");
	is_int(sys_lstat(path, &st) == 0 && (st.st_mode & 07777) == 0600, 1, "longpath: the mode changed");
	long x = sys_lsetxattr(path, "user.t", "v", 1, 0);
	ok(x == 0 || x == -ENOTSUP || x == -EPERM, "longpath: lsetxattr goes through /proc/self/fd (%ld)", x);
	if (x == 0)
		is_int((int)sys_lgetxattr(path, "user.t", NULL, 0), 1, "longpath: lgetxattr reads it back");
	else
		ok(1, "longpath: lgetxattr (no user xattrs here)");
	memcpy(other, path, n);
	snprintf(other + n, sizeof other - n, "/moved");
	is_int(sys_renameat2(AT_FDCWD, path, AT_FDCWD, other, 0), 0, "longpath: renameat2 with both names long");
	is_int(sys_linkat(AT_FDCWD, other, AT_FDCWD, path, 0), 0, "longpath: linkat with both names long");
	is_int(sys_unlinkat(AT_FDCWD, path, 0), 0, "longpath: unlinkat");

	/* The kernel's errors, from the component that has one. */
	char *mid = path + strlen(root) + 1 + 101 * 41;  /* past PATH_MAX - 64: in the rest */
	char saved = *mid;
	*mid = 'X';
	is_int(sys_fstatat(AT_FDCWD, path, &st, 0), -ENOENT, "longpath: a missing component in the rest: ENOENT");
	*mid = saved;
	mid = path + strlen(root) + 1 + 101 * 5;  /* in the first run the walk opens */
	saved = *mid;
	*mid = 'X';
	is_int(sys_fstatat(AT_FDCWD, path, &st, 0), -ENOENT, "longpath: a missing component in the walk: ENOENT");
	*mid = saved;
	snprintf(path + n, sizeof path - n, "/moved/x");
	is_int(sys_fstatat(AT_FDCWD, path, &st, 0), -ENOTDIR, "longpath: a file in the middle: ENOTDIR");

	/* A symlink in the middle is followed, as the kernel's walk does. */
	char link[PATH_MAX];
	snprintf(link, sizeof link, "%s/l", root);
	memcpy(other, path, strlen(root) + 1 + 100);
	other[strlen(root) + 1 + 100] = '\0';
	is_int(sys_symlinkat(other, AT_FDCWD, link), 0, "longpath: a symlink to the chain's first level");
	snprintf(other, sizeof other, "%s/l%s", root, path + strlen(root) + 1 + 100);
	snprintf(other + strlen(other) - 2, 3, "%s", "");  /* drop "/x": the file itself */
	ok(ue_path_long(other) && sys_fstatat(AT_FDCWD, other, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode),
	   "longpath: a symlink in the middle is followed");

	/* The preload's form: a name any call takes, held until released. */
	int err = 0;
	const char *name = ue_long_name(other, &err);
	ok(name && strlen(name) < PATH_MAX && !strncmp(name, "/proc/self/fd/", 14), "longpath: ue_long_name: %s", name ? "short" : "NULL");
	is_int(ue_long_held, 1, "longpath: one fd held");
	ok(name && stat(name, &st) == 0 && S_ISREG(st.st_mode), "longpath: libc's stat takes it");
	ue_long_release();
	is_int(ue_long_held, 0, "longpath: released");

	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	ok(system(cmd) == 0, "longpath: clean up");
}

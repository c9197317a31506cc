/* core/caller.c: core/ answers for the caller it is given (its current
 * directory, its fds, its credentials), not for this process. */
#include "fixture.h"
#include "lookup.h"
#include "override.h"
#include "perm.h"
#include "resolve.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A caller's fd 42 is open on the union's a/b; every other is unknown. */
static int fake_fd_vpath(const struct ue_caller *c, int fd, char *out, size_t size)
{
	(void)c;
	if (fd != 42)
		return -EBADF;
	return snprintf(out, size, "%s/a/b", fx_mount()) < (int)size ? 0 : -ENAMETOOLONG;
}

static void paths_of_another(void)
{
	static const char *const t[] = { "L1 d a", "L1 d a/b", "L1 f a/b/f x", NULL };
	fx_setup(1, t);
	char cwd[4096];
	snprintf(cwd, sizeof cwd, "%s/a", fx_mount());
	struct ue_caller c = { .cwd = cwd, .fd_vpath = fake_fd_vpath };
	static struct ue_path p;
	is_int(ue_resolve_as(&c, AT_FDCWD, "b/f", 0, &p), 0, "a relative path starts at the caller's directory");
	ok(p.where == UE_UNION && !strcmp(p.rel, "a/b/f") && ue_node_exists(&p.node), "... and names a/b/f of the union");
	ok(p.caller == &c, "the resolved path remembers its caller");
	is_int(ue_resolve_as(&c, AT_FDCWD, "../a/./b/f", 0, &p), 0, "dot-dots from the caller's directory");
	is_str(p.rel, "a/b/f", "... lead to the same name");
	is_int(ue_resolve_as(&c, 42, "f", 0, &p), 0, "a directory fd of the caller's, through its fd_vpath");
	is_str(p.rel, "a/b/f", "... names a/b/f");
	ue_resolve_as(&c, 7, "f", 0, &p);
	is_int(p.where, UE_PASS, "an fd the caller does not have: left to the kernel");
	is_int(ue_resolve(AT_FDCWD, "/", 0, &p), 0, "this process's own resolve...");
	ok(p.caller == &ue_self, "... is for ue_self");
	fx_teardown();
}

/* A file and a directory of the upper recorded as owned by 12345 (group
 * 777), the directory 0700: what each caller may do is decided by its own
 * credentials, whoever runs the test. */
static void credentials_of_another(void)
{
	static const char *const t[] = { "U d d", "U f d/f x", NULL };
	fx_setup(1, t);
	char f[4096], d[4096];
	snprintf(f, sizeof f, "%s", fx_path("U", "d/f"));
	snprintf(d, sizeof d, "%s", fx_path("U", "d"));
	if (geteuid() == 0) {  /* a record is only where the copy-up could not chown: never on root's */
		chown(f, 65534, 65534);
		chown(d, 65534, 65534);
	}
	struct ue_override o = { 12345, 777, 0644 };
	ue_override_set(f, -1, S_IFREG, &o);
	o.mode = 0700;
	ue_override_set(d, -1, S_IFDIR, &o);

	static const gid_t groups[] = { 100, 888 };
	struct ue_caller owner = { .has_creds = 1, .uid = 12345, .gid = 777, .ngroups = 2, .groups = groups };
	struct ue_caller other = { .has_creds = 1, .uid = 54321, .gid = 54321 };
	struct ue_caller root = { .has_creds = 1, .uid = 0, .gid = 0 };
	static struct ue_path p;
	char path[4096];
	snprintf(path, sizeof path, "%s/d/f", fx_mount());
	is_int(ue_resolve_as(&owner, AT_FDCWD, path, 0, &p), 0, "the owner of a 0700 directory walks through it");
	is_int(ue_resolve_as(&other, AT_FDCWD, path, 0, &p), -EACCES, "another user may not: EACCES");
	is_int(ue_resolve_as(&root, AT_FDCWD, path, 0, &p), 0, "root may");
	is_int(ue_may_own(&owner, f), 0, "the owner may chmod");
	is_int(ue_may_own(&other, f), -EPERM, "another may not: EPERM");
	is_int(ue_may_chown(&owner, f, (uid_t)-1, 888), 0, "the owner may give the file a group it is in");
	is_int(ue_may_chown(&owner, f, (uid_t)-1, 999), -EPERM, "... not one it is not in");
	is_int(ue_may_chown(&other, f, (uid_t)-1, (gid_t)-1), 0, "chown -1 -1 is anyone's");
	ok(ue_caller_in_group(&owner, 777) && ue_caller_in_group(&owner, 100) && !ue_caller_in_group(&owner, 54321),
	   "the caller's groups: its own and its supplementary ones");
	ok(ue_caller_in_group(&ue_self, getegid()), "ue_self's group is this process's");
	is_int(ue_caller_uid(&ue_self), geteuid(), "ue_self's user is this process's");
	fx_teardown();
}

/* A path the supervisor read and made absolute (paths_read) may be longer
 * than PATH_MAX: the kernel's limit was on what the program named.  Where
 * the copy starts on a page boundary, core/ took it for a program's string
 * of PATH_MAX bytes with no NUL (tests/scenarios/long-paths.sh, supervised,
 * failed about one run in thirty). */
static void long_read_path(void)
{
	static const char *const t[] = { "L1 d a", NULL };
	fx_setup(1, t);
	char *abs = aligned_alloc(4096, 3 * 4096);
	size_t n = (size_t)snprintf(abs, 3 * 4096, "%s/a", fx_mount());
	while (n < PATH_MAX + 15) {
		memset(abs + n, 'd', 201);
		abs[n] = '/';
		n += 201;
	}
	abs[n] = '\0';
	struct ue_caller read = { .paths_read = 1 }, given = { 0 };
	static struct ue_path p;
	is_int(ue_resolve_as(&read, AT_FDCWD, abs, 0, &p), -ENOENT, "a read path of %zu bytes on a page boundary is walked: ENOENT", n);
	is_int(ue_resolve_as(&given, AT_FDCWD, abs, 0, &p), -ENAMETOOLONG, "the same named by the program: ENAMETOOLONG");
	free(abs);
	fx_teardown();
}

void test_caller(void)
{
	paths_of_another();
	long_read_path();
	credentials_of_another();
}

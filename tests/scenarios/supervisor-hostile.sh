#!/usr/bin/env bash
# A hostile program under the supervisor (issue 11, "hostile or racing
# callers": never write outside the upper): it opens a lower's file
# read-only and changes it every other way the kernel offers, by that fd
# (utimensat and futimesat with a NULL path, fchmodat2 and fchownat with
# AT_EMPTY_PATH, fchmod, fsetxattr) and by /proc/self/fd/N (chmod,
# setxattr, utimensat, truncate, an open for writing); openat2 opens for
# writing, and with RESOLVE_* flags is ENOSYS (the program falls back to
# openat); io_uring_setup is ENOSYS from the filter itself.  Each change
# lands on the upper's copy; the lower is unchanged, byte, mode, time
# and xattr.  Run as the command (a static program) and in a whole tree
# supervised through the environment (UNIONENV_SUPERVISE=1).
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor-hostile

A=$T/A BIN=$T/bin
mkdir -p "$A" "$BIN"
tap_plan 6
if [ ! -x "$REPO/build/unionenv-supervise" ] || ! cc -static -O2 -o "$BIN/hostile" -x c - <<'C' 2>/dev/null
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
static int failed;
#define T(name, expr) do { errno = 0; if ((long)(expr) < 0) { printf("%s: %s\n", name, strerror(errno)); failed = 1; } } while (0)
int main(int argc, char **argv)
{
	char p[64];
	struct timespec ts[2] = { { 1000000, 0 }, { 1000000, 0 } };
	struct open_how how = { .flags = O_WRONLY | O_APPEND };
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) { perror(argv[1]); return 1; }
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	T("utimensat(fd, NULL)", syscall(SYS_utimensat, fd, NULL, ts, 0));
	T("futimesat(fd, NULL)", syscall(SYS_futimesat, fd, NULL, NULL));
	T("fchmodat2(fd, \"\")", syscall(452, fd, "", 0600, AT_EMPTY_PATH));
	T("fchownat(fd, \"\")", syscall(SYS_fchownat, fd, "", getuid(), getgid(), AT_EMPTY_PATH));
	T("fchmod", syscall(SYS_fchmod, fd, 0604));
	T("fsetxattr", syscall(SYS_fsetxattr, fd, "user.x", "1", 1, 0));
	T("setxattr(/proc/self/fd)", syscall(SYS_setxattr, p, "user.y", "1", 1, 0));
	T("utimensat(/proc/self/fd)", syscall(SYS_utimensat, AT_FDCWD, p, ts, 0));
	T("chmod(/proc/self/fd)", syscall(SYS_chmod, p, 0640));
	T("truncate(/proc/self/fd)", syscall(SYS_truncate, p, 3));
	int w = syscall(SYS_openat, AT_FDCWD, p, O_WRONLY | O_APPEND);
	T("open(/proc/self/fd, O_WRONLY)", w);
	T("write", write(w, "X", 1));
	int w2 = syscall(SYS_openat2, AT_FDCWD, argv[1], &how, sizeof how);
	T("openat2(O_WRONLY)", w2);
	T("write", write(w2, "Y", 1));
	/* openat2 with RESOLVE_* flags: ENOSYS (the program falls back to
	 * openat), never an open of the lower's file for writing */
	struct open_how bounded = { .flags = O_WRONLY | O_APPEND, .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS };
	errno = 0;
	if (syscall(SYS_openat2, AT_FDCWD, argv[1], &bounded, sizeof bounded) >= 0 || errno != ENOSYS) { printf("openat2(RESOLVE_BENEATH): %s\n", strerror(errno)); failed = 1; }
	errno = 0;
	if (syscall(SYS_io_uring_setup, 1, p) >= 0 || errno != ENOSYS) { printf("io_uring_setup: %s\n", strerror(errno)); failed = 1; }
	printf("%s\n", failed ? "failed" : "done");
	return 0;
}
C
then
    for i in $(seq 6); do tap_skip "supervisor-hostile $i" "no unionenv-supervise or no static C library"; done
    tap_done; exit $?
fi
echo lower >"$A/f"
setfattr -n user.kept -v 1 "$A/f" 2>/dev/null
lowers_remember "$A"
# what a snapshot may not hold: the times and the xattrs
lower_state() { stat -c '%a %s %Y %X' "$A/f"; getfattr -d "$A/f" 2>/dev/null; cat "$A/f"; }
before=$(lower_state)

out=$(cd "$A" && union --lower "$A" --upper "$T/U1" -- "$BIN/hostile" f 2>&1)
tap_is "a static command changes a lower's file through a read-only fd and /proc/self/fd: every change served" done "$out"
tap_is "... the upper's copy took them (the last mode, the truncation, both writes)" "640 lowXY" \
    "$(stat -c '%a' "$T/U1/f" 2>&1) $(cat "$T/U1/f" 2>&1)"
tap_is "... the lower's file is as it was (mode, size, times, xattrs, bytes)" "$before" "$(lower_state)"
out=$(cd "$A" && UNIONENV_SUPERVISE=1 union --lower "$A" --upper "$T/U2" -- sh -c "'$BIN/hostile' f" 2>&1)
tap_is "the same in a tree supervised through UNIONENV_SUPERVISE=1" done "$out"
tap_is "... the lower's file is as it was" "$before" "$(lower_state)"
lowers_unchanged "a hostile program's changes through a lower file's fd"
tap_done

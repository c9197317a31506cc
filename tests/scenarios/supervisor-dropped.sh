#!/usr/bin/env bash
# supervisor-dropped.sh - a caller that dropped from root to another user
# is served as any other (docs/design.md, "Serving one call").  Such a
# process is not dumpable: its /proc files (syscall, maps, fd/N, cwd) are
# root's alone, and the supervisor, acting with the caller's fsuid, could
# not read them.  pjdfstest under --supervise met it: `-u 65534 open FIFO
# O_RDWR` failed ENOENT (a restart reads /proc/TID/syscall and maps), and
# `-u 65534 open . : utimensat 0 FILE ...` now and then EACCES, not EPERM
# (the directory fd's name, read with the fsuid a worker kept from the
# call before).  A program drops to uid 65534 with setuid, as pjdfstest
# does, then opens a fifo only the upper holds and changes the times of a
# root's file through a directory fd; one worker, so that the second call
# meets the credentials the first left.  Needs root; the lowers are
# checked.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor-dropped

A=$T/A U=$T/U BIN=$T/bin
mkdir -p "$A" "$U" "$BIN"
chmod 755 "$T" "$A" "$U" "$BIN"
echo base >"$A/rootfile"

tap_plan 4

if [ "$(id -u)" != 0 ] || [ ! -x "$REPO/build/unionenv-supervise" ]; then
    for i in 1 2 3 4; do tap_skip "supervisor-dropped $i" "needs root (to drop to another user) and unionenv-supervise"; done
    tap_done; exit $?
fi

cc -O2 -o "$BIN/dropped" -x c - <<'C' || exit 1
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 2;
	printf("dumpable %d\n", prctl(PR_GET_DUMPABLE));
	int fd = open("ff", O_RDWR);
	printf("open fifo O_RDWR: %s\n", fd >= 0 ? "0" : strerror(errno));
	int dir = open(".", O_RDONLY);
	struct timespec t[2] = { { 1900000000, 0 }, { 1950000000, 0 } };
	int r = dir < 0 ? -1 : utimensat(dir, "rootfile", t, 0);
	printf("utimensat of a root's file by a directory fd: %s\n", r == 0 ? "0" : strerror(errno));
	return 0;
}
C
lowers_remember "$A"

out=$(cd "$A" && UNIONENV_SUPERVISE_THREADS=1 union --supervise --lower "$A" --upper "$U" -- \
    sh -c 'mkfifo -m 666 ff && "$0"' "$BIN/dropped" 2>&1)
tap_is "the program is not dumpable once it dropped from root" "dumpable 0" "$(grep dumpable <<<"$out")"
tap_is "its open of a fifo only the upper holds is served (restarted)" "open fifo O_RDWR: 0" \
    "$(grep 'open fifo' <<<"$out")"
tap_is "its utimensat of a root's file by a directory fd: EPERM, as natively" \
    "utimensat of a root's file by a directory fd: Operation not permitted" "$(grep utimensat <<<"$out")"
lowers_unchanged "a dropped caller's calls"
tap_done

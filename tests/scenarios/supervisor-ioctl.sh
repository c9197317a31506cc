#!/usr/bin/env bash
# ioctls that change an inode through a read-only fd (supervisor/
# serve_ioctl.c): FS_IOC_SETFLAGS (chattr) and FS_IOC_FSSETXATTR, made by
# the owner through an fd of a lower's file, changed the lower's inode; the
# supervisor now copies the file up and makes the change there, as the
# kernel's overlayfs does.  The lower's flags are read with lsattr after
# each run, and the lowers are unchanged.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor-ioctl

A=$T/A U=$T/U BIN=$T/bin
mkdir -p "$A" "$BIN"
echo lower >"$A/f"
echo lower >"$A/g"
echo lower >"$A/h"
tap_plan 5

# setflags FILE flags|xflags: through a read-only fd of FILE, add nodump
# (FS_IOC_SETFLAGS) or noatime (FS_IOC_FSSETXATTR); then, through a new
# fd, whether FILE has it.  Static: served by the supervisor.
if [ ! -x "$REPO/build/unionenv-supervise" ] || ! cc -static -O2 -o "$BIN/setflags" -x c - <<'C' 2>/dev/null
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
int main(int argc, char **argv)
{
	int fd = open(argv[1], O_RDONLY), f = 0, r;
	struct fsxattr x;
	if (fd < 0) { perror(argv[1]); return 1; }
	if (!strcmp(argv[2], "flags")) {
		if (ioctl(fd, FS_IOC_GETFLAGS, &f) < 0) { perror("getflags"); return 2; }
		f |= FS_NODUMP_FL;
		r = ioctl(fd, FS_IOC_SETFLAGS, &f);
	} else {
		if (ioctl(fd, FS_IOC_FSGETXATTR, &x) < 0) { perror("fsgetxattr"); return 2; }
		x.fsx_xflags |= FS_XFLAG_NOATIME;
		r = ioctl(fd, FS_IOC_FSSETXATTR, &x);
	}
	close(fd);
	fd = open(argv[1], O_RDONLY);
	ioctl(fd, FS_IOC_GETFLAGS, &f);
	printf("%d %s\n", r, f & (FS_NODUMP_FL | FS_NOATIME_FL) ? "set" : "unset");
	return 0;
}
C
then
    for i in $(seq 5); do tap_skip "supervisor-ioctl $i" "no unionenv-supervise or no static C library"; done
    tap_done; exit $?
fi
cp "$A/f" "$T/probe"
if [ "$("$BIN/setflags" "$T/probe" flags 2>&1)" != "0 set" ]; then
    for i in $(seq 5); do tap_skip "supervisor-ioctl $i" "the filesystem of $T keeps no file flags"; done
    tap_done; exit $?
fi
lowers_remember "$A"
flags() { lsattr -d "$1" 2>/dev/null | cut -d' ' -f1; }
before=$(flags "$A/f")

out=$(cd "$A" && union --lower "$A" --upper "$U" -- "$BIN/setflags" f flags 2>&1)
tap_is "FS_IOC_SETFLAGS through a read-only fd of a lower's file: the union's file has the flag" "0 set" "$out"
tap_is "... and the lower's file not (lsattr)" "$before" "$(flags "$A/f")"
out=$(cd "$A" && union --lower "$A" --upper "$U" -- "$BIN/setflags" g xflags 2>&1)
tap_is "FS_IOC_FSSETXATTR likewise: the union's file has it, the lower's not" "0 set $before" "$out $(flags "$A/g")"
if command -v chattr >/dev/null; then
    out=$(cd "$A" && union --lower "$A" --upper "$U" --supervise -- sh -c 'chattr +d h && lsattr h' 2>&1)
    tap_is "chattr +d in a supervised tree: the upper's copy changed, the lower's not" \
        "d $before" "$(flags "$U/h" | tr -cd d) $(flags "$A/h")"
else
    tap_skip "chattr in a supervised tree" "no chattr (e2fsprogs)"
fi
lowers_unchanged "ioctls that change an inode"
tap_done

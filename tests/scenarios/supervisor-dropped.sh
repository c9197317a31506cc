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
# meets the credentials the first left.  The same kept fsuid kept a
# root's duplicate fd on a lower's file from moving to the upper copy
# after a dropped child copied it up (fdswap.c reads /proc/TID/fd).  And
# such a program reads its own /proc/self links (served: the fd's name is
# the union's), as a process always may, and no symlink in a directory it
# cannot search (readlink was served with the worker's kept credentials);
# it names an O_TMPFILE by linkat of /proc/self/fd/N, and may not link a
# root's file so (protected_hardlinks: EPERM), as natively; and a path
# that goes on past its own link (/proc/self/../1/cwd, /proc/self/cwd/x)
# is read as itself, not as the supervisor.
# Needs root; the lowers are checked.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor-dropped

A=$T/A U=$T/U BIN=$T/bin
mkdir -p "$A" "$U" "$BIN"
chmod 755 "$T" "$A" "$U" "$BIN"
echo base >"$A/rootfile"

tap_plan 7

if [ "$(id -u)" != 0 ] || [ ! -x "$REPO/build/unionenv-supervise" ]; then
    for i in 1 2 3 4 5 6 7; do tap_skip "supervisor-dropped $i" "needs root (to drop to another user) and unionenv-supervise"; done
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
# held: open the lower's file (close-on-exec) and dup it; a child that
# drops to 65534 appends to it (the copy-up, served last by the one
# worker, which keeps 65534's fsuid); then the root program's next call
# moves both its fds to the upper copy, the first close-on-exec still.
cc -O2 -o "$BIN/held" -x c - <<'C' || exit 1
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
	int fd = open("shared", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, 20) != 20)
		return 2;
	pid_t c = fork();
	if (c == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(3);
		int w = open("shared", O_WRONLY | O_APPEND);
		_exit(w >= 0 && write(w, "more\n", 5) == 5 ? 0 : 4);
	}
	int st;
	waitpid(c, &st, 0);
	struct stat sb;
	stat("rootfile", &sb);  /* a call of its own: its fds move first */
	char a[64] = "", b[64] = "";
	pread(fd, a, sizeof a - 1, 0);
	pread(20, b, sizeof b - 1, 0);
	for (char *p = a; *p; p++)
		*p = *p == '\n' ? (p[1] ? ' ' : '\0') : *p;
	for (char *p = b; *p; p++)
		*p = *p == '\n' ? (p[1] ? ' ' : '\0') : *p;
	printf("child %d; fd: %s; its dup: %s; close-on-exec %d\n", WEXITSTATUS(st), a, b,
	       (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	return 0;
}
C
# procself: drop to 65534, then read its own /proc/self links (the kernel
# lets a process read its own, dumpable or not) and a symlink in a
# directory only root may search (EACCES, as natively).
cc -O2 -o "$BIN/procself" -x c - <<'C' || exit 1
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void)
{
	char link[64], got[4096];
	struct stat st;
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 2;
	int fd = open("rootfile", O_RDONLY);
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, got, sizeof got - 1);
	got[n > 0 ? n : 0] = '\0';
	printf("fd link: %s\n", n > 0 ? got : strerror(errno));
	printf("stat of it: %s\n", stat(link, &st) == 0 ? "0" : strerror(errno));
	n = readlink("/proc/self/exe", got, sizeof got - 1);
	got[n > 0 ? n : 0] = '\0';
	printf("exe: %s\n", n > 0 ? strrchr(got, '/') + 1 : strerror(errno));
	n = readlink("private/sym", got, sizeof got - 1);
	printf("symlink in root's 0700 directory: %s\n", n >= 0 ? "read" : strerror(errno));
	n = readlink("/proc/self/../1/cwd", got, sizeof got - 1);
	printf("init's cwd by /proc/self/..: %s\n", n >= 0 ? "read" : strerror(errno));
	printf("stat through /proc/self/cwd into root's 0700 directory: %s\n",
	       stat("/proc/self/cwd/private/sym", &st) == 0 ? "0" : strerror(errno));
	printf("link of root's file by /proc/self/fd: %s\n",
	       linkat(AT_FDCWD, link, AT_FDCWD, "open/hard", AT_SYMLINK_FOLLOW) == 0 ? "0" : strerror(errno));
	int t = open("open", O_TMPFILE | O_WRONLY, 0644);
	snprintf(link, sizeof link, "/proc/self/fd/%d", t);
	printf("O_TMPFILE named by /proc/self/fd: %s\n", t >= 0 && write(t, "tmp\n", 4) == 4 &&
	       linkat(AT_FDCWD, link, AT_FDCWD, "open/made", AT_SYMLINK_FOLLOW) == 0 ? "0" : strerror(errno));
	return 0;
}
C
mkdir "$A/private" "$A/open"
chmod 777 "$A/open"
ln -s rootfile "$A/private/sym"
chmod 700 "$A/private"
printf 'base\n' >"$A/shared"
chmod 666 "$A/shared"
lowers_remember "$A"

out=$(cd "$A" && UNIONENV_SUPERVISE_THREADS=1 union --supervise --lower "$A" --upper "$U" -- \
    sh -c 'mkfifo -m 666 ff && "$0"' "$BIN/dropped" 2>&1)
tap_is "the program is not dumpable once it dropped from root" "dumpable 0" "$(grep dumpable <<<"$out")"
tap_is "its open of a fifo only the upper holds is served (restarted)" "open fifo O_RDWR: 0" \
    "$(grep 'open fifo' <<<"$out")"
tap_is "its utimensat of a root's file by a directory fd: EPERM, as natively" \
    "utimensat of a root's file by a directory fd: Operation not permitted" "$(grep utimensat <<<"$out")"
out=$(cd "$A" && UNIONENV_SUPERVISE_THREADS=1 union --supervise --lower "$A" --upper "$U" -- "$BIN/held" 2>&1)
tap_is "a root's fds on a file a dropped child copied up both move, close-on-exec kept" \
    "child 0; fd: base more; its dup: base more; close-on-exec 1" "$(tr '\n' ' ' <<<"$out" | sed 's/ $//')"
out=$(cd "$A" && UNIONENV_SUPERVISE_THREADS=1 union --supervise --lower "$A" --upper "$U" -- "$BIN/procself" 2>&1)
tap_is "it reads its own /proc/self links, the fd's by its union name, and links by them as natively" \
    "$(printf '%s\n' "fd link: $A/rootfile" 'stat of it: 0' 'exe: procself' \
        'symlink in root'"'"'s 0700 directory: Permission denied' \
        'init'"'"'s cwd by /proc/self/..: Permission denied' \
        'stat through /proc/self/cwd into root'"'"'s 0700 directory: Permission denied' \
        'link of root'"'"'s file by /proc/self/fd: Operation not permitted' \
        'O_TMPFILE named by /proc/self/fd: 0')" "$out"
tap_is "... the file it made and named is its own, in the union" "65534 tmp" \
    "$(cd "$A" && union --lower "$A" --upper "$U" -- sh -c 'stat -c %u open/made; cat open/made' 2>&1 | tr '\n' ' ' | sed 's/ $//')"
lowers_unchanged "a dropped caller's calls"
tap_done

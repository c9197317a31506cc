#!/usr/bin/env bash
# An fd the supervisor injected open read-only on a lower's file follows
# the file's copy-up (supervisor/fdswap.c), as the kernel's overlayfs reads
# the new data: the caller's fd is replaced by one on the upper copy at the
# same number, offset, flags and close-on-exec flag, its duplicates too,
# before the call that made the copy-up returns, or at the next notified
# call when another process made it.  A number closed and reused is never
# replaced; a lock taken on such an fd is not held past its close by the
# supervisor's copy.  The lowers are checked after.  No root needed.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor-fdswap

A=$T/A U=$T/U BIN=$T/bin
mkdir -p "$A" "$U" "$BIN"
for f in same reuse wait lock; do printf lower >"$A/$f"; done
tap_plan 7

# fdswap same|reuse|wait|lock FILE (static: served by the supervisor).
if [ ! -x "$REPO/build/unionenv-supervise" ] || ! cc -static -O2 -o "$BIN/fdswap" -x c - <<'C' 2>/dev/null
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
static void show(const char *label, int fd, off_t at)
{
	char b[256];
	ssize_t n = at < 0 ? read(fd, b, sizeof b - 1) : pread(fd, b, sizeof b - 1, at);
	if (n < 0) { printf("%s %s\n", label, strerror(errno)); return; }
	b[n] = '\0';
	printf("%s %s\n", label, strtok(b, "\n") ? b : "");
}
static int append(const char *f, const char *s)
{
	int w = open(f, O_WRONLY | O_APPEND);
	if (w < 0 || write(w, s, strlen(s)) != (ssize_t)strlen(s)) { perror(f); return -1; }
	return close(w);
}
int main(int argc, char **argv)
{
	char b[8];
	if (argc < 3) return 2;
	const char *f = argv[2];
	if (!strcmp(argv[1], "same")) {
		/* copied up by this process: no call between the append and the read */
		int fd = open(f, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0 || read(fd, b, 2) != 2) { perror(f); return 1; }
		int d = dup(fd);
		if (append(f, "+") < 0) return 1;
		show("fd:", fd, -1);
		show("dup:", d, 0);
		printf("flags: %s %s %s\n", fcntl(fd, F_GETFD) & FD_CLOEXEC ? "cloexec" : "-",
		       fcntl(fd, F_GETFL) & O_NONBLOCK ? "nonblock" : "-", fcntl(d, F_GETFD) & FD_CLOEXEC ? "cloexec" : "-");
	} else if (!strcmp(argv[1], "reuse")) {
		/* the number closed (unseen: close is not notified) and taken by a pipe */
		int fd = open(f, O_RDONLY), p[2];
		if (fd < 0) { perror(f); return 1; }
		close(fd);
		if (pipe(p) < 0) return 1;
		if (p[0] != fd && dup2(p[0], fd) < 0) return 1;
		if (write(p[1], "pipe\n", 5) != 5 || append(f, "+") < 0) return 1;
		show("reused:", fd, -1);
	} else if (!strcmp(argv[1], "wait")) {
		/* copied up by another process while this one waits on stdin */
		int fd = open(f, O_RDONLY);
		if (fd < 0 || read(fd, b, 3) != 3) { perror(f); return 1; }
		printf("before\n");
		fflush(stdout);
		while (read(0, b, 1) == 1 && b[0] != '\n')
			;
		struct stat st;
		stat("/", &st);   /* any notified call */
		show("after:", fd, -1);
	} else if (!strcmp(argv[1], "lock")) {
		int fd = open(f, O_RDONLY);
		if (fd < 0 || flock(fd, LOCK_EX) < 0) { perror(f); return 1; }
		close(fd);
		fd = open(f, O_RDONLY);
		printf("%s\n", flock(fd, LOCK_EX | LOCK_NB) == 0 ? "locked again" : strerror(errno));
	}
	return 0;
}
C
then
    for i in $(seq 7); do tap_skip "supervisor-fdswap $i" "no unionenv-supervise or no static C library"; done
    tap_done; exit $?
fi
lowers_remember "$A"
run() { union --lower "$A" --upper "$U" -- "$BIN/fdswap" "$@" 2>&1; }

out=$(run same "$A/same")
tap_is "copied up by the same process: the fd reads the new data from its offset" "fd: wer+" "$(sed -n 1p <<<"$out")"
tap_is "... and its duplicate too" "dup: lower+" "$(sed -n 2p <<<"$out")"
tap_is "... with its close-on-exec and status flags (the duplicate without close-on-exec)" \
    "flags: cloexec nonblock -" "$(sed -n 3p <<<"$out")"
tap_is "a number closed and taken by a pipe is not replaced" "reused: pipe" "$(run reuse "$A/reuse")"

# Another process appends (the preload's sh) while the static one waits.
mkfifo "$T/go"
run wait "$A/wait" <"$T/go" >"$T/wait.out" &
waiter=$!
exec 7>"$T/go"
for _ in $(seq 300); do grep -q before "$T/wait.out" 2>/dev/null && break; sleep 0.1; done
union --lower "$A" --upper "$U" -- sh -c "printf + >>'$A/wait'"
echo >&7
exec 7>&-
wait "$waiter"
tap_is "copied up by another process: at the next notified call the fd reads the new data" \
    "after: er+" "$(sed -n 2p "$T/wait.out")"
tap_is "a lock taken through such an fd ends with its close" "locked again" "$(run lock "$A/lock")"
lowers_unchanged "the fds moved onto upper copies"
tap_done

#!/usr/bin/env bash
# A call the supervisor restarts with a real path (supervisor/restart.c)
# has that path written just below the caller's stack pointer.  A signal
# handler run before the restarted call is done builds its frame there:
# with SA_RESTART (sh's SIGCHLD) the call came again reading the frame for
# its path, and failed (ENOENT: "cannot create d/pb: Directory
# nonexistent" in fifos.sh, whose reader then waited for ever).  Here a
# reader of a lower's fifo, whose open the supervisor restarts and the
# kernel then keeps waiting for the writer, takes five SA_RESTART signals
# in that wait, then the writer comes: the reader must get the line.  As
# a static program (supervised in a plain union: the shell's `$!` is then
# the supervisor, which passes the signals on, supervisor/sigpass.c) and
# as a dynamic one under --supervise, where the shell's own open of the
# fifo is restarted too; on a kernel overlayfs mount where root permits.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
. "$REPO/tests/lib/oracle.sh"
scenario_init supervisor-restart-signals

A=$T/A B=$T/B BIN=$T/bin
mkdir -p "$A/d" "$B/d" "$BIN"
mkfifo "$A/pa" "$B/d/pb"
lowers_remember "$A" "$B"

tap_plan 7

# sigreader FIFO READY: make READY once SIGUSR1 is counted by an
# SA_RESTART handler, then open FIFO for reading; print the line read and
# the count.
READER='
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static volatile sig_atomic_t hits;
static void on_usr1(int sig) { (void)sig; hits++; }
int main(int argc, char **argv)
{
	struct sigaction sa;
	char b[64];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	if (argc < 3 || sigaction(SIGUSR1, &sa, NULL) < 0)
		return 2;
	/* ready for the signals: the handler is there */
	FILE *ready = fopen(argv[2], "w");
	if (!ready || fclose(ready) != 0)
		return 2;
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		printf("open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	ssize_t n = read(fd, b, sizeof b - 1);
	b[n > 0 ? n : 0] = 0;
	b[strcspn(b, "\n")] = 0;
	printf("%s hits=%d\n", b, (int)hits);
	return 0;
}'
if ! printf '%s\n' "$READER" | cc -static -O2 -o "$BIN/sigreader-static" -x c - 2>/dev/null ||
    ! printf '%s\n' "$READER" | cc -O2 -o "$BIN/sigreader" -x c - 2>/dev/null; then
    for i in $(seq 7); do tap_skip "supervisor-restart-signals $i" "no C compiler or no static C library"; done
    tap_done; exit $?
fi

# The reader waits in its open; five signals; then the writer.  The
# signals wait for the reader's handler (its ready file), so that a slow
# start cannot make one end it.
SCRIPT='
"$0" "$1" "$2.ready" >"$2" & p=$!
for i in $(seq 400); do [ -e "$2.ready" ] && break; sleep 0.05; done
sleep 0.3
for i in 1 2 3 4 5; do kill -USR1 $p; sleep 0.05; done
echo x >"$1"
wait $p
echo "status $?"
cat "$2"'
WANT="status 0
x hits=5"

run_case() {  # NAME UPPER FIFO READER [launcher options...]
    local name=$1 U=$2 fifo=$3 reader=$4 got
    shift 4
    mkdir -p "$U"
    got=$(cd "$A" && UNION_TIMEOUT=30 union --lower "$A:$B" --upper "$U" "$@" -- \
        sh -c "$SCRIPT" "$reader" "$fifo" "out.$name" 2>"$T/err.$name")
    tap_is "$name: a reader of $fifo in its restarted open takes five SA_RESTART signals, then reads the line" \
        "$WANT" "$got"
    tap_check "$name: $fifo was brought up as a fifo; the lowers' are fifos still" \
        test -p "$U/$fifo" -a -p "$A/pa" -a -p "$B/d/pb"
    lowers_unchanged "$name"
}
run_case static "$T/Ustatic" d/pb "$BIN/sigreader-static"
run_case supervised "$T/Usv" pa "$BIN/sigreader" --supervise

if can_mount_overlay; then
    M=$T/mnt
    mount_overlay "$A:$B" "$T/KU" "$T/KW" "$M" || exit 1
    got=$(cd "$M" && timeout -k 5 30 sh -c "$SCRIPT" "$BIN/sigreader" d/pb out.k)
    umount_overlay "$M"
    tap_is "kernel overlayfs: the same script gives the same" "$WANT" "$got"
else
    tap_skip "kernel overlayfs: the same script gives the same" "$ORACLE_SKIP_REASON"
fi
tap_done

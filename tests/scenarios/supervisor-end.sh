#!/usr/bin/env bash
# The supervisor ends with its tree (docs/design.md, "Who is filtered"):
# it passes the command's status on, waits idle for what the command left
# running, and ends when the last filtered process ends.  Its CPU time is
# counted (utime + stime of /proc/PID/stat, in clock ticks) over one
# second of each situation: a count, not a wall-clock timing.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor-end

SV=$REPO/build/unionenv-supervise
A=$T/A U=$T/U BIN=$T/bin
mkdir -p "$A" "$U/onlyup" "$BIN"
echo base >"$A/file"

tap_plan 12

# killrace UNIONDIR REALDIR: chdir into UNIONDIR (only the upper holds it,
# so the supervisor restarts the call with the real path: restart.c) and
# back, while a second thread watches for the supervisor's ptrace attach
# and then ends the process (exit_group 5).  The main thread is SCHED_IDLE
# on the CPU the watcher spins on, so the stop the supervisor waits for
# comes after the death: the supervisor's wait meets the command's exit.
if [ ! -x "$SV" ] || ! cc -static -O2 -pthread -o "$BIN/killrace" -x c - <<'C' 2>/dev/null
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>

static int status_fd;

static void *watcher(void *arg)
{
	char b[4096];
	(void)arg;
	for (;;) {
		ssize_t n = pread(status_fd, b, sizeof b - 1, 0);
		char *t = n > 0 ? (b[n] = 0, strstr(b, "TracerPid:")) : NULL;
		if (t && atoi(t + 10) != 0)
			syscall(SYS_exit_group, 5);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	cpu_set_t one;
	char path[64];
	struct sched_param sp = { 0 };
	if (argc < 3)
		return 2;
	snprintf(path, sizeof path, "/proc/self/task/%ld/status", syscall(SYS_gettid));
	status_fd = open(path, O_RDONLY);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	sched_setaffinity(0, sizeof one, &one);  /* the watcher inherits it */
	pthread_create(&t, NULL, watcher, NULL);
	sched_setscheduler(0, SCHED_IDLE, &sp);
	/* The watcher wins the race nearly always at once; on a loaded
	 * machine (CI's two passes side by side) it missed 100 rounds once:
	 * rounds for up to 20 seconds. */
	time_t end = time(NULL) + 20;
	while (time(NULL) < end)
		if (syscall(SYS_chdir, argv[1]) < 0 || syscall(SYS_chdir, argv[2]) < 0)
			return 7;
	return 6;
}
C
then
    for i in $(seq 12); do tap_skip "supervisor-end $i" "no unionenv-supervise or no static C library"; done
    tap_done; exit $?
fi
lowers_remember "$A"

# ticks PID: its CPU time so far in clock ticks; nothing when it is gone
ticks() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    s=${s##*) }
    # shellcheck disable=SC2086  # the fields, split
    set -- $s
    echo $((${12} + ${13}))
}

# spent PID: the ticks PID uses in the next second (0 when it ends)
spent() {
    local a b
    a=$(ticks "$1")
    sleep 1
    b=$(ticks "$1")
    if [ -z "$a" ] || [ -z "$b" ]; then echo 0; else echo $((b - a)); fi
}

# childless PID: wait (up to a minute) until PID has no child left or is gone
childless() {
    local i
    for i in $(seq 600); do
        [ -e "/proc/$1" ] || return 0
        [ -z "$(cat "/proc/$1/task/$1/children" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
}

# 1-2: the command's exit met by the supervisor's wait for a restarted
# chdir.  That wait collected it, so the loop never saw the command end:
# it waited for ever and, once the listener said POLLHUP, spun on it
# (a whole CPU, 100 ticks a second) instead of ending.
(cd "$A" && exec "$REPO/unionenv.sh" --lower "$A" --upper "$U" -- "$BIN/killrace" "$A/onlyup" "$A") &
sv=$!
childless "$sv"
used=$(spent "$sv")
kill -0 "$sv" 2>/dev/null && kill -KILL "$sv"
wait "$sv"
st=$?
tap_is "a command that ends while the supervisor restarts its chdir: its status is passed on" 5 "$st"
if [ "$used" -le 10 ]; then tap_ok "... and the supervisor, its tree gone, used $used ticks in the next second"; else
    tap_not_ok "... and the supervisor, its tree gone, used $used ticks in the next second (spinning)"; fi

# 3-4: a command that ends before what it started: the supervisor waits
# for the rest without spinning, then ends with the command's status.
(cd "$A" && exec "$REPO/unionenv.sh" --lower "$A" --upper "$U" --supervise -- \
    sh -c '(sleep 2; echo late >>file) & exit 3') &
sv=$!
sleep 0.3
used=$(spent "$sv")
wait "$sv"
st=$?
if [ "$used" -le 10 ]; then tap_ok "a command whose child outlives it: the supervisor waits for it idle ($used ticks in a second)"; else
    tap_not_ok "a command whose child outlives it: the supervisor waits for it idle ($used ticks in a second)"; fi
tap_is "... then ends with the command's status, the child's write in the upper" "3 base late" "$st $(paste -sd' ' "$U/file")"

# 5-6: signals: a supervised command killed by one ends the union with
# 128+N; SIGTERM sent to the supervisor (the launcher's pid) reaches it.
cc -static -O2 -o "$BIN/sig" -x c - <<'C'
#include <signal.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "raise"))
		raise(SIGTERM);
	else
		pause();
	return 0;
}
C
union --lower "$A" --upper "$U" -- "$BIN/sig" raise
tap_is "a supervised command killed by SIGTERM: status 143" 143 "$?"
"$REPO/unionenv.sh" --lower "$A" --upper "$U" -- "$BIN/sig" &
sv=$!
for i in $(seq 100); do [ -n "$(cat "/proc/$sv/task/$sv/children" 2>/dev/null)" ] && break; sleep 0.1; done
sleep 0.2
kill -TERM "$sv"
wait "$sv"
tap_is "SIGTERM to the supervisor is passed to its command: status 143" 143 "$?"
# 7: a static child killed by a signal, as its parent sees it: the
# supervisor in its place ends by the same signal (sigpass.c), so
# python's subprocess has -15, as natively, not an exit status of 143.
KILLED='import subprocess, sys; print(subprocess.run([sys.argv[1], "raise"]).returncode)'
want=$(python3 -c "$KILLED" "$BIN/sig")
got=$(cd "$A" && union --lower "$A" --upper "$U" -- python3 -c "$KILLED" "$BIN/sig")
tap_is "a static child killed by SIGTERM: python's subprocess sees the signal, as natively ($want)" "$want" "$got"
# 8: SIGINT sent by a process (python's send_signal, timeout -s INT) to
# a static child, that is to the supervisor in its place, reaches the
# program: the supervisor waited out every SIGINT, as it must the
# terminal's ^C, which the program has itself (sigpass.c).
INTED='import subprocess, sys, time
p = subprocess.Popen([sys.argv[1]])
time.sleep(0.5)
p.send_signal(2)
try:
    print(p.wait(timeout=20))
except subprocess.TimeoutExpired:
    p.kill()
    print("still running")'
want=$(python3 -c "$INTED" "$BIN/sig")
got=$(cd "$A" && union --lower "$A" --upper "$U" -- python3 -c "$INTED" "$BIN/sig")
tap_is "SIGINT sent to a static child by python reaches it, as natively ($want)" "$want" "$got"

# 9: a signal queued with a value (kill -q) to a static child reaches it
# with the value, as natively (it had come with none).
cc -static -O2 -o "$BIN/rtwait" -x c - <<'C'
#include <signal.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	sigset_t s;
	siginfo_t si;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN + 1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	FILE *f = argc > 1 ? fopen(argv[1], "w") : NULL;
	if (!f)
		return 2;
	fputs("ready\n", f);
	fclose(f);
	struct timespec bound = { 20, 0 };
	if (sigtimedwait(&s, &si, &bound) < 0) {
		puts("no signal");
		return 1;
	}
	printf("value=%d code=%d\n", si.si_value.sival_int, si.si_code);
	return 0;
}
C
QUEUED='rm -f "$1"; "$0" "$1" & p=$!
for i in $(seq 400); do [ -s "$1" ] && break; sleep 0.05; done
/bin/kill -q 42 -s RTMIN+1 $p; wait $p'
want=$(PATH=/usr/bin:/bin bash -c "$QUEUED" "$BIN/rtwait" "$T/ready")
got=$(cd "$A" && PATH=/usr/bin:/bin union --lower "$A" --upper "$U" -- bash -c "$QUEUED" "$BIN/rtwait" "$T/ready")
tap_is "a signal queued with a value to a static child reaches it with the value, as natively" "$want" "$got"

# 10: kill -9 of the pid a shell knows for a static child (the supervisor
# in its place) ends the program too, as it would natively: left running
# unserved, each of its calls of the table failed ENOSYS.
(cd "$A" && union --lower "$A" --upper "$U" -- sh -c '"$0" & echo $! >"$1"; wait' "$BIN/sig" "$T/svpid") &
outer=$!
for i in $(seq 100); do [ -s "$T/svpid" ] && break; sleep 0.1; done
sv=$(cat "$T/svpid" 2>/dev/null)
prog=
for i in $(seq 100); do read -r prog _ <"/proc/$sv/task/$sv/children" 2>/dev/null; [ -n "$prog" ] && break; sleep 0.1; done
kill -KILL "$sv" 2>/dev/null
for i in $(seq 50); do [ -d "/proc/${prog:-none}" ] || break; sleep 0.1; done
if [ -n "$prog" ] && [ ! -d "/proc/$prog" ]; then tap_ok "kill -9 of a static child's supervisor ends the program too"; else
    tap_not_ok "kill -9 of a static child's supervisor ends the program too (program '${prog}' still there)"
    kill -KILL "$prog" 2>/dev/null; fi
wait "$outer"

# 11: pgrep -f (and so pkill -f) finds the static child alone, not the
# supervisor in its place too, whose command line held the program's
# words: pkill -f signalled the program twice, once through it.
cp "$BIN/sig" "$BIN/pgrep-finds-me"
rm -f "$T/svpid"
(cd "$A" && P=$BIN/pgrep-finds-me union --lower "$A" --upper "$U" -- sh -c '"$P" & echo $! >"$1"; wait' sh "$T/svpid") &
outer=$!
for i in $(seq 100); do [ -s "$T/svpid" ] && break; sleep 0.1; done
sv=$(cat "$T/svpid" 2>/dev/null)
prog=
for i in $(seq 100); do read -r prog _ <"/proc/$sv/task/$sv/children" 2>/dev/null; [ -n "$prog" ] && break; sleep 0.1; done
found=$(pgrep -f "$BIN/pgrep-finds-me" | paste -sd' ')
tap_is "pgrep -f of a static child's name finds the program, not its supervisor too" "${prog:-no program}" "$found"
kill -TERM "${prog:-$sv}" 2>/dev/null
wait "$outer"
lowers_unchanged "supervisors that end before and after their command's children, and by signals"
tap_done

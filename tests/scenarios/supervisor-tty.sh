#!/usr/bin/env bash
# Terminal signals and job control under the supervisor (docs/design.md,
# "Who is filtered"): an interactive bash on a pseudo-terminal runs a
# supervised command (a static program; a dynamic one under --supervise);
# ^C ends it with status 130 (128 + SIGINT), ^Z stops it as the shell's
# job (status 148, "Stopped"), `fg` continues it, and the status it then
# exits with is the shell's.  The command writes into the union before it
# waits and stats the file after it is continued (the supervisor serves
# it then too); the lowers are checked.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor-tty

SV=$REPO/build/unionenv-supervise
A=$T/A U=$T/U BIN=$T/bin
mkdir -p "$A" "$U" "$BIN"
echo base >"$A/file"

tap_plan 17

# jc FILE [stopself]: append to FILE, say READY, with stopself stop itself
# (SIGTSTP to itself alone, as a program's own suspend may); wait for
# signals; after a SIGCONT,
# stat FILE again and exit 7 (4 when the union is not seen).
jc_src='#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
static volatile sig_atomic_t cont;
static void on_cont(int s) { (void)s; cont = 1; }
int main(int argc, char **argv)
{
	struct stat st, was;
	if (argc < 2) return 2;
	int fd = open(argv[1], O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, "written\n", 8) != 8) return 3;
	close(fd);
	if (stat(argv[1], &was) < 0) return 3;
	signal(SIGCONT, on_cont);
	write(1, "READY\n", 6);
	if (argc > 2)
		kill(getpid(), SIGTSTP);
	while (!cont)  /* a stop of its own is over before kill returns */
		pause();
	write(1, "CONTINUED\n", 10);
	return stat(argv[1], &st) == 0 && st.st_size == was.st_size ? 7 : 4;
}'
if [ ! -x "$SV" ] || ! command -v python3 >/dev/null ||
    ! cc -static -O2 -o "$BIN/jc-static" -x c - <<<"$jc_src" 2>/dev/null; then
    for i in $(seq 17); do tap_skip "supervisor-tty $i" "no unionenv-supervise, python3 or static C library"; done
    tap_done; exit $?
fi
cc -O2 -o "$BIN/jc" -x c - <<<"$jc_src" || exit 1
lowers_remember "$A"

# term SCRIPT: run an interactive bash on a pseudo-terminal; SCRIPT's lines
# are "send TEXT" (TEXT with \x03 and the like) and "expect REGEX"; prints
# what the terminal showed, or "TIMEOUT waiting for REGEX" and all of it.
term() {
    timeout -k 5 120 python3 - "$1" <<'PY'
import os, pty, re, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.environ.update(PS1="$ ", TERM="dumb")
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
buf = b""
def expect(rx, secs=30):
    global buf
    end = time.time() + secs
    while time.time() < end:
        m = re.search(rx.encode(), buf)
        if m:
            buf = buf[m.end():]
            return True
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                d = b""
            if not d:
                break
            buf += d
            sys.stdout.write(d.decode(errors="replace"))
    return False
for line in open(sys.argv[1]):
    cmd, _, arg = line.rstrip("\n").partition(" ")
    if cmd == "send":
        os.write(fd, arg.encode().decode("unicode_escape").encode())
    elif not expect(arg):
        print("\nTIMEOUT waiting for " + arg)
        break
os.write(fd, b"exit\n")
time.sleep(0.2)
try:
    os.kill(pid, 9)
except OSError:
    pass
PY
}

n=0
for mode in static supervise; do
    if [ $mode = static ]; then prog=$BIN/jc-static opt=; else prog=$BIN/jc opt=--supervise; fi
    name=${prog##*/}
    rm -rf "$U" && mkdir "$U"
    cmd="'$UNION_CMD' --lower '$A' --upper '$U' $opt -- '$prog' '$A/file'"
    cat >"$T/script" <<S
expect \\\$ \$
send $cmd\n
expect READY
send \x03
expect \\\$ \$
send echo "int=\$?"\n
expect int=[0-9]+
send $cmd\n
expect READY
send \x1a
expect Stopped
expect \\\$ \$
send echo "stop=\$?"\n
expect stop=[0-9]+
send fg\n
expect CONTINUED
expect \\\$ \$
send echo "end=\$?"\n
expect end=[0-9]+
send $cmd stopself\n
expect READY
expect Stopped
expect \\\$ \$
send echo "selfstop=\$?"\n
expect selfstop=[0-9]+
send fg\n
expect CONTINUED
expect \\\$ \$
send echo "selfend=\$?"\n
expect selfend=[0-9]+
send $cmd &\n
expect READY
send kill -TSTP \$!; sleep 0.5; echo "pstate=\$(ps -o stat= -p \$(pgrep -xn $name))"\n
expect pstate=[A-Z]
send jobs\n
expect Stopped
send fg\n
expect CONTINUED
expect \\\$ \$
send echo "bgend=\$?"\n
expect bgend=[0-9]+
S
    out=$(term "$T/script" 2>&1)
    n=$((n + 1))
    tap_is "$mode: ^C ends the supervised command, status 128+SIGINT" "int=130" \
        "$(grep -o 'int=[0-9]*' <<<"$out" | tail -n 1)"
    tap_is "$mode: ^Z stops it as the shell's job, status 128+SIGTSTP" "stop=148" \
        "$(grep -o 'stop=[0-9]*' <<<"$out" | tail -n 1)"
    got=$(grep -o 'end=[0-9]*' <<<"$out" | tail -n 1)
    tap_is "$mode: fg continues it, the union still served, its status passed on" "end=7" "$got"
    [ "$got" = end=7 ] || printf '%s\n' "$out" | tail -n 20 | tap_diag
    tap_is "$mode: a command that stops itself alone stops the shell's job" "selfstop=148" \
        "$(grep -o 'selfstop=[0-9]*' <<<"$out" | tail -n 1)"
    got=$(grep -o 'selfend=[0-9]*' <<<"$out" | tail -n 1)
    tap_is "$mode: ... and fg continues it" "selfend=7" "$got"
    [ "$got" = selfend=7 ] || printf '%s\n' "$out" | tail -n 12 | tap_diag
    tap_is "$mode: kill -TSTP of the background job stops the program itself" "pstate=T" \
        "$(grep -o 'pstate=[A-Z]*' <<<"$out" | tail -n 1)"
    got=$(grep -o 'bgend=[0-9]*' <<<"$out" | tail -n 1)
    tap_is "$mode: ... the shell sees its job stopped, and fg continues it" "bgend=7" "$got"
    [ "$got" = bgend=7 ] || printf '%s\n' "$out" | tail -n 12 | tap_diag
    tap_is "$mode: the four runs wrote into the upper" "$(printf 'base\nwritten\nwritten\nwritten\nwritten')" "$(cat "$U/file" 2>&1)"
done
lowers_unchanged "^C, ^Z and fg of supervised commands"
tap_done

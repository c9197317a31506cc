#!/usr/bin/env bash
# Children the library cannot follow (issue 9, section 1): a statically
# linked writer (and a static-pie one, and a Go one) started inside a union
# by every exec path the library wraps, and by the programs that start
# programs (bash, make, python3, env, a #! script), is refused with one line
# on stderr and a failing exec; the lowers are unchanged after each.  With
# --allow-unfollowed a read-only static program runs with one warning.  A
# dynamic glibc program runs untouched.  A Go program as the launcher's own
# command runs under the supervisor (tests/scenarios/supervisor.sh).
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init unfollowed

STARTERS=$REPO/build/tests/starters
A=$T/A U=$T/U BIN=$T/bin
mkdir -p "$A" "$BIN"
echo original >"$A/file"

if ! command -v gcc >/dev/null || [ ! -x "$STARTERS" ]; then
    tap_plan 1
    tap_skip "unfollowed children" "gcc or build/tests/starters missing (run make)"
    exit 0
fi
printf '%s\n' '#include <stdio.h>' \
    'int main(int c, char **v) { FILE *f = fopen(v[1], "a"); if (!f) return 1; fputs("written\n", f); return fclose(f) != 0; }' \
    >"$T/writer.c"
printf '%s\n' '#include <stdio.h>' 'int main(void) { puts("read-only static ran"); return 0; }' >"$T/reader.c"
gcc -O2 -static -o "$BIN/wstatic" "$T/writer.c" || exit 1
gcc -O2 -static-pie -o "$BIN/wpie" "$T/writer.c" 2>/dev/null || rm -f "$BIN/wpie"
gcc -O2 -static -o "$BIN/rstatic" "$T/reader.c" || exit 1
gcc -O2 -o "$BIN/wdyn" "$T/writer.c" || exit 1
# a copy inside the lower: a program of the union itself
cp "$BIN/wstatic" "$A/wstatic"
WGO=
if command -v go >/dev/null; then
    printf '%s\n' 'package main' 'import "os"' \
        'func main() { f, err := os.OpenFile(os.Args[1], os.O_APPEND|os.O_WRONLY, 0); if err != nil { os.Exit(1) }; f.WriteString("go wrote\n"); f.Close() }' \
        >"$T/w.go"
    (cd "$T" && GOCACHE=$T/gocache GOPATH=$T/gopath GO111MODULE=off go build -o "$BIN/wgo" w.go) 2>/dev/null && WGO=$BIN/wgo
fi
lowers_remember "$A"

METHODS="execve execv execvp execvpe execl execlp execveat execveat-empty fexecve posix_spawn posix_spawnp vfork"
SHELLS="system popen"
set -- $METHODS
# (METHODS+SHELLS) refusals, 12 more, (METHODS+SHELLS+2) allowed + 1, 3 dynamic; 2 each refusal
tap_plan $(( ($# + 2) * 2 + 12 * 2 + ($# + 4) + 1 + 3 ))

# refused DESC WANT-STDOUT REASON UNION-ARGS... -- COMMAND...: run in the
# union; stdout must be WANT-STDOUT; stderr must hold exactly one line of
# the library's, naming the program and REASON; then the lowers.
refused() {
    local desc=$1 want=$2 reason=$3 out err ours
    shift 3
    out=$(union --lower "$A" --upper "$U" "$@" 2>"$T/err")
    err=$(cat "$T/err")
    ours=$(grep -c "^unionenv: .* is $reason: the union cannot follow it (use --allow-unfollowed to run it anyway)\$" "$T/err")
    if [ "$out" = "$want" ] && [ "$ours" -eq 1 ] && [ "$(grep -c '^unionenv:' "$T/err")" -eq 1 ]; then
        tap_ok "$desc"
    else
        tap_not_ok "$desc" "want stdout: $want" "got stdout:  $out" "stderr: $err"
    fi
    lowers_unchanged "$desc"
}

for m in $METHODS; do
    refused "$m of a static writer: refused, EACCES" "refused EACCES" "statically linked" \
        -- "$STARTERS" "$m" "$BIN/wstatic" "$A/file"
done
# the shell that system and popen start is followed; its exec is refused
for m in $SHELLS; do
    refused "$m of a static writer: the shell's exec is refused" "ran 126" "statically linked" \
        -- "$STARTERS" "$m" "$BIN/wstatic" "$A/file"
done

refused "bash -c starting a static writer" "" "statically linked" \
    -- bash -c "'$BIN/wstatic' '$A/file'"
refused "a static writer that lives in the union, from bash" "" "statically linked" \
    -- bash -c "cd '$A' && ./wstatic file"
printf 'all:\n\t%s %s\n' "$BIN/wstatic" "$A/file" >"$T/Makefile"
refused "make running a static writer in a recipe" "" "statically linked" \
    -- make -s -C "$T" -f "$T/Makefile"
refused "python3 subprocess.run of a static writer: PermissionError" "PermissionError" "statically linked" \
    -- python3 -c "import subprocess
try: subprocess.run(['$BIN/wstatic', '$A/file'])
except PermissionError: print('PermissionError')"
refused "execvp along PATH" "refused EACCES" "statically linked" \
    -- env PATH="$BIN:/usr/bin:/bin" "$STARTERS" execvp wstatic "$A/file"
refused "posix_spawnp along PATH" "refused EACCES" "statically linked" \
    -- env PATH="$BIN:/usr/bin:/bin" "$STARTERS" posix_spawnp wstatic "$A/file"
printf '#!%s\n' "$BIN/wstatic" >"$T/script"
chmod +x "$T/script"
refused "a #! script whose interpreter is static" "" "a script run by $BIN/wstatic, which is statically linked" \
    -- bash -c "'$T/script' '$A/file'"
refused "a child of a program that cleared its environment (env -i)" "refused EACCES" "statically linked" \
    -- env -i "$STARTERS" execve "$BIN/wstatic" "$A/file"
if [ -e "$BIN/wpie" ]; then
    refused "a static-pie writer" "" "statically linked" -- bash -c "'$BIN/wpie' '$A/file'"
else
    tap_skip "a static-pie writer" "gcc cannot link -static-pie here"
    tap_skip "lowers unchanged after a static-pie writer" "not run"
fi
if [ -n "$WGO" ]; then
    refused "a Go writer" "" "a Go program (its runtime makes its system calls itself)" \
        -- bash -c "'$WGO' '$A/file'"
    # the launcher's own command runs under the supervisor: silent, its
    # write in the upper (an upper of its own: the last check below reads U)
    out=$(union --lower "$A" --upper "$T/Ugo" -- "$WGO" "$A/file" 2>"$T/err"; echo "status $?")
    tap_is "the launcher runs a Go command under the supervisor, its write in the upper" \
        "status 0 //original go wrote" "$out /$(cat "$T/err")/$(tr '\n' ' ' <"$T/Ugo/file" 2>&1 | sed 's/ $//')"
    lowers_unchanged "the launcher runs a Go command"
else
    for d in "a Go writer" "the launcher refuses a Go command"; do
        tap_skip "$d" "go is not installed (golang-go)"
        tap_skip "lowers unchanged after $d" "not run"
    done
fi
refused "valgrind-like: a static program found through PATH by the shell" "" "statically linked" \
    -- bash -c "PATH='$BIN':\$PATH; wstatic '$A/file'"

# --allow-unfollowed: a read-only static program runs, with one warning
# line, through every path, and in a child of env -i.
allowed() {
    local desc=$1 out
    shift
    out=$(union --allow-unfollowed --lower "$A" --upper "$U" -- "$@" 2>"$T/err")
    if grep -q "^read-only static ran" <<<"$out" &&
        [ "$(grep -c "^unionenv: warning: .* is statically linked: the union cannot follow it\$" "$T/err")" -eq 1 ] &&
        [ "$(wc -l <"$T/err")" -eq 1 ]; then
        tap_ok "$desc"
    else
        tap_not_ok "$desc" "stdout: $out" "stderr: $(cat "$T/err")"
    fi
}
for m in $METHODS $SHELLS; do
    allowed "--allow-unfollowed: $m runs a static program with a warning" "$STARTERS" "$m" "$BIN/rstatic"
done
allowed "--allow-unfollowed reaches a child of env -i" env -i "$STARTERS" execve "$BIN/rstatic"
allowed "--allow-unfollowed: the command itself, warned once" "$BIN/rstatic"
lowers_unchanged "the --allow-unfollowed runs"

# A dynamic glibc program runs untouched: no word, its write in the upper.
out=$(union --lower "$A" --upper "$U" -- "$STARTERS" execvp "$BIN/wdyn" "$A/file" 2>"$T/err")
tap_is "a dynamic writer runs, silently" "ran 0 /" "$out /$(cat "$T/err")"
tap_is "its write is in the upper" "$(printf 'original\nwritten')" "$(cat "$U/file" 2>&1)"
lowers_unchanged "a dynamic writer"

tap_done

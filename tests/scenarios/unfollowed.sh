#!/usr/bin/env bash
# Children the library cannot follow (issue 9, section 1; issue 11): a
# statically linked writer (and a static-pie one, and a Go one) started
# inside a union by every exec path the library wraps, and by the programs
# that start programs (bash, make, python3, env, a #! script), is handed to
# the supervisor (build/unionenv-supervise): it runs, silently, its write
# lands in the upper, and the lowers are unchanged after each; go build
# from bash writes its program into the upper.  Refused with one line on
# stderr and a failing exec (EACCES): a set-id static program (under the
# filter's no_new_privs it would lose its privileges), and any of them when
# the supervisor is missing.  With --allow-unfollowed a read-only static
# program runs unfollowed with one warning.  A dynamic glibc program runs
# untouched.
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
# a #! script of the union whose interpreter is the static writer: the
# kernel runs "wstatic SCRIPT", which appends to the script itself
printf '#!%s\n' "$BIN/wstatic" >"$A/script"
chmod +x "$A/script"
if [ -n "$WGO" ]; then
    mkdir -p "$A/gomod"
    printf 'module example.com/hello\n\ngo 1.18\n' >"$A/gomod/go.mod"
    printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("built in the union") }\n' >"$A/gomod/main.go"
fi
lowers_remember "$A"

METHODS="execve execv execvp execvpe execl execlp execveat execveat-empty fexecve posix_spawn posix_spawnp vfork"
SHELLS="system popen"
set -- $METHODS
# (METHODS+SHELLS) handed over, 12 more, go build (3), set-id and without
# the supervisor (3 refusals), (METHODS+SHELLS+2) allowed + 1, 3 dynamic;
# 2 each handed over or refused
tap_plan $(( ($# + 2) * 2 + 12 * 2 + 3 + 3 * 2 + ($# + 4) + 1 + 3 ))

N=0
# followed DESC WANT-STDOUT FILE WANT-CONTENT UNION-ARGS... -- COMMAND...:
# run in the union with an upper of its own; stdout must be WANT-STDOUT,
# stderr empty (the supervisor runs it silently), and FILE of the upper
# hold WANT-CONTENT (the write landed there); then the lowers.
followed() {
    local desc=$1 want=$2 file=$3 content=$4 out got up
    shift 4
    N=$((N + 1)) up=$T/up.$N
    out=$(union --lower "$A" --upper "$up" "$@" 2>"$T/err")
    got=$(cat "$up/$file" 2>&1)
    if [ "$out" = "$want" ] && [ ! -s "$T/err" ] && [ "$got" = "$content" ]; then
        tap_ok "$desc"
    else
        tap_not_ok "$desc" "want stdout: $want" "got stdout:  $out" "stderr: $(cat "$T/err")" \
            "upper's $file: $got"
    fi
    lowers_unchanged "$desc"
}
WROTE=$(printf 'original\nwritten')

for m in $METHODS; do
    followed "$m of a static writer: followed by the supervisor" "ran 0" file "$WROTE" \
        -- "$STARTERS" "$m" "$BIN/wstatic" "$A/file"
done
# the shell that system and popen start is followed; it hands the writer over
for m in $SHELLS; do
    followed "$m of a static writer: the shell hands it to the supervisor" "ran 0" file "$WROTE" \
        -- "$STARTERS" "$m" "$BIN/wstatic" "$A/file"
done

followed "bash -c starting a static writer" "" file "$WROTE" \
    -- bash -c "'$BIN/wstatic' '$A/file'"
followed "a static writer that lives in the union, from bash" "" file "$WROTE" \
    -- bash -c "cd '$A' && ./wstatic file"
printf 'all:\n\t%s %s\n' "$BIN/wstatic" "$A/file" >"$T/Makefile"
followed "make running a static writer in a recipe" "" file "$WROTE" \
    -- make -s -C "$T" -f "$T/Makefile"
followed "python3 subprocess.run of a static writer" "0" file "$WROTE" \
    -- python3 -c "import subprocess
print(subprocess.run(['$BIN/wstatic', '$A/file']).returncode)"
followed "execvp along PATH" "ran 0" file "$WROTE" \
    -- env PATH="$BIN:/usr/bin:/bin" "$STARTERS" execvp wstatic "$A/file"
followed "posix_spawnp along PATH" "ran 0" file "$WROTE" \
    -- env PATH="$BIN:/usr/bin:/bin" "$STARTERS" posix_spawnp wstatic "$A/file"
followed "a #! script of the union whose interpreter is static" "" script "$(printf '#!%s\nwritten' "$BIN/wstatic")" \
    -- bash -c "'$A/script'"
followed "a child of a program that cleared its environment (env -i)" "ran 0" file "$WROTE" \
    -- env -i "$STARTERS" execve "$BIN/wstatic" "$A/file"
if [ -e "$BIN/wpie" ]; then
    followed "a static-pie writer" "" file "$WROTE" -- bash -c "'$BIN/wpie' '$A/file'"
else
    tap_skip "a static-pie writer" "gcc cannot link -static-pie here"
    tap_skip "lowers unchanged after a static-pie writer" "not run"
fi
if [ -n "$WGO" ]; then
    followed "a Go writer started by bash" "" file "$(printf 'original\ngo wrote')" \
        -- bash -c "'$WGO' '$A/file'"
    # the launcher's own command runs under the supervisor too
    followed "a Go writer as the launcher's command" "" file "$(printf 'original\ngo wrote')" \
        -- "$WGO" "$A/file"
else
    for d in "a Go writer started by bash" "a Go writer as the launcher's command"; do
        tap_skip "$d" "go is not installed (golang-go)"
        tap_skip "lowers unchanged after $d" "not run"
    done
fi
followed "valgrind-like: a static program found through PATH by the shell" "" file "$WROTE" \
    -- bash -c "PATH='$BIN':\$PATH; wstatic '$A/file'"

# go build from bash: the go command (a Go program) is handed over, and the
# program it builds is written into the upper, then runs from there
if [ -n "$WGO" ]; then
    out=$(cd "$A/gomod" && HOME=$T/home GOCACHE=$T/gocache GOPATH=$T/gopath GOFLAGS=-mod=mod GO111MODULE=on \
        union --lower "$A" --upper "$T/goup" -- bash -c 'go build -o hello . && ./hello' 2>&1)
    tap_is "go build from bash in a union: the program runs" "built in the union" "$out"
    if [ -x "$T/goup/gomod/hello" ] && [ ! -e "$A/gomod/hello" ]; then tap_ok "go build: its program is in the upper"; else
        tap_not_ok "go build: its program is in the upper" "$(ls -la "$T/goup/gomod" "$A/gomod" 2>&1)"; fi
    lowers_unchanged "go build from bash"
else
    tap_skip "go build from bash in a union" "go is not installed (golang-go)"
    tap_skip "go build: its program is in the upper" "not run"
    tap_skip "lowers unchanged after go build" "not run"
fi

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

# set-id: refused, not supervised (only root can make a file set-id to
# another user; not where set-id bits do not take effect)
case ,$(findmnt -n -o OPTIONS --target "$T" 2>/dev/null), in *,nosuid,*) nosuid=1 ;; *) nosuid=0 ;; esac
if [ "$(id -u)" -eq 0 ] && [ "$nosuid" = 0 ]; then
    cp "$BIN/wstatic" "$BIN/wsuid"
    chown 65534 "$BIN/wsuid"
    chmod 4755 "$BIN/wsuid"
    refused "a static writer setuid to another user: refused, EACCES" "refused EACCES" "setuid to uid 65534" \
        -- "$STARTERS" execve "$BIN/wsuid" "$A/file"
else
    tap_skip "a static writer setuid to another user is refused" "needs root and a mount that honours setuid"
    tap_skip "lowers unchanged after a set-id static writer" "not run"
fi

# Without the supervisor beside the library, the refusal stays: a copy of
# the launcher with its build/ (the library and the tools) but no
# unionenv-supervise.
NOSUP=$T/nosup
mkdir -p "$NOSUP/build"
cp "$REPO/unionenv.sh" "$NOSUP/"
for f in "$REPO"/build/*; do
    [ -f "$f" ] && [ "${f##*/}" != unionenv-supervise ] && cp "$f" "$NOSUP/build/"
done
UNION_CMD=$NOSUP/unionenv.sh refused "without the supervisor: bash -c starting a static writer is refused" "" \
    "statically linked" -- bash -c "'$BIN/wstatic' '$A/file'"
UNION_CMD=$NOSUP/unionenv.sh refused "without the supervisor: the launcher refuses a static command" "" \
    "statically linked" -- "$BIN/wstatic" "$A/file"

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

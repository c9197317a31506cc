#!/usr/bin/env bats
# --trace FILE (UNIONENV_TRACE): one line per call the union translated,
# from every process of the tree, with the path as given, the layer and
# real path it went to, the copy-ups and whiteouts, and the result.

bats_require_minimum_version 1.5.0
load common

setup() {
    common_setup
    mkdir -p a/d
    echo G >a/g
    echo H >a/d/h
}
teardown() { common_teardown; }

# has LINE-PATTERN: some line of $W/t.log matches the extended regex.
has() {
    grep -Eq -- "$1" "$W/t.log" || { echo "no line matches: $1"; cat "$W/t.log"; false; }
}

@test "trace: a small job's calls, their layers, copy-ups, whiteouts and results" {
    need_lib
    before=$(lowers_sum)
    run --separate-stderr "$UE" --lower a:b --upper u --trace t.log -- sh -c '
        cd a && echo x >>fa && rm g && cat d/h fb >/dev/null && mv d e &&
        ! ls nothere 2>/dev/null && mkdir -p n/m && env -i /bin/sh -c "echo y >n/y"'
    echo "$output $stderr"
    [ "$status" -eq 0 ]
    cat t.log
    has '^[0-9]+ open(64)? "fa" -> upper "'"$W"'/u/fa"; copy-up "fa" = [0-9]+$'
    has '^[0-9]+ unlink(at)? "g" -> lower1 "'"$W"'/a/g"; whiteout "g" = 0$'
    has '^[0-9]+ open(64)? "d/h" -> lower1 "'"$W"'/a/d/h" = [0-9]+$'
    has '^[0-9]+ open(64)? "fb" -> lower2 "'"$W"'/b/fb" = [0-9]+$'
    has '^[0-9]+ rename(at2?)? "d" -> lower1 "'"$W"'/a/d", "e" -> new "'"$W"'/u/e"; copy-up "d"; copy-up "d/h"; opaque "d"; whiteout "d" = 0$'
    has '^[0-9]+ [a-z0-9_]*stat[a-z0-9]* "nothere" -> new "'"$W"'/u/nothere" = -1 ENOENT$'
    has '^[0-9]+ mkdir "n" -> new "'"$W"'/u/n" = 0$'
    # The child of env -i still traces (the setting is put back).
    has '^[0-9]+ open(64)? "n/y" -> new "'"$W"'/u/n/y" = [0-9]+$'
    # Lines of several processes, each line whole.
    [ "$(cut -d' ' -f1 t.log | sort -u | wc -l)" -ge 3 ]
    ! grep -Ev '^[0-9]+ [A-Za-z0-9_]+ ".*" -> (upper|new|outside|failed|lower[0-9]+) ".*" = (-?[0-9]+|-1 E[A-Z0-9]+|ok)$' t.log
    [ "$(lowers_sum)" = "$before" ]
}

@test "trace: a name with a quote, a backslash and a newline stays on one line" {
    need_lib
    before=$(lowers_sum)
    run "$UE" --lower a --upper u --trace t.log -- sh -c 'cd a && : >"$(printf "q\"b\\\\n\nx")"'
    [ "$status" -eq 0 ]
    cat t.log
    [ "$(wc -l <t.log)" -eq "$(grep -c '' t.log)" ]
    has 'open(64)? "q\\"b\\\\n\\012x" -> new ".*/u/q\\"b\\\\n\\012x" = [0-9]+$'
    [ "$(lowers_sum)" = "$before" ]
}

@test "trace: off by default, and the trace file is emptied at each start" {
    need_lib
    before=$(lowers_sum)
    run "$UE" --lower a --upper u -- sh -c 'echo "${UNIONENV_TRACE-unset}"; cat a/fa'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = unset ]
    echo old >t.log
    run "$UE" --lower a --upper u --trace t.log -- true
    [ "$status" -eq 0 ]
    ! grep -q old t.log
    [ "$(lowers_sum)" = "$before" ]
}

@test "trace: bad --trace: one line, status 125, nothing written" {
    mkdir tdir
    refuses "lies inside the union" --lower a --upper u --trace a/t.log -- true
    refuses "lies inside the union" --lower a --upper u --trace u/t.log -- true
    refuses "lies inside the union" --lower a:b --upper u --trace b/t.log -- true
    refuses "no directory" --lower a --upper u --trace nodir/t.log -- true
    refuses "is a directory" --lower a --upper u --trace tdir -- true
    refuses "empty --trace" --lower a --upper u --trace= -- true
    refuses "given twice" --lower a --upper u --trace x.log --trace y.log -- true
    refuses "needs a value" --lower a --upper u --trace
}

@test "trace: UNIONENV_TRACE set by hand inside a lower is refused by the library" {
    need_lib
    before=$(lowers_sum)
    mkdir u2
    run --separate-stderr env LD_PRELOAD="$LIB" UNIONENV_LOWER="$W/a" UNIONENV_UPPER="$W/u2" \
        UNIONENV_TRACE="$W/a/t.log" sh -c "cat '$W/a/fa' >/dev/null; echo z >'$W/a/new'"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [[ $stderr == *"UNIONENV_TRACE lies inside the union: not tracing"* ]]
    [ ! -e a/t.log ] && [ ! -e a/new ] && [ -f u2/new ]
    [ "$(lowers_sum)" = "$before" ]
}

@test "trace: a static program's system calls, served by the supervisor, are traced too" {
    need_lib
    [ -x "$REPO/build/unionenv-supervise" ] || skip "build/unionenv-supervise is not built"
    printf '#include <fcntl.h>\n#include <unistd.h>\nint main(int c, char **v) { int fd = open(v[1], O_WRONLY | O_APPEND); return write(fd, "s\\n", 2) != 2 || close(fd); }\n' >w.c
    cc -static -o a/wstatic w.c 2>/dev/null || skip "cannot link a static program here"
    before=$(lowers_sum)
    run --separate-stderr "$UE" --lower a:b --upper u --trace t.log -- bash -c 'cd a && ./wstatic fa'
    echo "$output $stderr"
    [ "$status" -eq 0 ]
    cat t.log
    # the path as the program gave it, not as the supervisor made it absolute
    has '^[0-9]+ syscall:openat "fa" -> upper "'"$W"'/u/fa"; copy-up "fa" = fd$'
    [ "$(cat u/fa)" = "$(printf 'A\ns')" ]
    [ "$(lowers_sum)" = "$before" ]
}

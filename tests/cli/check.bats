#!/usr/bin/env bats
# `unionenv check PROGRAM...` and the launcher's handling of a command the
# preload cannot follow (statically linked, another libc: supervised;
# setuid: refused), with real binaries built here.

bats_require_minimum_version 1.5.0
load common

CHECK=$REPO/build/unionenv-check

setup_file() {
    local d=$BATS_FILE_TMPDIR/bin
    mkdir -p "$d"
    command -v cc >/dev/null 2>&1 || return 0
    printf '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n' >"$d/hello.c"
    cc -o "$d/hello-dyn" "$d/hello.c" 2>/dev/null
    cc -static -o "$d/hello-static" "$d/hello.c" 2>/dev/null
    # glibc code, musl's loader named in PT_INTERP: what the check reads
    cc -Wl,--dynamic-linker=/lib/ld-musl-x86_64.so.1 -o "$d/hello-musl" "$d/hello.c" 2>/dev/null
    if [ "$(uname -m)" = x86_64 ]; then
        printf '%s\n' '#include <sys/syscall.h>' \
            'int main(void) { long r; __asm__ volatile("syscall" : "=a"(r) : "a"(SYS_getpid) : "rcx", "r11", "memory"); return r < 0; }' \
            >"$d/raw.c"
        cc -O2 -o "$d/raw" "$d/raw.c" 2>/dev/null
    fi
    return 0
}

setup() {
    common_setup
    [ -x "$CHECK" ] || skip "build/unionenv-check is not built (run make)"
    BIN=$BATS_FILE_TMPDIR/bin
}
teardown() { common_teardown; }

need() {  # need FILE: a program setup_file could build
    [ -x "$BIN/$1" ] || skip "could not build $1 here"
}

# no_suid DIR: setuid bits do not take effect below DIR
no_suid() {
    case ,$(findmnt -n -o OPTIONS --target "$1" 2>/dev/null), in *,nosuid,*) return 0 ;; esac
    return 1
}

# system_suid: a setuid-root program of the system that takes effect here
system_suid() {
    local p
    for p in /usr/bin/passwd /bin/su /usr/bin/su /usr/bin/mount /usr/bin/chfn; do
        if [ -u "$p" ] && [ -x "$p" ] && [ "$(stat -c %u "$p")" = 0 ] && ! no_suid "$p"; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# ---- unionenv check ----------------------------------------------------

@test "check: /bin/ls is followed" {
    run --separate-stderr "$UE" check /bin/ls
    [ "$status" -eq 0 ]
    [ "$output" = "/bin/ls: followed" ]
    [ -z "$stderr" ]
}

@test "check looks a program up in PATH, as a shell does" {
    run --separate-stderr "$UE" check ls
    [ "$status" -eq 0 ]
    [ "$output" = "ls: followed" ]
    need hello-static
    PATH=$BIN:$PATH run --separate-stderr "$UE" check hello-static
    [ "$status" -eq 0 ]
    [ "$output" = "hello-static: followed by the supervisor (statically linked)" ]
}

@test "check: a statically linked program is followed by the supervisor" {
    need hello-static
    run --separate-stderr "$UE" check "$BIN/hello-static"
    [ "$status" -eq 0 ]
    [ "$output" = "$BIN/hello-static: followed by the supervisor (statically linked)" ]
}

@test "check: a static program setuid to another user is not followed (never supervised)" {
    need hello-static
    [ "$(id -u)" -eq 0 ] || skip "only root can give a file to another user"
    no_suid "$W" && skip "$W is mounted nosuid"
    cp "$BIN/hello-static" ./suid-static
    chown 65534 ./suid-static
    chmod 4755 ./suid-static
    run --separate-stderr "$UE" check ./suid-static
    [ "$status" -eq 1 ]
    [ "$output" = "./suid-static: not followed: setuid to uid 65534" ]
}

@test "check: one line per program, status 1 if any is not followed" {
    need hello-static
    run --separate-stderr "$UE" check /bin/ls "$BIN/hello-static" "$BIN/hello-dyn" no-such-program-here
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 4 ]
    [ "${lines[0]}" = "/bin/ls: followed" ]
    [ "${lines[1]}" = "$BIN/hello-static: followed by the supervisor (statically linked)" ]
    [ "${lines[2]}" = "$BIN/hello-dyn: followed" ]
    [ "${lines[3]}" = "no-such-program-here: not found" ]
    run --separate-stderr "$UE" check /bin/ls "$BIN/hello-static" "$BIN/hello-dyn"
    [ "$status" -eq 0 ]
}

@test "check --json: one JSON object a line, with the verdict and its reason" {
    need hello-static
    run --separate-stderr "$UE" check --json /bin/ls "$BIN/hello-static" no-such-program-here
    echo "$output"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 3 ]
    [ "${lines[0]}" = '{"program":"/bin/ls","verdict":"followed"}' ]
    [ "${lines[1]}" = '{"program":"'"$BIN"'/hello-static","verdict":"supervised","reason":"statically linked"}' ]
    [ "${lines[2]}" = '{"program":"no-such-program-here","verdict":"not-found"}' ]
    python3 -c 'import json, sys; [json.loads(l) for l in sys.stdin]' <<<"$output"
    run --separate-stderr "$UE" check --json /bin/ls
    [ "$status" -eq 0 ]
}

@test "check: a shell script is followed through /bin/sh; so is one without #!" {
    printf '#!/bin/sh\necho hi\n' >script
    printf 'echo hi\n' >bare
    chmod +x script bare
    run --separate-stderr "$UE" check ./script ./bare
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "./script: followed" ]
    [ "${lines[1]}" = "./bare: followed" ]
}

@test "check: a script whose #! interpreter is statically linked is followed by the supervisor" {
    need hello-static
    printf '#!%s\n' "$BIN/hello-static" >script
    printf '#!/usr/bin/env hello-static\n' >envscript
    chmod +x script envscript
    run --separate-stderr "$UE" check ./script
    [ "$status" -eq 0 ]
    [ "$output" = "./script: followed by the supervisor (a script run by $BIN/hello-static, which is statically linked)" ]
    # /usr/bin/env is followed, but what it runs only by the supervisor
    PATH=$BIN:$PATH run --separate-stderr "$UE" check ./envscript
    [ "$status" -eq 0 ]
    [ "$output" = "./envscript: followed by the supervisor (a script run by hello-static (through env), which is statically linked)" ]
}

@test "check: setuid to another user is not followed" {
    local prog=
    if [ "$(id -u)" -eq 0 ]; then
        no_suid "$W" && skip "$W is mounted nosuid"
        cp /bin/true ./suid-true
        chown 65534 ./suid-true
        chmod 4755 ./suid-true
        prog=./suid-true
        run --separate-stderr "$UE" check "$prog"
        [ "$status" -eq 1 ]
        [ "$output" = "$prog: not followed: setuid to uid 65534" ]
    else
        # A copy of ours would be setuid to ourselves: take the system's.
        prog=$(system_suid) || skip "no setuid-root program found"
        run --separate-stderr "$UE" check "$prog"
        [ "$status" -eq 1 ]
        [ "$output" = "$prog: not followed: setuid root" ]
    fi
}

@test "check: setuid to oneself changes nothing, so it is followed (the loader keeps LD_PRELOAD)" {
    cp /bin/true ./my-true
    chmod 4755 ./my-true
    run --separate-stderr "$UE" check ./my-true
    [ "$status" -eq 0 ]
    [ "$output" = "./my-true: followed" ]
}

@test "check: setgid to another group is not followed" {
    [ "$(id -u)" -eq 0 ] || skip "only root can give a file to another group"
    no_suid "$W" && skip "$W is mounted nosuid"
    cp /bin/true ./sgid-true
    chgrp 65534 ./sgid-true
    chmod 2755 ./sgid-true
    run --separate-stderr "$UE" check ./sgid-true
    [ "$status" -eq 1 ]
    [ "$output" = "./sgid-true: not followed: setgid to gid 65534" ]
}

@test "check: a program for musl's loader is followed by the supervisor" {
    need hello-musl
    run --separate-stderr "$UE" check "$BIN/hello-musl"
    [ "$status" -eq 0 ]
    [ "$output" = "$BIN/hello-musl: followed by the supervisor (linked against musl libc, not glibc)" ]
}

@test "check: a 32-bit program is not followed by the 64-bit library" {
    local p
    for p in /lib32/libc.so.6 /usr/lib32/libc.so.6 /lib/i386-linux-gnu/libc.so.6; do
        [ -x "$p" ] && break
        p=
    done
    [ -n "$p" ] || skip "no 32-bit ELF program on this machine"
    run --separate-stderr "$UE" check "$p"
    [ "$status" -eq 1 ]
    [ "$output" = "$p: not followed: a 32-bit program (the union's library is 64-bit)" ]
}

@test "check: raw syscall instructions are a warning, not a refusal" {
    need raw
    run --separate-stderr "$UE" check "$BIN/raw"
    [ "$status" -eq 0 ]
    [[ $output == "$BIN/raw: followed (warning: it makes raw system calls that bypass libc"* ]]
    run --separate-stderr "$UE" check /bin/ls
    [ "$output" = "/bin/ls: followed" ]
}

@test "check: busybox-static is followed by the supervisor" {
    local p
    p=$(command -v busybox) || skip "busybox is not installed"
    file -L "$p" | grep -q 'statically linked' || skip "this busybox is dynamically linked"
    run --separate-stderr "$UE" check "$p"
    [ "$status" -eq 0 ]
    [ "$output" = "$p: followed by the supervisor (statically linked)" ]
}

@test "check: missing, not executable, a directory" {
    echo data >plain
    run --separate-stderr "$UE" check no-such-program ./plain /tmp
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "no-such-program: not found" ]
    [ "${lines[1]}" = "./plain: cannot run: not executable" ]
    [ "${lines[2]}" = "/tmp: cannot run: a directory" ]
}

@test "check: usage errors exit 125" {
    run --separate-stderr "$UE" check
    [ "$status" -eq 125 ]
    [[ $stderr == *"no program given"* ]]
    run --separate-stderr "$UE" check --bogus /bin/ls
    [ "$status" -eq 125 ]
    run --separate-stderr "$UE" check --help
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == "Usage: unionenv check "* ]]
}

@test "check with the layers finds a program as the union shows it" {
    need hello-static
    mkdir u
    cp "$BIN/hello-dyn" a/prog
    run --separate-stderr "$UE" check --lower a --upper u "$W/a/prog"
    [ "$output" = "$W/a/prog: followed" ]
    cp "$BIN/hello-static" u/prog    # the upper's copy hides the lower's
    run --separate-stderr "$UE" check --lower a --upper u "$W/a/prog"
    [ "$output" = "$W/a/prog: followed by the supervisor (statically linked)" ]
    run --separate-stderr "$UE" check "$W/a/prog"    # without: the lower's
    [ "$output" = "$W/a/prog: followed" ]
}

# ---- the launcher ------------------------------------------------------

@test "the launcher runs a statically linked command under the supervisor" {
    need_lib
    need hello-static
    [ -x "$REPO/build/unionenv-supervise" ] || skip "build/unionenv-supervise is not built"
    run --separate-stderr "$UE" --lower a --upper u -- "$BIN/hello-static"
    echo "$status / $output / $stderr"
    [ "$status" -eq 0 ]
    [ "$output" = hi ]
    [ -z "$stderr" ]
}

@test "the launcher finds a static command in PATH and supervises it" {
    need_lib
    need hello-static
    [ -x "$REPO/build/unionenv-supervise" ] || skip "build/unionenv-supervise is not built"
    PATH=$BIN:$PATH run --separate-stderr "$UE" --lower a --upper u -- hello-static
    [ "$status" -eq 0 ]
    [ "$output" = hi ]
    PATH=$BIN:$PATH run --separate-stderr "$UE" --lower a --upper u -- hello-dyn
    [ "$status" -eq 0 ]
    [ "$output" = hi ]
    [ -z "$stderr" ]
}

@test "the launcher refuses a setuid command" {
    need_lib
    local prog reason
    if [ "$(id -u)" -eq 0 ]; then
        no_suid "$W" && skip "$W is mounted nosuid"
        cp /bin/true ./suid-true
        chown 65534 ./suid-true
        chmod 4755 ./suid-true
        prog=./suid-true reason="setuid to uid 65534"
    else
        prog=$(system_suid) || skip "no setuid-root program found"
        reason="setuid root"
    fi
    run --separate-stderr "$UE" --lower a --upper u -- "$prog" --help
    [ "$status" -eq 126 ]
    [ "$stderr" = "unionenv: $prog is $reason: the union cannot follow it (use --allow-unfollowed to run it anyway)" ]
    [ ! -e u ]
}

@test "a command that is only in the upper is checked through the layers" {
    need_lib
    need hello-static
    mkdir u
    cp "$BIN/hello-static" u/prog
    cd a
    # static: found through the layers and run supervised, from the upper
    run --separate-stderr "$UE" --lower . --upper ../u -- ./prog
    [ "$status" -eq 0 ]
    [ "$output" = hi ]
    # and the upper's program hides a lower's of the same name
    cp "$BIN/hello-static" ./prog2
    cp "$BIN/hello-dyn" ../u/prog2
    run --separate-stderr "$UE" --lower . --upper ../u -- ./prog2
    [ "$status" -eq 0 ]
    [ "$output" = hi ]
}

@test "a missing command is left to exec to report (127)" {
    need_lib
    run -127 --separate-stderr "$UE" --lower a --upper u -- no-such-command
    [ "$status" -eq 127 ]
}

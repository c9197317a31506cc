#!/usr/bin/env bats
# Good input: what the launcher hands to the library. These run against a
# stub library (see stub_setup), so they test the launcher alone.

bats_require_minimum_version 1.5.0
load common

setup() {
    common_setup
    stub_setup || skip "no C compiler to build the stub library"
}
teardown() { common_teardown; }

# Print the environment the command receives, one variable per line.
show_env='printf "%s\n" "L=$UNIONENV_LOWER" "U=$UNIONENV_UPPER" "M=$UNIONENV_MOUNT" "LIB=$UNIONENV_LIB" "P=$LD_PRELOAD"'

@test "--help exits 0 with usage on stdout" {
    run --separate-stderr "$UE" --help
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == "Usage: unionenv "* ]]
    [ -z "$stderr" ]
    run --separate-stderr "$UE" -h
    [ "$status" -eq 0 ]
}

@test "--version" {
    run --separate-stderr "$UE" --version
    [ "$status" -eq 0 ]
    [ "$output" = "unionenv 0.1.0" ]
}

@test "relative paths are made canonical and absolute" {
    run --separate-stderr "$STUB" --lower a:b --upper u -- sh -c "$show_env"
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "L=$W/a:$W/b" ]
    [ "${lines[1]}" = "U=$W/u" ]
    [ "${lines[2]}" = "M=$W/a" ]
    [ "${lines[3]}" = "LIB=$STUB_LIB" ]
    [ "${lines[4]}" = "P=$STUB_LIB" ]
    [ -d u ]
}

@test "relative paths with .. and symlinks" {
    mkdir -p x/y
    ln -s b blink
    cd x/y
    run --separate-stderr "$STUB" --lower ../../a:../../blink --upper ../../a/../u2 -- sh -c "$show_env"
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "L=$W/a:$W/b" ]
    [ "${lines[1]}" = "U=$W/u2" ]
    [ -d "$W/u2" ]
}

@test "missing upper is created with its parents" {
    run --separate-stderr "$STUB" --lower a --upper new/deep/u -- true
    [ "$status" -eq 0 ]
    [ -d new/deep/u ]
}

@test "existing empty upper is used as it is" {
    mkdir u
    touch u/keep
    run --separate-stderr "$STUB" --lower a --upper u -- true
    [ "$status" -eq 0 ]
    [ -f u/keep ]
}

@test "--opt=value form, run subcommand, command without --" {
    run --separate-stderr "$STUB" run --lower=a:b --upper=u --mount=b sh -c "$show_env"
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "L=$W/a:$W/b" ]
    [ "${lines[2]}" = "M=$W/b" ]
}

@test "a lower inside another lower is accepted" {
    run --separate-stderr "$STUB" --lower a:a/sub --upper u -- sh -c "$show_env"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "L=$W/a:$W/a/sub" ]
}

@test "/ as a lower: the upper inside it, /proc, /sys and /dev pass through" {
    run --separate-stderr "$STUB" --lower / --upper u -- sh -c 'echo "T=$UNIONENV_PASSTHROUGH"; echo "M=$UNIONENV_MOUNT"'
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "T=$W/u:/proc:/sys:/dev" ]
    [ "${lines[1]}" = "M=/" ]
    [ -d u ]
}

@test "no pass-through without / as a lower, even when one was inherited" {
    UNIONENV_PASSTHROUGH=/x run --separate-stderr "$STUB" --lower a --upper u -- sh -c 'echo "T=${UNIONENV_PASSTHROUGH-unset}"'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "T=unset" ]
}

@test "mount may be any existing directory outside the upper" {
    mkdir m
    run --separate-stderr "$STUB" --lower a --upper u --mount ./m/ -- sh -c "$show_env"
    [ "$status" -eq 0 ]
    [ "${lines[2]}" = "M=$W/m" ]
}

@test "an existing LD_PRELOAD is kept after the library" {
    LD_PRELOAD=$OTHER_LIB run --separate-stderr "$STUB" --lower a --upper u -- sh -c "$show_env"
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "${lines[4]}" = "P=$STUB_LIB $OTHER_LIB" ]
}

@test "the library is not preloaded twice when nested" {
    LD_PRELOAD="$STUB_LIB $OTHER_LIB" run --separate-stderr "$STUB" --lower a --upper u -- sh -c "$show_env"
    [ "$status" -eq 0 ]
    [ "${lines[4]}" = "P=$STUB_LIB $OTHER_LIB" ]
}

@test "arguments reach the command unchanged" {
    run --separate-stderr "$STUB" --lower a --upper u -- printf '<%s>' 'two words' '' '--lower' '*'
    [ "$status" -eq 0 ]
    [ "$output" = "<two words><><--lower><*>" ]
}

@test "the command's exit status is passed through" {
    run --separate-stderr "$STUB" --lower a --upper u -- sh -c 'exit 7'
    [ "$status" -eq 7 ]
}

@test "lowers are never written" {
    before=$(lowers_sum)
    run --separate-stderr "$STUB" --lower a:b --upper u -- true
    [ "$status" -eq 0 ]
    after=$(lowers_sum)
    [ "$before" = "$after" ]
}

@test "the launcher is one process: no shell, check tool or probe is run beside it" {
    command -v strace >/dev/null || skip "strace is not installed (scripts/install-deps.sh)"
    run --separate-stderr strace -f -qq -e trace=execve -e signal=none -o "$W/execs" "$STUB" --lower a --upper u -- true
    echo "$status $stderr"
    [ "$status" -eq 0 ]
    cat "$W/execs"
    # The script (run by /bin/sh), the launcher, the command (found
    # outside the union: no env in between): nothing else (realpath, stat,
    # unionenv-check, unionenv-upperform and env were run for every start
    # before).
    progs=$(grep -v ENOENT "$W/execs" | grep -o 'execve("[^"]*"' | sed 's/.*"\(.*\)"/\1/; s|.*/||' | tr '\n' ' ')
    [ "$progs" = "unionenv unionenv-launch true " ]
}

# The layers' token (core/layercheck.h): the launcher made every name
# canonical, so it hands the command's library the token that library
# would make, and the first process reads no /proc to check the names.
@test "the layers' token the library would make is passed, a stale one replaced" {
    [ -f "$REPO/build/libunionenv.so" ] || skip "build/libunionenv.so is not built (run make)"
    mkdir -p u
    before=$(lowers_sum)
    run --separate-stderr "$STUB" --lower a:b --upper u -- sh -c 'printf %s "$UNIONENV_CHECKED"'
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^[0-9a-f]{16}$ ]]
    given=$output
    # The library's own token, from its full check (no token given).
    run --separate-stderr env -u UNIONENV_CHECKED LD_PRELOAD="$REPO/build/libunionenv.so" \
        UNIONENV_LOWER="$W/a:$W/b" UNIONENV_UPPER="$W/u" UNIONENV_MOUNT="$W/a" sh -c 'printf %s "$UNIONENV_CHECKED"'
    echo "$status $output $stderr"
    [ "$output" = "$given" ]
    UNIONENV_CHECKED=0123456789abcdef run --separate-stderr "$STUB" --lower a:b --upper u -- sh -c 'printf %s "$UNIONENV_CHECKED"'
    [ "$output" = "$given" ]
    [ "$(lowers_sum)" = "$before" ]
}

@test "a command the union may show otherwise is run through env, under the preload" {
    command -v strace >/dev/null || skip "strace is not installed (scripts/install-deps.sh)"
    printf '#!/bin/sh\necho lower\n' >a/prog
    chmod +x a/prog
    for how in "./prog" "prog" "$W/a/prog"; do
        rm -f "$W/execs"
        (cd a && PATH=$W/a:$PATH strace -f -qq -e trace=execve -e signal=none -o "$W/execs" "$STUB" --lower . --upper ../u -- "$how") >"$W/out" 2>&1
        echo "$how: $(cat "$W/out")"
        grep -q 'execve("[^"]*/env"' "$W/execs"
    done
    # --allow-unfollowed: the library's own word at env's exec is wanted.
    strace -f -qq -e trace=execve -e signal=none -o "$W/execs" "$STUB" --allow-unfollowed --lower a --upper u -- true
    grep -q 'execve("[^"]*/env"' "$W/execs"
}

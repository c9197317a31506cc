#!/usr/bin/env bats
# `make install`: the launcher, library and man page land where PREFIX and
# DESTDIR say, and the installed launcher finds the installed library.

bats_require_minimum_version 1.5.0
load common

setup() {
    common_setup
    need_lib
}
teardown() { common_teardown; }

@test "make install DESTDIR=... PREFIX=/usr stages the files" {
    run make -s -C "$REPO" install DESTDIR="$W/dest" PREFIX=/usr
    echo "$output"
    [ "$status" -eq 0 ]
    [ -x dest/usr/bin/unionenv ]
    [ -f dest/usr/lib/unionenv/libunionenv.so ]
    [ -f dest/usr/share/man/man1/unionenv.1 ]
    [ -f dest/usr/share/bash-completion/completions/unionenv ]
    # The launcher looks for the library where it will be, not where it is staged.
    grep -qx 'UNIONENV_LIBDIR=/usr/lib/unionenv' dest/usr/bin/unionenv
    run dest/usr/bin/unionenv --version
    [ "$output" = "unionenv 0.1.0" ]
}

@test "an installed unionenv runs a command" {
    run make -s -C "$REPO" install PREFIX="$W/prefix"
    echo "$output"
    [ "$status" -eq 0 ]
    run --separate-stderr "$W/prefix/bin/unionenv" --lower a --upper u -- sh -c 'printf %s "$UNIONENV_LIB"'
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "$output" = "$W/prefix/lib/unionenv/libunionenv.so" ]
    run --separate-stderr "$W/prefix/bin/unionenv" --lower a --upper u -- true
    [ "$status" -eq 0 ]
}

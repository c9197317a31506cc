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
    # `unionenv` is the launcher itself, by a relative link: it looks for
    # the library in its own directory, where it will be once installed,
    # and where it is staged too.
    [ "$(readlink dest/usr/bin/unionenv)" = ../lib/unionenv/unionenv-launch ]
    run dest/usr/bin/unionenv --version
    [ "$output" = "unionenv 0.1.0" ]
}

@test "an installed tree moved whole still finds its library and tools" {
    run make -s -C "$REPO" install PREFIX=/opt/ue LIBDIR=/opt/ue/lib/x86/ue DESTDIR="$W/stage"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(readlink stage/opt/ue/bin/unionenv)" = ../lib/x86/ue/unionenv-launch ]
    mv stage/opt/ue moved
    # Reached through a symbolic link, as /bin/unionenv on a merged /usr.
    ln -s moved/bin bin
    run --separate-stderr bin/unionenv --lower a --upper u -- sh -c 'printf %s "$UNIONENV_LIB"'
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "$output" = "$W/moved/lib/x86/ue/libunionenv.so" ]
    run --separate-stderr bin/unionenv fsck u
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
}

@test "unionenv.sh set to an absolute UNIONENV_LIBDIR takes it as it is" {
    run make -s -C "$REPO" install PREFIX="$W/prefix"
    [ "$status" -eq 0 ]
    sed "s|^UNIONENV_LIBDIR=.*|UNIONENV_LIBDIR=$W/prefix/lib/unionenv|" "$REPO/unionenv.sh" >abs
    chmod +x abs
    run --separate-stderr ./abs --lower a --upper u -- sh -c 'printf %s "$UNIONENV_LIB"'
    [ "$status" -eq 0 ]
    [ "$output" = "$W/prefix/lib/unionenv/libunionenv.so" ]
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
    # A start runs no shell in front of the launcher.
    [ -L "$W/prefix/bin/unionenv" ]
    [ "$(realpath "$W/prefix/bin/unionenv")" = "$(realpath "$W/prefix/lib/unionenv/unionenv-launch")" ]
}

@test "a symbolic link to the installed launcher, elsewhere, still finds its tree" {
    run make -s -C "$REPO" install PREFIX="$W/prefix"
    [ "$status" -eq 0 ]
    mkdir mybin
    ln -s "$W/prefix/bin/unionenv" mybin/unionenv
    run --separate-stderr mybin/unionenv --lower a --upper u -- sh -c 'printf %s "$UNIONENV_LIB"'
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "$output" = "$W/prefix/lib/unionenv/libunionenv.so" ]
}

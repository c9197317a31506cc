#!/usr/bin/env bats
# Bad input: status 125, one line on stderr naming the problem, and nothing
# created anywhere (the upper least of all). Each case also names the
# expected message, so that a refusal for another reason (say, the library
# not built yet) cannot pass for the right one.

bats_require_minimum_version 1.5.0
load common

setup() { common_setup; }
teardown() { common_teardown; }

@test "missing lower" {
    refuses "'nope' does not exist" --lower nope --upper u -- true
    [ ! -e u ]
}

@test "missing second lower" {
    refuses "'nope' does not exist" --lower a:nope --upper u -- true
}

@test "dangling symlink as lower" {
    ln -s gone dangling
    refuses "'dangling' does not exist" --lower dangling --upper u -- true
}

@test "lower that is a file" {
    refuses "'a/fa' is not a directory" --lower a/fa --upper u -- true
}

@test "empty lower list" {
    refuses "empty --lower" --lower= --upper u -- true
    refuses "empty --lower" --lower '' --upper u -- true
}

@test "empty element in the lower list" {
    refuses "empty element" --lower a::b --upper u -- true
    refuses "empty element" --lower :a --upper u -- true
    refuses "empty element" --lower a: --upper u -- true
}

@test "unreadable lower" {
    not_root
    chmod 000 b
    refuses "'b' is not readable" --lower a:b --upper u -- true
}

@test "upper inside a lower" {
    refuses "inside lower" --lower a:b --upper b/u -- true
    [ ! -e b/u ]
}

@test "upper inside a lower: only / may hold its upper" {
    refuses "inside lower '$W/a'" --lower /:a --upper a/u -- true
    [ ! -e a/u ]
}

@test "/ as both the lower and the upper" {
    # (An ordinary user is told first that they may not write /.)
    if [ "$(id -u)" -eq 0 ]; then
        refuses "same directory" --lower / --upper / -- true
    else
        refuses "upper '/' is not writable" --lower / --upper / -- true
    fi
}

@test "upper inside a lower through a symlink" {
    ln -s a/sub link
    refuses "inside lower '$W/a'" --lower a --upper link/u -- true
    [ ! -e a/sub/u ]
}

@test "lower inside the upper" {
    mkdir -p up/l
    refuses "inside upper" --lower up/l --upper up -- true
}

@test "upper equal to a lower" {
    refuses "same directory as a lower" --lower a:b --upper b -- true
}

@test "upper equal to a lower through a symlink" {
    ln -s b bl
    refuses "same directory as a lower" --lower a:b --upper bl -- true
}

@test "same lower twice" {
    refuses "twice" --lower a:a --upper u -- true
    refuses "twice" --lower a:b:./a --upper u -- true
    ln -s a al
    refuses "twice" --lower al:b:a --upper u -- true
}

@test "a lower inside another lower is allowed by the checks" {
    # overlayfs accepts nested lowers; the refusal here must be the
    # empty command, not the layers.
    refuses "empty command" --lower a:a/sub --upper u -- ''
}

@test "upper that is a file" {
    touch f
    refuses "'f' is not a directory" --lower a --upper f -- true
}

@test "upper below a file" {
    touch f
    refuses "is not a directory" --lower a --upper f/x/y -- true
}

@test "upper that is a dangling symlink" {
    ln -s gone ul
    refuses "dangling" --lower a --upper ul -- true
    [ ! -e gone ]
}

@test "upper not writable" {
    not_root
    mkdir ro
    chmod 555 ro
    refuses "'ro' is not writable" --lower a --upper ro -- true
    refuses "not writable" --lower a --upper ro/new/deeper -- true
}

@test "empty command" {
    # (No command at all starts a shell: tests/cli/shell.bats.)
    refuses "empty command" --lower a --upper u -- ''
    refuses "empty command" --lower a --upper u ''
    SHELL=/bin/sh refuses "empty command" --lower a --upper u -- '' -i
}

@test "unknown option" {
    refuses "unknown option '--foo'" --foo --lower a --upper u -- true
    run --separate-stderr "$UE" --lower a --upper u --foo -- true
    [ "$stderr" = "unionenv: unknown option '--foo'" ]
}

@test "missing option value" {
    refuses "'--lower' needs a value" --lower
    refuses "'--upper' needs a value" --lower a --upper
    refuses "'--upper' needs a value" --upper --lower a -- true
    refuses "'--mount' needs a value" --lower a --upper u --mount
}

@test "missing --upper or --lower" {
    refuses "missing --upper" --lower a -- true
    refuses "missing --lower" --upper u -- true
}

@test "option given twice" {
    refuses "given twice" --lower a --lower b --upper u -- true
}

@test "mount inside the upper" {
    mkdir -p up/m
    refuses "inside upper" --lower a --upper up --mount up/m -- true
    refuses "inside upper" --lower a --upper up --mount up -- true
}

@test "mount that does not exist" {
    refuses "mount 'nope' does not exist" --lower a --upper u --mount nope -- true
}

@test "mount that is a file" {
    refuses "not a directory" --lower a --upper u --mount a/fa -- true
}

@test "colon in a lower path" {
    mkdir 'c:d'
    # As given, the colon splits the list: 'c' does not exist.
    refuses "'c' does not exist" --lower 'c:d' --upper u -- true
    # Reached through a symlink, the canonical path holds a ':'.
    ln -s 'c:d' cl
    refuses "contains ':'" --lower cl --upper u -- true
}

@test "newline in a path still gives one line" {
    refuses "does not exist" --lower $'no\nsuch' --upper u -- true
}

@test "a subcommand whose program was not built" {
    mkdir copy
    cp "$UE" copy/unionenv.sh
    run --separate-stderr copy/unionenv.sh diff u
    echo "$status: $stderr"
    [ "$status" -eq 125 ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ $stderr == "unionenv: diff: program '$W/copy/build/unionenv-diff' not found (run make first)" ]]
}

@test "missing library" {
    mkdir copy
    cp "$UE" copy/unionenv.sh
    before=$(snapshot)
    run --separate-stderr copy/unionenv.sh --lower a --upper u -- true
    echo "$status: $stderr"
    [ "$status" -eq 125 ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ $stderr == "unionenv: library '$W/copy/build/libunionenv.so' not found (run make first)" ]]
    [ ! -e u ]
    [ "$(snapshot)" = "$before" ]
}

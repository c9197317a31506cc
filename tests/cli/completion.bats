#!/usr/bin/env bats
# Bash completion (completion/unionenv.bash): registered as bash-completion
# loads it, installed where bash-completion looks, and a few COMP_WORDS /
# COMP_CWORD cases as bash itself splits the line (tests/lib/complete.bash).
# Skipped, visibly, where the bash-completion package is not installed.

bats_require_minimum_version 1.5.0
load common

BC=/usr/share/bash-completion/bash_completion
DRIVER=$REPO/tests/lib/complete.bash

setup() {
    common_setup
    [ -f "$BC" ] || skip "bash-completion is not installed ($BC)"
}
teardown() { common_teardown; }

# comp LINE WORD...: the sorted, unique candidates, one a line, in $output.
comp() {
    run --separate-stderr bash "$DRIVER" "$@"
    echo "line: $1"
    echo "status: $status"
    echo "candidates: $output"
    echo "stderr: $stderr"
    [ "$status" -eq 0 ]
    output=$(printf '%s\n' "$output" | LC_ALL=C sort -u)
}

# help_options PROGRAM ARG...: the options named in PROGRAM's --help usage
# lines (up to the first empty line), and --help, sorted.
help_options() {
    "$@" --help | sed '/^$/q' | grep -oE -- '(^|[][ |])--?[a-zA-Z][a-zA-Z-]*' |
        sed 's/^[][ |]//' | { cat; echo --help; } | LC_ALL=C sort -u
}

@test "complete -p: the function is registered for unionenv" {
    run bash "$DRIVER" --spec
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "complete -F _unionenv unionenv" ]
}

@test "make install puts it where bash-completion's loader finds it" {
    need_lib
    run make -s -C "$REPO" install DESTDIR="$W/dest" PREFIX=/usr
    echo "$output"
    [ "$status" -eq 0 ]
    [ -f dest/usr/share/bash-completion/completions/unionenv ]
    run make -s -C "$REPO" install PREFIX="$W/prefix"
    [ "$status" -eq 0 ]
    # The loader searches XDG_DATA_DIRS/bash-completion/completions by the
    # command's name, as it does for every package's completion.
    run env XDG_DATA_DIRS="$W/prefix/share" bash -c \
        "source '$BC'; _completion_loader unionenv; complete -p unionenv"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "complete -F _unionenv unionenv" ]
}

@test "options: the launcher's own, as its --help names them" {
    comp 'unionenv --' unionenv --
    # (Every option the whole --help names, and "--" of its usage line.)
    [ "$output" = "$( { "$UE" --help | grep -oE -- '--[a-z][a-z-]*'; echo --; } | LC_ALL=C sort -u)" ]
    comp 'unionenv --lower a --up' unionenv --lower a --up
    [ "$output" = $'--upper\n--upper-format' ]
}

@test "subcommands as the first word" {
    comp 'unionenv ' unionenv ''
    [ "$output" = "$(printf '%s\n' run diff export import commit convert fsck check | LC_ALL=C sort)" ]
    comp 'unionenv co' unionenv co
    [ "$output" = $'commit\nconvert' ]
}

@test "--lower: directories, each element of the colon-separated list" {
    mkdir a2 b/bsub
    comp 'unionenv --lower ' unionenv --lower ''
    [ "$output" = $'a\na2\nb' ]
    # bash splits "a:" into "a" and ":"; only the element after the colon
    # is completed (readline replaces the text after the last colon).
    comp 'unionenv --lower a:' unionenv --lower a :
    [ "$output" = $'a\na2\nb' ]
    comp 'unionenv --lower a:b/' unionenv --lower a : b/
    [ "$output" = b/bsub ]
    comp 'unionenv --lower=a:a' unionenv --lower = a : a
    [ "$output" = $'a\na2' ]
    # Where ':' does not break words, the elements before it are kept.
    UE_WORDBREAKS=' ' comp 'unionenv --lower a:a' unionenv --lower a:a
    [ "$output" = $'a:a\na:a2' ]
}

@test "--upper and --mount: directories; --upper-format: its forms" {
    comp 'unionenv --lower a --upper ' unionenv --lower a --upper ''
    [ "$output" = $'a\nb' ]
    comp 'unionenv --lower a --mount a/' unionenv --lower a --mount a/
    [ "$output" = a/sub ]
    comp 'unionenv --upper-format ' unionenv --upper-format ''
    [ "$output" = $'aufs\nauto\ndevice\nxattr' ]
    comp 'unionenv --upper-format=x' unionenv --upper-format = x
    [ "$output" = xattr ]
}

@test "after --, or after the options: a command, then its own arguments" {
    comp 'unionenv --lower a:b --upper u -- ech' unionenv --lower a : b --upper u -- ech
    [[ $output == *echo* ]]
    [[ $output != *--* ]]
    comp 'unionenv --lower=a --upper=u mkdi' unionenv --lower = a --upper = u mkdi
    [ "$output" = mkdir ]
    # An option after the command belongs to the command, not to unionenv.
    comp 'unionenv --lower a --upper u -- true --lo' unionenv --lower a --upper u -- true --lo
    [[ $output != *--lower* ]]
    comp 'unionenv run --lower a --upper u -- cat a/' unionenv run --lower a --upper u -- cat a/
    [[ $output == *a/fa* ]]
}

@test "subcommands: their options as their --help names them" {
    local t
    for t in diff export import commit convert fsck check; do
        [ -x "$REPO/build/unionenv-$t" ] || skip "build/unionenv-$t is not built (run make)"
        comp "unionenv $t -" unionenv "$t" -
        echo "help: $(help_options "$UE" "$t" | tr '\n' ' ')"
        [ "$output" = "$(help_options "$UE" "$t")" ]
    done
}

@test "subcommands: option values and layers" {
    comp 'unionenv diff --format j' unionenv diff --format j
    [ "$output" = json ]
    comp 'unionenv convert --to overlay' unionenv convert --to overlay
    [ "$output" = $'overlay\noverlay-trusted' ]
    comp 'unionenv fsck --lower a:' unionenv fsck --lower a :
    [ "$output" = $'a\nb' ]
    comp 'unionenv fsck ' unionenv fsck ''
    [ "$output" = $'a\nb' ]
    comp 'unionenv check mkdi' unionenv check mkdi
    [ "$output" = mkdir ]
}

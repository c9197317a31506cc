#!/usr/bin/env bats
# The launcher with the real library: exit statuses and a smoke test of
# the union itself. Skipped, visibly, until build/libunionenv.so exists.

bats_require_minimum_version 1.5.0
load common

setup() {
    common_setup
    need_lib
}
teardown() { common_teardown; }

@test "command not found: 127" {
    run -127 --separate-stderr "$UE" --lower a --upper u -- no-such-command-unionenv
    echo "$status $stderr"
    [ "$status" -eq 127 ]
}

@test "command not executable: 126" {
    run --separate-stderr "$UE" --lower a --upper u -- "$W/a/fa"
    echo "$status $stderr"
    [ "$status" -eq 126 ]
}

@test "exit status of the command is passed through" {
    run --separate-stderr "$UE" --lower a --upper u -- sh -c 'exit 3'
    [ "$status" -eq 3 ]
    run --separate-stderr "$UE" --lower a --upper u -- true
    [ "$status" -eq 0 ]
}

@test "the layers are merged at the mount, the lower from below shows" {
    run --separate-stderr "$UE" --lower a:b --upper u -- cat "$W/a/fa" "$W/a/fb"
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "$output" = $'A\nB' ]
}

@test "writes land in the upper, lowers unchanged" {
    before=$(lowers_sum)
    run --separate-stderr "$UE" --lower a:b --upper u -- sh -c "echo new > '$W/a/new' && echo more >> '$W/a/fb'"
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "$(cat u/new)" = new ]
    [ "$(cat u/fb)" = $'B\nmore' ]
    [ "$(lowers_sum)" = "$before" ]
}

@test "a command that lives only in a lower is found through PATH" {
    mkdir b/bin
    printf '#!/bin/sh\necho from-lower\n' >b/bin/lowercmd
    chmod +x b/bin/lowercmd
    PATH="$W/a/bin:$PATH" run -0 --separate-stderr "$UE" --lower a:b --upper u -- lowercmd
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "$output" = from-lower ]
}

@test "--mount: the union appears at another directory, writes land in the upper" {
    mkdir view
    before=$(lowers_sum)
    run --separate-stderr "$UE" --lower a:b --upper u --mount view -- \
        sh -c "cd '$W/view' && cat fa fb && echo made > made && ls && pwd"
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "$output" = $'A\nB\nfa\nfb\nmade\nsub\n'"$W/view" ]
    [ "$(cat u/made)" = made ]
    [ -z "$(ls -A view)" ]
    [ "$(lowers_sum)" = "$before" ]
}

@test "a program built in the union runs from the upper, with relative paths" {
    before=$(lowers_sum)
    run --separate-stderr "$UE" --lower a:b --upper u -- \
        sh -c "cd '$W/a' && printf '#!/bin/sh\necho built\n' > tool && chmod +x tool && ./tool && mkdir -p sub && cd sub && ../tool"
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "$output" = $'built\nbuilt' ]
    [ -x u/tool ]
    [ "$(lowers_sum)" = "$before" ]
}

# The launcher passes the layers' token (launcher/token.c): the command's
# library takes its word for the names and reads no /proc to check them.
@test "the command's library does not read /proc to check the layers' names" {
    command -v strace >/dev/null || skip "strace is not installed (scripts/install-deps.sh)"
    before=$(lowers_sum)
    run --separate-stderr strace -f -qq -e trace=readlink,readlinkat -o "$W/links" "$UE" --lower a:b --upper u -- true
    echo "$status $stderr"
    [ "$status" -eq 0 ]
    cat "$W/links"
    ! grep -q '/proc/self/fd' "$W/links"
    [ "$(lowers_sum)" = "$before" ]
}

# preload/textmap.c: the library's code mapped at once, first thing in
# each process, not a page fault per 64 KiB window of it.
@test "each process maps the library's code with one MADV_POPULATE_READ of its text" {
    command -v strace >/dev/null || skip "strace is not installed (scripts/install-deps.sh)"
    before=$(lowers_sum)
    run --separate-stderr strace -f -qq -e trace=madvise -o "$W/madv" "$UE" --lower a:b --upper u -- sh -c 'true; /bin/true'
    echo "$status $stderr"
    [ "$status" -eq 0 ]
    cat "$W/madv"
    text=$(( $(readelf -lW "$REPO/build/libunionenv.so" | awk '$1 == "LOAD" && / E / {print $6}') ))
    want=$(( ( (text + 4095) / 4096 + 1) * 4096 ))
    # sh and /bin/true: one each, of the text's pages (its start may fall
    # mid-page: one page more at most).
    [ "$(grep -c 'MADV_POPULATE_READ' "$W/madv")" -eq 2 ]
    while read -r len; do
        [ "$len" -ge "$text" ] && [ "$len" -le "$want" ]
    done < <(grep -o '[0-9]*, MADV_POPULATE_READ' "$W/madv" | cut -d, -f1)
    [ "$(lowers_sum)" = "$before" ]
}

#!/usr/bin/env bats
# The build on a fresh machine (issue 9, section 4): `make test` and
# `make demo` install the packages first and build only afterwards, and no
# makefile drops a feature because a library was missing when make read it.

bats_require_minimum_version 1.5.0
load common

setup() { common_setup; }
teardown() { common_teardown; }

@test "no makefile decides a feature by what is installed when it is read" {
    run grep -nE '^[[:space:]]*if(n?eq|n?def)[[:space:]]*\(?\$\((wildcard|shell)' \
        "$REPO/Makefile" "$REPO"/tools/*.mk
    echo "$output"
    [ "$status" -eq 1 ]
}

@test "make test and make demo install the packages before any build step" {
    local target out first
    for target in test demo; do
        # -n lists the recipe; the build is a new make, run after deps
        out=$(make -n --no-print-directory -C "$REPO" "$target" 2>&1)
        echo "$target: $out" | head -n 5
        first=$(printf '%s\n' "$out" | grep -v '^make' | head -n 1)
        [[ $first == *scripts/install-deps.sh* ]]
        printf '%s\n' "$out" | grep -q -- '--no-print-directory all'
    done
}

@test "the built export has both of its compressions" {
    local x=$REPO/build/unionenv-export
    [ -x "$x" ] || skip "build/unionenv-export is not built (run make)"
    mkdir u
    echo data >u/f
    run --separate-stderr "$x" --upper u -o "$W/l.tar.zst" --zstd
    echo "$stderr"
    [ "$status" -eq 0 ]
    run --separate-stderr "$x" --upper u -o "$W/l.tar.gz" --gzip
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(head -c 4 l.tar.zst | od -An -tx1 | tr -d ' ')" = 28b52ffd ]
    [ "$(head -c 2 l.tar.gz | od -An -tx1 | tr -d ' ')" = 1f8b ]
}

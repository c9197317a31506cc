#!/usr/bin/env bats
# --upper-format: the form of the upper's markers (docs/unionenv.1): refused
# values, the form handed to the library, a probe that leaves no trace.
bats_require_minimum_version 1.5.0
load common

setup() { common_setup; }
teardown() { common_teardown; }

@test "--upper-format: an unknown form is refused in one line" {
    refuses "unknown --upper-format 'bogus'" --lower a --upper u --upper-format bogus -- true
    [ ! -e u ]
}

@test "--upper-format given twice is refused" {
    refuses "option '--upper-format' given twice" --lower a --upper u --upper-format xattr --upper-format=aufs -- true
}

@test "--upper-format reaches every process as UNIONENV_UPPER_FORMAT, nothing said" {
    need_lib
    run --separate-stderr "$UE" --lower a --upper u --upper-format oci -- sh -c 'env -i sh -c "echo \$UNIONENV_UPPER_FORMAT"; printenv UNIONENV_UPPER_FORMAT'
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    [ "$output" = "$(printf 'aufs\naufs')" ]
}

@test "auto on a plain filesystem: device whiteouts, nothing said, nothing left by the probe" {
    need_lib
    mkdir u
    run --separate-stderr "$UE" --lower a --upper u -- sh -c 'printenv UNIONENV_UPPER_FORMAT; rm a/fa'
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    [ "$output" = device ]
    [ "$(stat -c '%F %t:%T' u/fa)" = "character special file 0:0" ]
    rm u/fa
    [ -z "$(ls -A u)" ]
    [ -z "$(ls -A . | grep unionenv)" ]
}

@test "the launcher's probe leaves the upper's and its parent's times" {
    need_lib
    mkdir u
    touch -d @1000000000 u .
    run "$UE" --lower a --upper u -- true
    [ "$status" -eq 0 ]
    [ "$(stat -c '%Y' u .)" = "$(printf '1000000000\n1000000000')" ]
}

#!/usr/bin/env bats
# The owner and mode an ordinary user's copy-up recorded where it could not
# chown (user.containers.override_stat, as rootless container tools record
# them): the union shows them, and diff, export and commit apply them.

bats_require_minimum_version 1.5.0
load common

setup() {
    tools_setup
}
teardown() { tools_teardown; }

# L: a directory and a file; U: the same two with recorded owners, as an
# ordinary user's copy-up of another owner's entries leaves them (owned by
# that user: a record is never on root's).
make_recorded() {
    mkdir -p L/d U/d
    echo x >L/d/f
    echo x >U/d/f
    [ "$(id -u)" -ne 0 ] || chown -R 65534:65534 U
    chmod 0755 L/d
    chmod 0750 U/d
    chmod 0644 L/d/f U/d/f
    setfattr -n user.containers.override_stat -v 4321:4321:0755:dir U/d
    setfattr -n user.containers.override_stat -v 4321:4322:0604:file U/d/f
    touch -h -d @1000000000 L/d/f U/d/f L/d U/d
}

@test "union: stat shows the recorded owner and mode; the record itself is not listed" {
    need_lib
    make_recorded
    run --separate-stderr "$UE" --lower L --upper U -- sh -c \
        'stat -c "%u:%g %a" "$1/d" "$1/d/f"; getfattr -d -m - "$1/d/f"; perl -e '\''open F, "<", $ARGV[0]; @s = stat F; printf "%d:%d %o\n", $s[4], $s[5], $s[2] & 07777'\'' "$1/d/f"' sh "$W/L"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "4321:4321 755
4321:4322 604
4321:4322 604" ]
}

@test "export: the recorded owner and mode go into the tar, the record does not" {
    need_tool export
    make_recorded
    ue export --upper U -o l.tar
    tar -tvf l.tar --numeric-owner >list
    cat list
    grep -q '^drwxr-xr-x 4321/4321 .* d/$' list
    grep -q '^-rw----r-- 4321/4322 .* d/f$' list
    ! grep -q override_stat l.tar
}

@test "diff: the recorded owner and mode are compared with the lower's" {
    need_tool diff
    make_recorded
    run --separate-stderr ue diff --lower L --upper U --format json
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *'"path":"/d","type":"dir","changes":["owner"]'* ]]
    [[ $output == *'"path":"/d/f","type":"file","changes":["mode","owner"]'* ]]
}

@test "commit: root gives the lower the recorded owner; an ordinary user keeps the record on it" {
    need_tool commit
    make_recorded
    ue commit --lower L --upper U
    if [ "$(id -u)" -eq 0 ]; then
        [ "$(stat -c '%u:%g %a' L/d L/d/f)" = "4321:4321 755
4321:4322 604" ]
        ! getfattr -n user.containers.override_stat L/d/f
    else
        [ "$(getfattr --only-values -n user.containers.override_stat L/d)" = 4321:4321:0755:dir ]
        [ "$(getfattr --only-values -n user.containers.override_stat L/d/f)" = 4321:4322:0604:file ]
        [ "$(stat -c %u L/d/f)" = "$(id -u)" ]
    fi
}

@test "union: a chown by root replaces the record; others may not change what is recorded as not theirs" {
    need_lib
    make_recorded
    if [ "$(id -u)" -eq 0 ]; then
        "$UE" --lower L --upper U -- sh -c 'chown 4321:4000 "$1/d/f" && chmod 600 "$1/d/f" && stat -c "%u:%g %a" "$1/d/f"' sh "$W/L" >out
        [ "$(cat out)" = "4321:4000 600" ]
        [ "$(stat -c '%u:%g %a' U/d/f)" = "4321:4000 600" ]
        ! getfattr -n user.containers.override_stat U/d/f
    else
        run "$UE" --lower L --upper U -- chmod 600 "$W/L/d/f"
        [ "$status" -ne 0 ]
        [[ $output == *"Operation not permitted"* ]]
        run "$UE" --lower L --upper U -- sh -c ': >"$1/d/new"' sh "$W/L"
        [ "$status" -ne 0 ]
        [[ $output == *"Permission denied"* ]]
        [ "$(getfattr --only-values -n user.containers.override_stat U/d/f)" = 4321:4322:0604:file ]
    fi
}

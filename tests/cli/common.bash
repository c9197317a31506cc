# Shared set-up for the command-line tests of unionenv.sh (load common).
# shellcheck disable=SC2034,SC2154  # bats sets status/stderr; the tests read STUB*
#
# Every test works in its own $W below BATS_TEST_TMPDIR, which bats removes,
# so nothing is left behind; W holds two lowers, a (with a/fa, a/sub/) and
# b (with b/fb), and is the current directory.

REPO=$(cd -P -- "$BATS_TEST_DIRNAME/../.." && pwd -P)
UE=$REPO/unionenv.sh
LIB=$REPO/build/libunionenv.so

common_setup() {
    W=$BATS_TEST_TMPDIR/w
    mkdir -p "$W/a/sub" "$W/b"
    echo A >"$W/a/fa"
    echo B >"$W/b/fb"
    cd "$W" || return 1
}

# Permission tests chmod things away; give them back so bats can clean up.
common_teardown() {
    [ -n "${W:-}" ] && [ -d "$W" ] && chmod -R u+rwx "$W" 2>/dev/null
    return 0
}

# A listing of all of $W, with types, sizes, modes and times: equal before
# and after means nothing was created, removed or changed in it.
snapshot() {
    (cd "$W" && find . -printf '%p %y %s %m %T@\n' 2>/dev/null | LC_ALL=C sort | cksum)
}

# The same listing of the two lowers alone (a and b of $W): equal before
# and after a run in a union means no lower was written (the upper may
# change meanwhile).
lowers_sum() {
    (cd "$W" && find a b -printf '%p %y %s %m %T@\n' | LC_ALL=C sort | cksum)
}

# refuses PATTERN ARG...: unionenv.sh ARG... must exit 125 with exactly one
# stderr line that starts with "unionenv:" and contains PATTERN, print
# nothing on stdout, and leave $W exactly as it was.
refuses() {
    local pattern=$1 before
    shift
    before=$(snapshot)
    run --separate-stderr "$UE" "$@"
    echo "args: $*"
    echo "status: $status"
    echo "stdout: $output"
    echo "stderr: $stderr"
    [ "$status" -eq 125 ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ ${stderr_lines[0]} == unionenv:* ]]
    [[ ${stderr_lines[0]} == *"$pattern"* ]]
    [ -z "$output" ]
    [ "$(snapshot)" = "$before" ]
}

need_lib() {
    [ -f "$LIB" ] || skip "build/libunionenv.so is not built (run make)"
}

not_root() {
    [ "$(id -u)" -ne 0 ] || skip "root ignores permission bits"
}

# A launcher wired, as `make install` does, to a stub library that does
# nothing: it tests what the launcher exports without depending on core/.
# The launcher program (build/unionenv-launch) is installed beside the stub
# library, as `make install` puts it beside the real one.
# Sets STUB (the launcher) and STUB_LIB.
stub_setup() {
    local d=$BATS_FILE_TMPDIR/stub
    if [ ! -f "$d/unionenv" ]; then
        command -v cc >/dev/null 2>&1 || return 1
        mkdir -p "$d"
        # An audit module too, as the real library: la_version is all it needs.
        printf 'int unionenv_stub;\nunsigned la_version(unsigned v) { return v; }\n' >"$d/stub.c"
        cc -shared -fPIC -o "$d/libunionenv.so" "$d/stub.c" || return 1
        cc -shared -fPIC -o "$d/libother.so" "$d/stub.c" || return 1
        cp "$REPO/build/unionenv-launch" "$d/" || return 1
        sed "s|^UNIONENV_LIBDIR=.*|UNIONENV_LIBDIR=$d|" "$UE" >"$d/unionenv" || return 1
        chmod +x "$d/unionenv"
    fi
    STUB=$d/unionenv
    STUB_LIB=$d/libunionenv.so
    OTHER_LIB=$d/libother.so
}

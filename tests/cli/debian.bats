#!/usr/bin/env bats
# The Debian package (debian/): `dpkg-buildpackage -us -uc -b` on a copy of
# the tree builds a .deb with the library, the tools, the man pages and the
# completion in their Debian places; it is lintian clean; unpacked into a
# scratch root with dpkg -x, its unionenv runs the demo. Skipped, visibly,
# where dpkg-buildpackage or debhelper is missing.
# tests/run: slow (started first under tests/run -j)

bats_require_minimum_version 1.5.0
load common

# One build for the whole file (about 15 s of CPU): the tests read its
# results from $BATS_FILE_TMPDIR.
setup_file() {
    command -v dpkg-buildpackage >/dev/null 2>&1 || return 0
    command -v dh >/dev/null 2>&1 || return 0
    local d=$BATS_FILE_TMPDIR/pkg
    mkdir -p "$d/src"
    # The tree as it is, without its build and its history.
    (cd "$REPO" && tar --exclude=./build --exclude=./.git -cf - .) | tar -C "$d/src" -xf -
    # nocheck: the unit tests run in tests/run already; no -dbgsym package.
    (cd "$d/src" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" \
        dpkg-buildpackage -us -uc -b) >"$d/build.log" 2>&1
    echo $? >"$d/status"
}

setup() {
    command -v dpkg-buildpackage >/dev/null 2>&1 || skip "dpkg-buildpackage is not installed (dpkg-dev)"
    command -v dh >/dev/null 2>&1 || skip "dh is not installed (debhelper)"
    common_setup
    P=$BATS_FILE_TMPDIR/pkg
    MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
    ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
    VERSION=$("$UE" --version)
    VERSION=${VERSION#unionenv }
    DEB=$P/unionenv_${VERSION}_$ARCH.deb
}
teardown() { common_teardown; }

@test "dpkg-buildpackage -us -uc -b builds the .deb" {
    tail -n 30 "$P/build.log"
    [ "$(cat "$P/status")" -eq 0 ]
    [ -f "$DEB" ]
}

@test "the .deb's files, in their Debian places" {
    [ -f "$DEB" ] || skip "the package was not built"
    L=/usr/lib/$MA/unionenv
    # path mode, for every file and link (directories left out).
    dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6, $1 }' |
        LC_ALL=C sort >files
    cat files
    {
        echo "/usr/bin/unionenv lrwxrwxrwx"     # the launcher itself, by a link
        echo "$L/libunionenv.so -rw-r--r--"
        for t in check commit convert diff export fsck import launch supervise upperform; do
            echo "$L/unionenv-$t -rwxr-xr-x"
        done
        echo "/usr/share/bash-completion/completions/unionenv -rw-r--r--"
        echo "/usr/share/doc/unionenv/README.md.gz -rw-r--r--"
        echo "/usr/share/doc/unionenv/changelog.gz -rw-r--r--"
        echo "/usr/share/doc/unionenv/copyright -rw-r--r--"
        echo "/usr/share/lintian/overrides/unionenv -rw-r--r--"  # the static-pie launcher
        for m in unionenv unionenv-check unionenv-commit unionenv-convert unionenv-diff \
            unionenv-export unionenv-fsck unionenv-import; do
            echo "/usr/share/man/man1/$m.1.gz -rw-r--r--"
        done
    } | LC_ALL=C sort >expected
    diff -u expected files
    # Its version is the launcher's, its dependencies found by dh_shlibdeps.
    [ "$(dpkg-deb -f "$DEB" Package)" = unionenv ]
    [ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ]
    [[ $(dpkg-deb -f "$DEB" Depends) == *libc6* ]]
}

@test "lintian finds nothing at its default level" {
    [ -f "$DEB" ] || skip "the package was not built"
    command -v lintian >/dev/null 2>&1 || skip "lintian is not installed"
    run lintian --fail-on error,warning "$P/unionenv_${VERSION}_$ARCH.changes"
    echo "$output"
    [ "$status" -eq 0 ]
    [ -z "$(grep -E '^[EW]: ' <<<"$output")" ]
}

@test "unpacked into a scratch root, its unionenv runs the demo" {
    [ -f "$DEB" ] || skip "the package was not built"
    dpkg -x "$DEB" root
    run --separate-stderr root/usr/bin/unionenv --lower a --upper u -- sh -c 'printf %s "$UNIONENV_LIB"'
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "$output" = "$W/root/usr/lib/$MA/unionenv/libunionenv.so" ]
    # The demo builds a C project in two read-only lowers and checks them.
    run env UNIONENV="$W/root/usr/bin/unionenv" DEMO_NFILES=8 bash "$REPO/scripts/demo.sh"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"unchanged."* ]]
    # A subcommand runs the installed tool.
    run --separate-stderr root/usr/bin/unionenv diff --lower a --upper u
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
}

@test "the installed completion is found by bash-completion's loader" {
    [ -f "$DEB" ] || skip "the package was not built"
    [ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
    dpkg -x "$DEB" root
    run env XDG_DATA_DIRS="$W/root/usr/share" bash -c \
        'source /usr/share/bash-completion/bash_completion; _completion_loader unionenv; complete -p unionenv'
    echo "$output"
    [ "$output" = "complete -F _unionenv unionenv" ]
}

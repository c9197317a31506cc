#!/usr/bin/env bats
# No command: unionenv starts "$SHELL -i" (else /bin/sh -i), as chroot(8)
# and unshare(1) do; "--" with nothing after it is the same. The shell's
# commands come here from a here-document on standard input, so the
# interactive shell runs without a terminal.

bats_require_minimum_version 1.5.0
load common

setup() { common_setup; }
teardown() { common_teardown; }

@test "no command runs \$SHELL -i; '--' alone is the same" {
    stub_setup || skip "no C compiler to build the stub library"
    printf '#!/bin/sh\nprintf "%%s|" "$0" "$@" "$UNIONENV_UPPER"\n' >showargs
    chmod +x showargs
    SHELL=$W/showargs run --separate-stderr "$STUB" --lower a --upper u
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "$output" = "$W/showargs|-i|$W/u|" ]
    SHELL=$W/showargs run --separate-stderr "$STUB" --lower a --upper u --
    [ "$status" -eq 0 ]
    [ "$output" = "$W/showargs|-i|$W/u|" ]
}

@test "without SHELL, or with an empty one, the shell is /bin/sh" {
    stub_setup || skip "no C compiler to build the stub library"
    run --separate-stderr env -u SHELL "$STUB" --lower a --upper u <<<'echo "in:$0"'
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [ "$output" = "in:/bin/sh" ]
    SHELL= run --separate-stderr "$STUB" --lower a --upper u -- <<<'echo "in:$0"'
    [ "$status" -eq 0 ]
    [ "$output" = "in:/bin/sh" ]
}

@test "the default shell reads a here-document: writes land in the upper, lowers unchanged" {
    need_lib
    before=$(lowers_sum)
    SHELL=/bin/sh run --separate-stderr "$UE" --lower a:b --upper u <<EOF
echo new >"$W/a/new"
echo more >>"$W/a/fb"
rm "$W/a/fa"
mkdir "$W/a/sub/d"
cat "$W/a/fb"
exit 7
EOF
    echo "$status $output $stderr"
    [ "$status" -eq 7 ]
    [ "$output" = $'B\nmore' ]
    [ "$(cat u/new)" = new ]
    [ "$(cat u/fb)" = $'B\nmore' ]
    [ -c u/fa ]
    [ -d u/sub/d ]
    [ "$(lowers_sum)" = "$before" ]
}

@test "bash as the default shell shows the man page's prompt" {
    need_lib
    command -v bash >/dev/null || skip "no bash"
    # The lines docs/unionenv.1 suggests for ~/.bashrc (HOME is $W here).
    cat >"$W/.bashrc" <<'EOF'
if [ -n "${UNIONENV_UPPER-}" ]; then
    PS1="(union ${UNIONENV_UPPER##*/}) $PS1"
fi
EOF
    before=$(lowers_sum)
    HOME=$W SHELL=$(command -v bash) run --separate-stderr "$UE" --lower a:b --upper up <<EOF
echo bashed >"$W/a/fb"
EOF
    echo "$status $output $stderr"
    [ "$status" -eq 0 ]
    [[ $stderr == *"(union up) "* ]]
    [ "$(cat up/fb)" = bashed ]
    [ "$(lowers_sum)" = "$before" ]
}

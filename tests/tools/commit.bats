#!/usr/bin/env bats
# unionenv commit: the upper applied onto its lower; staged, so that an
# interruption can be finished (--continue) or undone (--rollback).

bats_require_minimum_version 1.5.0
load common

setup() {
    tools_setup
    need_tool commit
}
teardown() { tools_teardown; }

# One lower L (everything of make_layers' A and B) and an upper U written
# by real commands in the union; u.view is the union's view.
make_commit_fixture() {
    make_layers
    cp -a B/. A/
    rm -rf B
    mv A L
    setfattr -n user.tag -v old L/keep
    "$UE" --lower L --upper U -- sh -c '
        cd "$1" && echo new >new && echo more >>fb && rm fa &&
        rm -r d2 && mkdir d2 && echo n >d2/n && mv d3 d3moved &&
        chmod 600 same && mkdir -p nd/e && echo q >nd/e/q &&
        ln -s new newlink && rm link && : >>keep/k && echo k2 >keep/k2 &&
        ln new hard && chmod 700 keep' sh "$W/L"
    union_view L U >u.view
}

@test "commit --help: usage on stdout, status 0" {
    run --separate-stderr ue commit --help
    [ "$status" -eq 0 ]
    [[ $output == *"Usage: unionenv commit"* ]]
}

@test "commit: bad usage and bad layers: one clear line, status 125, nothing written" {
    mkdir -p L U L/inner B
    echo f >file
    before=$(tree_sum .)
    fails_clearly "missing --lower" ue commit --upper U
    fails_clearly "missing --upper" ue commit --lower L
    fails_clearly "--continue and --rollback" ue commit --lower L --upper U --continue --rollback
    fails_clearly "one lower" ue commit --lower L:B --upper U
    fails_clearly "lower 'nope': No such file" ue commit --lower nope --upper U
    fails_clearly "upper 'file': Not a directory" ue commit --lower L --upper file
    fails_clearly "the same directory" ue commit --lower L --upper L
    fails_clearly "inside one another" ue commit --lower L --upper L/inner
    fails_clearly "no interrupted commit" ue commit --lower L --upper U --continue
    fails_clearly "no interrupted commit" ue commit --lower L --upper U --rollback
    [ "$(tree_sum .)" = "$before" ]
}

@test "commit: afterwards a plain listing of the lower is the union's view, the upper is empty" {
    need_lib
    make_commit_fixture
    ue commit --lower L --upper U
    view L >l.view
    diff u.view l.view
    [ -z "$(ls -A U)" ]
    [ ! -e L/.unionenv.commit ]
    [ "$(stat -c %i L/new)" = "$(stat -c %i L/hard)" ]
    [ "$(stat -c %a L/keep)" = 700 ]
    [ "$(getfattr --only-values -n user.tag L/keep)" = old ]
}

@test "commit: staging by copy (another file system) gives the same, hard links kept" {
    need_lib
    make_commit_fixture
    UNIONENV_COMMIT_COPY=1 ue commit --lower L --upper U
    view L >l.view
    diff u.view l.view
    [ "$(stat -c %i L/new)" = "$(stat -c %i L/hard)" ]
    [ -z "$(ls -A U)" ]
}

@test "commit: interrupted at any step, --rollback gives back the lower and the upper exactly" {
    need_lib
    make_commit_fixture
    cp -a L L0
    cp -a U U0
    layer_snapshot L0 >l0.snap
    layer_snapshot U0 >u0.snap
    for n in 0 1 4 8 12; do
        rm -rf L U
        cp -a L0 L
        cp -a U0 U
        layer_snapshot L >before.snap
        run --separate-stderr env UNIONENV_COMMIT_CRASH_AFTER=$n "$REPO/build/layertools/unionenv-commit" --lower L --upper U
        echo "crash after $n: $status $stderr"
        [ "$status" -eq 99 ]
        [ -d L/.unionenv.commit ]
        # a plain commit now refuses, and fsck sees it
        run --separate-stderr ue commit --lower L --upper U
        [ "$status" -eq 125 ]
        [[ $stderr == *"interrupted commit"*"--continue"*"--rollback"* ]]
        ue commit --lower L --upper U --rollback
        layer_snapshot L >after.snap
        diff before.snap after.snap
        layer_snapshot U >u.snap
        diff <(layer_snapshot U0) u.snap
    done
}

@test "commit: interrupted at any step, --continue finishes it" {
    need_lib
    make_commit_fixture
    cp -a L L0
    cp -a U U0
    for n in 0 1 4 8 12; do
        rm -rf L U
        cp -a L0 L
        cp -a U0 U
        run --separate-stderr env UNIONENV_COMMIT_CRASH_AFTER=$n "$REPO/build/layertools/unionenv-commit" --lower L --upper U
        [ "$status" -eq 99 ]
        ue commit --lower L --upper U --continue
        view L >l.view
        diff u.view l.view
        [ -z "$(ls -A U)" ]
        [ ! -e L/.unionenv.commit ]
    done
}

@test "commit: a redirect in the upper is refused, nothing written" {
    mkdir -p L/old U/new
    echo x >L/old/f
    mknod U/old c 0 0
    setfattr -n user.overlay.redirect -v /old U/new
    before=$(tree_sum .)
    fails_clearly "new: overlay.redirect ('/old') is not supported" ue commit --lower L --upper U
    [ "$(tree_sum .)" = "$before" ]
    [ ! -e L/.unionenv.commit ]
}

@test "commit: markers in every form are processed (aufs whiteouts, opaque marker files)" {
    mkdir -p L/o L/keep U/o U/keep
    echo gone >L/gone
    echo old >L/o/old
    echo k >L/keep/k
    : >U/.wh.gone
    : >U/o/.wh..wh..opq
    echo new >U/o/new
    echo k2 >U/keep/k2
    ue commit --lower L --upper U
    [ ! -e L/gone ] && [ ! -e L/o/old ] && [ ! -e L/o/.wh..wh..opq ]
    [ "$(cat L/o/new)" = new ]
    [ "$(cat L/keep/k)" = k ] && [ "$(cat L/keep/k2)" = k2 ]
    [ -z "$(ls -A U)" ]
}

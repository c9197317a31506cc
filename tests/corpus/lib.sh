# shellcheck shell=bash
# shellcheck disable=SC2181  # `(set -e; ...)` then `[ $? ...`: see corpus_job
# corpus/lib.sh - the job runner of the real-program corpus (issue 3,
# "Acceptance: real programs"), sourced by tests/scenarios/corpus-*.sh after
# REPO is set.
#
# A job is a real program doing a real job in a union of two lowers A:B
# with an upper U, as one or more steps (one launcher invocation each, so
# that all state goes through the upper).  The same steps run first on the
# oracle: a kernel overlayfs mount (userxattr) of copies of the same layers
# or, where mounting is not permitted, a plain merged copy of the layers.
# The oracle is put at the very path of the union's mount (the kernel mount
# on top of A, or the merged copy in A's place while A is moved aside), so
# both sides see the same absolute paths: compilers, shebangs, databases and
# error messages can be compared without rewriting anything.
#
#   corpus_init NAME       scenario_init, then pick the oracle
#   corpus_job NAME LAYERS [EXT]   begin a job; LAYERS is a function called as
#                          LAYERS A B that fills the two lowers; EXT, when
#                          given, is called as EXT DIR to fill a directory
#                          outside the union that both sides read ($EXT).
#                          Both run in the job's scratch directory; a
#                          subshell with `set -e` in them must not be
#                          followed by `|| ...` (that turns set -e off).
#   corpus_mask REGEX      mask the content hash (and size) of the paths that
#                          match REGEX (awk, on the path relative to the
#                          tree) in every view of the current job
#   corpus_step CMD        add a step: CMD runs with bash -o pipefail -c,
#                          cwd = the mount, these variables exported:
#                            MNT  the mount (= lower A's path)
#                            OUT  an empty directory outside the union
#                            EXT  the outside fixture directory (may be empty)
#                            CORPUS  tests/corpus of the checkout
#                            PYTHON  a python3 that is a real program
#                          TMPDIR is a directory outside the union.
#   corpus_run             plan and run every job; tap_done
#
# The oracle runs a job's steps once; the union then runs them once in each
# mode of UNIONENV_CORPUS_MODES (default "0 1 preload"), from a fresh upper:
#   0        the preload alone (UNIONENV_SUPERVISE unset)
#   1        the whole tree served by the supervisor (issue 11's "the
#            real-program corpus runs once more with the whole tree
#            filtered"), test names tagged [whole tree supervised]
#   preload  the whole tree filtered, the preload kept (docs/design.md,
#            "The gate"), tagged [filtered, preload kept]
# One oracle run for the three modes: it was the same work each time.
#
# Each job is four TAP tests in each mode:
#   1. every step's exit status, stdout and stderr equal the oracle's
#   2. the union's view (view_tree of the mount, read under the launcher)
#      and the view of OUT equal the oracle's
#   3. the kernel mounts A:B with unionenv's upper and shows the union's
#      view (root only; skipped with the reason otherwise)
#   4. the lowers A and B and the fixture EXT are unchanged (snapshot_tree)
#
# env: UNION_CMD, UNION_TIMEOUT (per step, default 120), KEEP_TMP,
#      ORACLE_NO_KERNEL, CORPUS_ONLY (run only the jobs whose name contains
#      it), UNIONENV_CORPUS_MODES (above)

UNION_TIMEOUT=${UNION_TIMEOUT:-120}
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"

CORPUS=$REPO/tests/corpus
VIEWTREE=$REPO/tests/lib/view-tree
# A pyenv or virtualenv shim on PATH is a script that looks in $HOME: take
# the system's interpreter when there is one.
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=$(command -v python3 || echo python3); fi
export CORPUS PYTHON
CORPUS_MODES=${UNIONENV_CORPUS_MODES:-0 1 preload}

JOB_NAME=() JOB_LAYERS=() JOB_EXT=() JOB_MASK=()
STEP_JOB=() STEP_CMD=()
_CJ=-1

corpus_init() {
    scenario_init "corpus-$1"
    if can_mount_overlay; then
        KERNEL=1
        ORACLE="kernel overlayfs"
    else
        KERNEL=0
        ORACLE="merged copy"
        echo "# SKIP kernel oracle: $ORACLE_SKIP_REASON; the oracle is a plain merged copy of the layers"
    fi
}

corpus_job() {
    _CJ=$((_CJ + 1))
    JOB_NAME[_CJ]=$1
    JOB_LAYERS[_CJ]=$2
    JOB_EXT[_CJ]=${3:-}
    JOB_MASK[_CJ]=
}

corpus_mask() {
    JOB_MASK[_CJ]=${JOB_MASK[_CJ]:+${JOB_MASK[_CJ]}|}$1
}

corpus_step() {
    STEP_JOB+=("$_CJ")
    STEP_CMD+=("$1")
}

# _mask REGEX: mask content and size of matching paths in a view on stdin.
_mask() {
    if [ -z "$1" ]; then cat; return; fi
    awk -F'\t' -v re="^($1)\$" 'BEGIN {OFS = "\t"} $1 ~ re && $2 == "f" {$4 = "(masked)"; $5 = "(masked)"} {print}'
}

# _run_steps SIDE: run the current job's steps in $MNT; write $J/SIDE.out,
# the concatenated record of statuses, stdout and stderr.
_run_steps() {
    local side=$1 i=0 k st cmd
    : >"$J/$side.out"
    for ((k = 0; k < ${#STEP_CMD[@]}; k++)); do
        [ "${STEP_JOB[k]}" = "$JI" ] || continue
        cmd=${STEP_CMD[k]}
        i=$((i + 1))
        if [ "$side" = oracle ]; then
            (cd "$MNT" && bash -o pipefail -c "$cmd") >"$J/step.stdout" 2>"$J/step.stderr"
        else
            (cd "$MNT" && union --lower "$A:$B" --upper "$U" -- bash -o pipefail -c "$cmd") >"$J/step.stdout" 2>"$J/step.stderr"
        fi
        st=$?
        {
            printf '=== step %d: %s\n=== status %d\n' "$i" "$cmd" "$st"
            cat "$J/step.stdout"
            if [ -s "$J/step.stderr" ]; then
                echo "=== stderr"
                cat "$J/step.stderr"
            fi
        } >>"$J/$side.out"
    done
}

_lowers_snapshot() {  # _lowers_snapshot TAG
    snapshot_tree "$A" >"$J/snap.A.$1"
    snapshot_tree "$B" >"$J/snap.B.$1"
    snapshot_tree "$EXT" >"$J/snap.EXT.$1"
}

# _fail_job WHY DETAIL: the job could not run: each mode's four tests fail.
_fail_job() {
    local mode tag t
    for mode in $CORPUS_MODES; do
        tag=$(_mode_tag "$mode")
        for t in "status and output" "view" "kernel reads the upper" "lowers unchanged"; do
            tap_not_ok "$name$tag: $t" "$1"
            [ -z "$2" ] || printf '%s\n' "$2" | tap_diag
        done
    done
}

_run_job() {
    local name=${JOB_NAME[JI]} mask=${JOB_MASK[JI]} st fail=
    J=$T/j$JI
    A=$J/A B=$J/B U=$J/U MNT=$J/A OUT=$J/out EXT=$J/ext
    export MNT OUT EXT
    export TMPDIR=$J/tmp
    mkdir -p "$A" "$B" "$EXT" "$OUT" "$TMPDIR" || return 1
    # In $J, so that a layer function that loses its way writes nothing
    # elsewhere; not in a condition, so that `set -e` works in it.
    (cd "$J" || exit 1; "${JOB_LAYERS[JI]}" "$A" "$B") >"$J/layers.log" 2>&1
    if [ $? -ne 0 ]; then
        _fail_job "layer function ${JOB_LAYERS[JI]} failed:" "$(head -n 10 "$J/layers.log")"
        return
    fi
    : >"$J/ext.log"
    [ -z "${JOB_EXT[JI]}" ] || (cd "$J" || exit 1; "${JOB_EXT[JI]}" "$EXT") >"$J/ext.log" 2>&1
    if [ $? -ne 0 ]; then
        _fail_job "fixture function ${JOB_EXT[JI]} failed:" "$(head -n 10 "$J/ext.log")"
        return
    fi
    _lowers_snapshot 0

    # --- the oracle, at the mount's own path ---------------------------------
    cp -a "$A" "$J/OA" && cp -a "$B" "$J/OB" || fail="could not copy the layers"
    if [ -z "$fail" ]; then
        if [ "$KERNEL" = 1 ]; then
            mount_overlay "$J/OA:$J/OB" "$J/OU" "$J/OW" "$MNT" 2>"$J/mount.err" || fail="kernel mount failed: $(head -n1 "$J/mount.err")"
        else
            mv "$A" "$J/A.real" && merged_copy "$J/OA:$J/OB" "$MNT" || fail="merged copy failed"
        fi
    fi
    if [ -n "$fail" ]; then
        _fail_job "$fail" ""
        [ "$KERNEL" = 1 ] || { [ -d "$J/A.real" ] && rm -rf "$MNT" && mv "$J/A.real" "$A"; }
        return
    fi
    _run_steps oracle
    view_tree "$MNT" | _mask "$mask" >"$J/view.oracle"
    view_tree "$OUT" | _mask "$mask" >"$J/outview.oracle"
    if [ "$KERNEL" = 1 ]; then
        umount_overlay "$MNT"
    else
        mv "$MNT" "$J/M" && mv "$J/A.real" "$A"
    fi
    mv "$OUT" "$J/out.oracle" && mkdir "$OUT"
    rm -rf "$TMPDIR" && mkdir "$TMPDIR"

    # --- the union, once in each mode, against the one oracle run ------------
    local mode
    for mode in $CORPUS_MODES; do
        _union_side "$mode"
    done
    # Keep the disk small: a job's files are not needed any more.
    [ "${KEEP_TMP:-0}" = 1 ] || { umount_all_under "$J"; chmod -R u+rwX "$J" 2>/dev/null; rm -rf "$J"; }
}

# _mode_tag MODE: what a mode adds to the names of its tests.
_mode_tag() {
    case $1 in
    0) ;;
    1) echo " [whole tree supervised]" ;;
    preload) echo " [filtered, preload kept]" ;;
    esac
}

# _union_side MODE: the current job's steps in the union with
# UNIONENV_SUPERVISE=MODE (0: the preload alone), a fresh upper, OUT and
# TMPDIR each time; its four tests against the oracle's record.
_union_side() {
    local mode=$1 tag st
    tag=$(_mode_tag "$mode")
    if [ "$mode" = 0 ]; then unset UNIONENV_SUPERVISE; else export UNIONENV_SUPERVISE=$mode; fi
    U=$J/U.$mode
    rm -rf "$OUT" "$TMPDIR" && mkdir "$OUT" "$TMPDIR"
    _run_steps union
    (cd "$MNT" && union --lower "$A:$B" --upper "$U" -- "$VIEWTREE" .) >"$J/view.union.raw" 2>"$J/view.union.err"
    st=$?
    _mask "$mask" <"$J/view.union.raw" >"$J/view.union"
    view_tree "$OUT" | _mask "$mask" >"$J/outview.union"

    # 1. status and output
    if cmp -s "$J/oracle.out" "$J/union.out"; then
        tap_ok "$name$tag: status and output as on $ORACLE"
    else
        tap_not_ok "$name$tag: status and output as on $ORACLE" "(- $ORACLE, + union)"
        diff -u "$J/oracle.out" "$J/union.out" | tail -n +3 | head -n 40 | tap_diag
    fi

    # 2. views
    if [ $st -ne 0 ]; then
        tap_not_ok "$name$tag: view as on $ORACLE" "view-tree in the union failed ($st)"
        head -n 10 "$J/view.union.err" | tap_diag
    elif cmp -s "$J/view.oracle" "$J/view.union" && cmp -s "$J/outview.oracle" "$J/outview.union"; then
        tap_ok "$name$tag: view as on $ORACLE"
    else
        tap_not_ok "$name$tag: view as on $ORACLE" "(- $ORACLE, + union)"
        { diff -u "$J/view.oracle" "$J/view.union" | tail -n +3 | sed 's/^/mount: /'
          diff -u "$J/outview.oracle" "$J/outview.union" | tail -n +3 | sed 's/^/OUT: /'; } | head -n 40 | tap_diag
    fi

    # 3. the kernel reads the upper
    if [ "$KERNEL" = 1 ]; then
        if mount_overlay "$A:$B" "$U" "$J/KW.$mode" "$J/K" 2>"$J/k.err"; then
            view_tree "$J/K" | _mask "$mask" >"$J/view.kernel"
            umount_overlay "$J/K"
            if [ $st -eq 0 ] && cmp -s "$J/view.union" "$J/view.kernel"; then
                tap_ok "$name$tag: kernel reads unionenv's upper as the union's view"
            else
                tap_not_ok "$name$tag: kernel reads unionenv's upper as the union's view" "(- union, + kernel mount of A:B with unionenv's upper)"
                diff -u "$J/view.union" "$J/view.kernel" | tail -n +3 | head -n 40 | tap_diag
            fi
        else
            tap_not_ok "$name$tag: kernel reads unionenv's upper as the union's view" "mount failed: $(head -n1 "$J/k.err")"
        fi
    else
        tap_skip "$name$tag: kernel reads unionenv's upper as the union's view" "$ORACLE_SKIP_REASON"
    fi

    # 4. lowers unchanged
    _lowers_snapshot 1
    if cmp -s "$J/snap.A.0" "$J/snap.A.1" && cmp -s "$J/snap.B.0" "$J/snap.B.1" && cmp -s "$J/snap.EXT.0" "$J/snap.EXT.1"; then
        tap_ok "$name$tag: lowers unchanged"
    else
        tap_not_ok "$name$tag: lowers unchanged" "(- before, + after)"
        { diff -u "$J/snap.A.0" "$J/snap.A.1" | tail -n +3 | sed 's/^/A: /'
          diff -u "$J/snap.B.0" "$J/snap.B.1" | tail -n +3 | sed 's/^/B: /'
          diff -u "$J/snap.EXT.0" "$J/snap.EXT.1" | tail -n +3 | sed 's/^/EXT: /'; } | head -n 40 | tap_diag
    fi
    unset UNIONENV_SUPERVISE
}

corpus_run() {
    local n=0 nmodes mode
    # shellcheck disable=SC2086  # a list of words
    nmodes=$(set -- $CORPUS_MODES; echo $#)
    for mode in $CORPUS_MODES; do
        case $mode in 0 | 1 | preload) ;; *)
            echo "corpus: UNIONENV_CORPUS_MODES: unknown mode '$mode' (0, 1, preload)" >&2
            exit 2 ;;
        esac
    done
    local -a run=()
    for ((JI = 0; JI <= _CJ; JI++)); do
        if [ -z "${CORPUS_ONLY:-}" ] || [[ ${JOB_NAME[JI]} == *"$CORPUS_ONLY"* ]]; then
            run+=("$JI")
            n=$((n + 4 * nmodes))
        fi
    done
    tap_plan "$n"
    for JI in "${run[@]}"; do
        _run_job
    done
    tap_done
}

# --- shared layer contents -----------------------------------------------------

# corpus_fix_times DIR...: one fixed mtime for everything (not inside .git),
# so that listings with times and make's decisions are deterministic.
corpus_fix_times() {
    find "$@" ! -path '*/.git/*' -exec touch -h -d @1600000000 {} +
}

# layers_tree A B: a general tree.  Both layers have `tree/` (merged), with
# files of several modes and sizes, symlinks, a name with spaces, a fifo,
# an empty dir; `tree/leafy` has no subdirectory in A but two in B (a merged
# directory whose top layer's link count says "no subdirectories").
# tree/sub/d1.dat and d1.hard are one file: jobs read them but do not write
# them, since copy-up splits them (as the kernel does without index=on) and
# a merged copy does not.
layers_tree() {
    local a=$1 b=$2 i
    mkdir -p "$a" "$b" || return 1
    (
        cd "$a" || exit 1
        set -e
        mkdir -p tree/leafy tree/sub/deep only_a
        printf 'top in A\n' >tree/top.txt
        printf 'both: A wins\n' >tree/both.txt
        printf 'leafy a\n' >tree/leafy/a.txt
        printf 'deep in A\n' >tree/sub/deep/a.txt
        printf '#!/bin/sh\necho tool from A\n' >tree/tool.sh
        chmod 755 tree/tool.sh
        printf 'secret\n' >tree/private.txt
        chmod 600 tree/private.txt
        printf 'read only\n' >tree/ro.txt
        chmod 444 tree/ro.txt
        ln -s top.txt tree/top.link
        ln -s sub/deep tree/deep.link
        printf 'only a\n' >only_a/f
        : >tree/empty
        printf 'spaces\n' >"tree/with space.txt"
    )
    [ $? -eq 0 ] || return 1  # (not `|| return`: that would turn set -e off inside)
    (
        cd "$b" || exit 1
        set -e
        mkdir -p tree/leafy/x/y tree/leafy/z tree/sub/deep tree/sub/b_only/e only_b tree/emptydir
        printf 'both: B loses\n' >tree/both.txt
        printf 'bottom in B\n' >tree/bottom.txt
        printf 'leafy x\n' >tree/leafy/x/f
        printf 'leafy y\n' >tree/leafy/x/y/g
        printf 'leafy z\n' >tree/leafy/z/h
        printf 'deep in B\n' >tree/sub/deep/b.txt
        printf 'b only e\n' >tree/sub/b_only/e/f.txt
        for i in 1 2 3; do printf 'data %s\n' "$i" >"tree/sub/d$i.dat"; done
        head -c 300000 /dev/urandom >tree/big.bin
        ln -s ../bottom.txt tree/sub/up.link
        ln -s missing tree/dangling
        mkfifo tree/fifo
        ln tree/sub/d1.dat tree/sub/d1.hard
        printf 'only b\n' >only_b/f
    )
    [ $? -eq 0 ] || return 1  # (not `|| return`: that would turn set -e off inside)
    corpus_fix_times "$a" "$b"
}

# layers_deep A B: a tree ten directories deep, split over both layers
# (deep/d1/.../d9, a file and a side directory at each level), deeper than
# the few directory fds a tree walker (fts, File::Find) keeps open.
layers_deep() {
    local a=$1 b=$2 p=deep i
    for ((i = 1; i <= 9; i++)); do
        p=$p/d$i
        mkdir -p "$b/$p/side" || return 1
        printf 'level %s\n' "$i" >"$b/$p/f" || return 1
        printf 'side %s\n' "$i" >"$b/$p/side/g" || return 1
        if [ $((i % 3)) = 0 ]; then
            mkdir -p "$a/$p" && printf 'from A %s\n' "$i" >"$a/$p/a.txt" || return 1
        fi
    done
    corpus_fix_times "$a" "$b"
}

# layers_tree_deep A B: layers_tree and layers_deep side by side (tree/,
# only_a/, only_b/ and deep/).
layers_tree_deep() {
    layers_tree "$1" "$2" && layers_deep "$1" "$2"
}

# layers_big A B: big/ with 900 names in A, 900 in B and 200 in both,
# more than one getdents buffer of merged entries.
layers_big() {
    mkdir -p "$1/big" "$2/big/d1" "$2/big/d2" || return 1
    (cd "$1/big" && touch a{1..900} c{1..200}) || return 1
    (cd "$2/big" && touch b{1..900} c{1..200}) || return 1
    corpus_fix_times "$1" "$2"
}

# ext_tree DIR: an outside tree to bring into the union (names that collide
# with the layers' and new ones).
ext_tree() {
    local d=$1
    (
        set -e
        mkdir -p "$d/src/sub/deep" "$d/src/leafy/new" "$d/src/newdir"
        printf 'ext both\n' >"$d/src/both.txt"
        printf 'ext new\n' >"$d/src/new.txt"
        printf 'ext deep\n' >"$d/src/sub/deep/a.txt"
        printf 'ext leafy\n' >"$d/src/leafy/new/n.txt"
        printf 'ext newdir\n' >"$d/src/newdir/f"
        chmod 750 "$d/src/newdir"
        chmod 640 "$d/src/new.txt"
        ln -s new.txt "$d/src/new.link"
    )
    [ $? -eq 0 ] || return 1  # (not `|| return`: that would turn set -e off inside)
    corpus_fix_times "$d"
}

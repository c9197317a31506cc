# shellcheck shell=bash
# union.sh - common set-up for the scenario scripts (sourced after setting REPO).
#
#   scenario_init NAME   make the work dir $T (mktemp -d), trap its removal
#                        (unmounting anything below it first; KEEP_TMP=1 keeps it),
#                        fix the environment (LC_ALL, TZ, HOME=$T/home, git)
#   union ARGS...        run the launcher: $UNION_CMD ARGS... under a timeout
#                        (UNION_TIMEOUT seconds, default 600)
#   lowers_remember DIR...  snapshot the lowers (again after changing them by hand)
#   lowers_unchanged LABEL  one TAP test: the lowers still match that snapshot
#
# UNION_CMD defaults to "$REPO/unionenv.sh".  Set UNION_CMD to
# "$REPO/tests/lib/kernel-unionenv" (root only) to run the "union" side on a
# kernel overlayfs mount instead: that checks the scenario logic itself.

: "${REPO:?REPO must be set before sourcing union.sh}"
# shellcheck source=tests/lib/tap.sh
. "$REPO/tests/lib/tap.sh"
# shellcheck source=tests/lib/snapshot.sh
. "$REPO/tests/lib/snapshot.sh"
# shellcheck source=tests/lib/oracle.sh
. "$REPO/tests/lib/oracle.sh"

UNION_CMD=${UNION_CMD:-$REPO/unionenv.sh}
UNION_TIMEOUT=${UNION_TIMEOUT:-600}

# shellcheck disable=SC2031  # set for the whole scenario, subshells included
export LC_ALL=C TZ=UTC
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
export GIT_AUTHOR_DATE='1600000000 +0000' GIT_COMMITTER_DATE='1600000000 +0000'
unset MAKEFLAGS MFLAGS MAKELEVEL GIT_DIR GIT_WORK_TREE

scenario_cleanup() {
    [ -n "${T:-}" ] && [ -d "$T" ] || return 0
    umount_all_under "$T"
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "# KEEP_TMP=1: work dir kept: $T"
    else
        chmod -R u+rwX -- "$T" 2>/dev/null
        rm -rf -- "$T"
    fi
}

scenario_init() {
    T=$(mktemp -d "${TMPDIR:-/tmp}/unionenv-$1.XXXXXX") || exit 125
    T=$(cd -- "$T" && pwd -P)
    trap scenario_cleanup EXIT
    trap 'exit 130' INT TERM HUP
    # No user configuration (git, XDG) reaches the scenario.
    export HOME=$T/home
    unset XDG_CONFIG_HOME
    mkdir -p -- "$HOME"
    if [ "$UNION_CMD" != "$REPO/unionenv.sh" ]; then
        echo "# NOTE: union side is UNION_CMD=$UNION_CMD"
    fi
}

union() {
    # UNION_CMD is a single program path (word-split deliberately not done).
    timeout -k 10 "$UNION_TIMEOUT" "$UNION_CMD" "$@"
}

# two_lowers NAME: fresh layers $T/NAME/A:$T/NAME/B and an upper $T/NAME/U,
# the pair the raw-call scenarios (rawcalls, node, supervisor-gate) share:
# a file of A's, a directory both merge, a directory only B holds.
two_lowers() {
    local d=$T/$1
    mkdir -p "$d/A/d" "$d/B/d/sub" "$d/B/gone/deep" "$d/U"
    echo base >"$d/A/file"
    echo lower-b >"$d/B/d/sub/fb"
    echo deep >"$d/B/gone/deep/x"
    echo a >"$d/A/d/fa"
}

lowers_remember() {
    LOWER_DIRS=("$@")
    LOWERS_BEFORE=$(for d in "$@"; do snapshot_tree "$d"; done)
}

lowers_unchanged() {
    local now d
    now=$(for d in "${LOWER_DIRS[@]}"; do snapshot_tree "$d"; done)
    if [ "$now" = "$LOWERS_BEFORE" ]; then tap_ok "lowers unchanged after $1"; else
        tap_not_ok "lowers unchanged after $1"
        diff <(printf '%s\n' "$LOWERS_BEFORE") <(printf '%s\n' "$now") | head -n 20 | tap_diag
    fi
}

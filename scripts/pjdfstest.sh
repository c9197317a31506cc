#!/usr/bin/env bash
# scripts/pjdfstest.sh PJDFSTEST_DIR [MODE...] - run pjdfstest, the POSIX
# conformance suite, in a union over an empty lower, once per MODE:
#   preload    the preloaded library alone (the default way)
#   gate       the whole tree filtered, the library kept (UNIONENV_SUPERVISE=preload)
#   supervise  every call served by the supervisor (UNIONENV_SUPERVISE=1)
# (all three when none is given).  PJDFSTEST_DIR is a pjdfstest checkout
# built by its own instructions (autoreconf -ifs && ./configure && make);
# it is not part of this repository, and CI does not run it (the machine
# that runs CI cannot fetch it).  Needs root, as pjdfstest does, and
# prove (perl).  Prints each mode's summary, and checks that the lower is
# unchanged; exits non-zero when a mode fails or the lower changed.
set -u
REPO=$(cd -- "$(dirname -- "$0")/.." && pwd -P)

die() { echo "pjdfstest.sh: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: scripts/pjdfstest.sh PJDFSTEST_DIR [preload|gate|supervise]..."
PJD=$(cd -- "$1" 2>/dev/null && pwd -P) || die "$1: no such directory"
shift
[ -x "$PJD/pjdfstest" ] && [ -d "$PJD/tests" ] || die "$PJD: no built pjdfstest (its pjdfstest program and tests/)"
[ "$(id -u)" = 0 ] || die "pjdfstest needs root"
command -v prove >/dev/null || die "prove (perl) is not installed"
make -s -C "$REPO" >/dev/null || die "the build failed"
[ $# -gt 0 ] || set -- preload gate supervise
for mode in "$@"; do
    case $mode in
        preload | gate | supervise) ;;
        *) die "unknown mode '$mode' (preload, gate or supervise)" ;;
    esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/unionenv-pjdfstest.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
status=0
for mode in "$@"; do
    case $mode in
        preload) sup=0 ;;
        gate) sup=preload ;;
        supervise) sup=1 ;;
    esac
    d=$work/$mode
    mkdir -p "$d/lower" "$d/upper" "$d/work"
    echo keep >"$d/lower/.keep"
    before=$(cd "$d/lower" && find . -printf '%p %m %s %T@\n' | sort)
    start=$(date +%s)
    (cd "$d/lower" && UNIONENV_SUPERVISE=$sup "$REPO/unionenv.sh" --lower "$d/lower" --upper "$d/upper" \
        --work "$d/work" -- prove -r "$PJD/tests") >"$d/prove.log" 2>&1
    rc=$?
    after=$(cd "$d/lower" && find . -printf '%p %m %s %T@\n' | sort)
    summary=$(grep -E '^(Files=|Result:)' "$d/prove.log" | tr '\n' ' ')
    lower="lower unchanged"
    [ "$before" = "$after" ] || { lower="LOWER CHANGED"; rc=1; }
    echo "$mode: ${summary:-no summary} ($(($(date +%s) - start)) s; $lower)"
    if [ $rc != 0 ]; then
        grep -E '^[^ ].*\(Wstat|Failed tests?:' -A1 "$d/prove.log" | head -n 40
        status=1
    fi
done
exit $status

#!/bin/bash
# metadata-bench.sh - issue 12's table: the workloads that walk or change
# many names, natively, on a kernel overlayfs mount (root only), under
# fuse-overlayfs, under fakechroot (the same LD_PRELOAD interposition
# without a union) and under unionenv (its launcher included: users pay
# it), in one run; ratios to native, median of several runs, warm cache;
# beside unionenv's median, the range of its runs, [lowest-highest].
# Then the launcher's start-up, and the system calls per operation of each
# workload natively and under unionenv (strace -f -c), with the calls that
# unionenv adds most, so a regression shows where it comes from.
# Prints tables; asserts nothing about times (`make bench` runs it).
#
#   BENCH_SCALE   size of the trees, 1 = the issue's (default; a few
#                 minutes), 0.01 for a smoke run
#   BENCH_RUNS    runs of the fast rows (default 5); BENCH_SLOW_RUNS for
#                 make, untar and rm (default 3)
#   BENCH_STARTS  launcher starts timed (default 200)
#   BENCH_STRACE  0 leaves out the system call table
#   BENCH_ROWS    the rows to run (default: all), e.g. "find rm"
#   BENCH_FRESH_FS  0: write rows on $T's own disk, not on an ext4 made
#                 for each run (root only; see fresh_fs_begin)
#   BENCH_TIMES   1: each configuration's times of each row, in order
#   UNION_CMD     the unionenv to measure (default: this checkout's
#                 launcher, build/unionenv-launch, which is what `make
#                 install` installs as `unionenv`; the start-up table shows
#                 unionenv.sh, the checkout's script in front of it, too)
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
UE_GIVEN=${UNION_CMD:-}
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"
scenario_init metadata-bench

SCALE=${BENCH_SCALE:-1}
RUNS=${BENCH_RUNS:-5}
SLOW_RUNS=${BENCH_SLOW_RUNS:-3}
STARTS=${BENCH_STARTS:-200}
STRACE=${BENCH_STRACE:-1}
ROWS=${BENCH_ROWS:-find du ls tar make untar rm git}
UE=${UE_GIVEN:-$REPO/build/unionenv-launch}
scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN {v = int(n * s); print v < 2 ? 2 : v}'; }
SYN_FILES=$(scaled 12000)       # a synthetic tree, 100 files a directory
RM_FILES=$(scaled 8000)         # the tree rm -rf removes: 8,800 entries at scale 1
UNTAR_FILES=$(scaled 10000)
GIT_FILES=$(scaled 4000)
MAKE_FILES=$(scaled 300)

# ---- the data ------------------------------------------------------------------
L=$T/L PA=$T/PA PB=$T/PB
echo "# making the trees in $T (scale $SCALE)"
mktree() {  # mktree DIR FILES: FILES files of 0..8 KiB, 100 a directory
    python3 - "$1" "$2" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%03d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.txt" % i), "wb") as f:
        f.write(b"x" * ((i * 7919) % 8192))
PY
}
mktree "$L/syn" "$SYN_FILES" && mktree "$L/rmt" "$RM_FILES" && mktree "$T/untar.src" "$UNTAR_FILES" &&
    tar -cf "$T/untar.tar" -C "$T/untar.src" . && rm -rf "$T/untar.src" || exit 1
mktree "$L/git" "$GIT_FILES" &&
    git -C "$L/git" init -q && git -C "$L/git" add -A &&
    git -C "$L/git" -c user.name=bench -c user.email=bench@invalid commit -qm tree || exit 1
"$REPO/tests/sample/gen-project.sh" "$PA" "$PB" "$MAKE_FILES" >/dev/null || exit 1
LOWERS_AT_START=$(for d in "$L" "$PA" "$PB"; do snapshot_tree "$d"; done)
MAIN_OPS=$(find "$L" | wc -l)
RM_OPS=$(find "$L/rmt" | wc -l)
echo "# lower: $MAIN_OPS entries; rm -rf: $RM_OPS entries; untar: $UNTAR_FILES files; git: $GIT_FILES files; make: $MAKE_FILES files"

# ---- the rows: NAME SET KIND GOAL OPS WORK -----------------------------------------
# SET main: the lower L; proj: the project over PA:PB.  KIND read: one
# state for every run (after a warm-up run); write: a fresh one per run.
row() {
    case $1 in
    find) echo "main read 1.3 $MAIN_OPS find . -type f >/dev/null" ;;
    du) echo "main read 2.0 $MAIN_OPS du -s . >/dev/null" ;;
    ls) echo "main read 1.3 $MAIN_OPS ls -lR . >/dev/null" ;;
    tar) echo "main read 1.3 $MAIN_OPS tar -cf - . | cat >/dev/null" ;;
    make) echo "proj write 1.05 $MAKE_FILES make -j2 >/dev/null 2>&1" ;;
    untar) echo "main write 1.2 $UNTAR_FILES mkdir untar.d && tar -xf '$T/untar.tar' -C untar.d" ;;
    rm) echo "main write 2.0 $RM_OPS rm -rf rmt" ;;
    git) echo "main read 1.3 $GIT_FILES cd git && git status --porcelain >/dev/null" ;;
    esac
}
title() {
    case $1 in
    find) echo '`find -type f`' ;; du) echo '`du -s`' ;; ls) echo '`ls -lR`' ;;
    tar) echo '`tar -c`' ;; make) echo "\`make -j2\`, $MAKE_FILES files" ;;
    untar) echo "untar $UNTAR_FILES files" ;; rm) echo "\`rm -rf\` of a $RM_OPS-entry lower tree" ;;
    git) echo "\`git status\` of $GIT_FILES files" ;;
    esac
}
set_lowers() { [ "$1" = main ] && echo "$L" || echo "$PA:$PB"; }

# ---- the configurations ----------------------------------------------------------
KERNEL=0 FUSE=0 FAKE=0
if can_mount_overlay; then KERNEL=1; else echo "# SKIP kernel overlayfs column: $ORACLE_SKIP_REASON"; fi
if command -v fakechroot >/dev/null; then FAKE=1; else echo "# SKIP fakechroot column: fakechroot is not installed (scripts/install-deps.sh)"; fi
FUSE_UMOUNT=$(command -v fusermount3 || command -v fusermount || echo umount)
if ! command -v fuse-overlayfs >/dev/null; then
    echo "# SKIP fuse-overlayfs column: fuse-overlayfs is not installed (scripts/install-deps.sh)"
else
    mkdir -p "$T/fp/l" "$T/fp/u" "$T/fp/w" "$T/fp/m"
    if fuse-overlayfs -o "lowerdir=$T/fp/l,upperdir=$T/fp/u,workdir=$T/fp/w" "$T/fp/m" 2>"$T/fp.err"; then
        FUSE=1
        "$FUSE_UMOUNT" -u "$T/fp/m" 2>/dev/null || umount "$T/fp/m"
    else
        echo "# SKIP fuse-overlayfs column: it cannot mount here ($(head -n 1 "$T/fp.err"))"
    fi
fi
cleanup_mounts() {
    local m
    for m in "$T"/k-*/m "$T"/f-*/m; do
        [ -d "$m" ] && mountpoint -q "$m" && { umount "$m" 2>/dev/null || umount -l "$m"; }
    done
}

# aside DIR...: move the DIRs out of the way, removed only at the end of
# the row (purge_aside), never between its timed runs: ext4 skips inodes
# freed in the last minute or more when it allocates (recently_deleted),
# so a run that came right after an rm -rf of the last state paid for it
# and one after a copy did not (untar: native 0.26 s and the others
# 14-41x in one run, native 2.46 s and unionenv 2.03x in the next).
aside() {
    local x
    mkdir -p "$STATE/aside" || return 1
    for x in "$@"; do
        [ -e "$x" ] && { mv "$x" "$(mktemp -u "$STATE/aside/x.XXXXXX")" || return 1; }
    done
    return 0
}
purge_aside() { rm -rf "$STATE/aside"; }

# Each run of a write row runs on an ext4 made for it, where root can
# mount one: on this machine's own disk, aged by every test run before,
# native untar of 10,000 files took 5.9 to 8.0 s from one run to the
# next, on a fresh ext4 0.25 s each time, and a write row measured the
# disk's state more than any configuration (untar 0.40x to 19x in three
# runs of one day).  Runs on one filesystem slowed as it filled (untar
# 0.24 s in the first, 0.45 s in the third, every configuration alike):
# each run of each configuration has one of its own.
# STATE: where the configurations' states live ($T/fs during such a round).
STATE=$T
FRESH_FS=${BENCH_FRESH_FS:-1}
{ [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null; } || FRESH_FS=0
fresh_fs_begin() {
    [ "$FRESH_FS" = 1 ] || return 0
    if mkdir -p "$T/fs" && truncate -s 6G "$T/fs.img" &&
        mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$T/fs.img" >/dev/null 2>&1 &&
        mount -o loop "$T/fs.img" "$T/fs" 2>/dev/null; then
        STATE=$T/fs
        return 0
    fi
    echo "# NOTE: write rows on the machine's own disk (no fresh ext4 could be mounted here)"
    FRESH_FS=0
    rm -f "$T/fs.img"
}
fresh_fs_end() {
    [ "$STATE" = "$T/fs" ] || return 0
    umount_all_under "$T/fs"   # the overlay mounts on it, then it (its states go with it)
    rm -f "$T/fs.img"
    STATE=$T
}

# view CONFIG SET FRESH: make the state of SET under CONFIG (anew when
# FRESH is 1) and print the directory the workload runs in.
view() {
    local c=$1 set=$2 fresh=$3 d=$STATE/$1-$2 low
    low=$(set_lowers "$set")
    case $c in
    native | fakechroot)
        if [ "$fresh" = 1 ] || [ ! -d "$d/v" ]; then
            aside "$d" && mkdir -p "$d" && merged_copy "$low" "$d/v" >/dev/null || return 1
        fi
        echo "$d/v" ;;
    k | f)
        if [ "$fresh" = 1 ] || ! mountpoint -q "$d/m"; then
            mountpoint -q "$d/m" && { umount "$d/m" 2>/dev/null || umount -l "$d/m"; }
            aside "$d/u" "$d/w" && mkdir -p "$d/u" "$d/w" "$d/m" || return 1
            if [ "$c" = k ]; then
                mount_overlay "$low" "$d/u" "$d/w" "$d/m" || return 1
            else
                fuse-overlayfs -o "lowerdir=$low,upperdir=$d/u,workdir=$d/w" "$d/m" 2>/dev/null || return 1
            fi
        fi
        echo "$d/m" ;;
    unionenv)
        if [ "$fresh" = 1 ]; then aside "$d/u" || return 1; fi
        mkdir -p "$d/u"
        echo "${low%%:*}" ;;
    esac
}

# run_once CONFIG SET DIR WORK [PREFIX...]: the workload once, in DIR.
run_once() {
    local c=$1 set=$2 dir=$3 work=$4
    shift 4
    case $c in
    fakechroot) "$@" fakechroot sh -c "cd '$dir' && $work" ;;
    unionenv) "$@" "$UE" --lower "$(set_lowers "$set")" --upper "$STATE/unionenv-$set/u" -- sh -c "cd '$dir' && $work" ;;
    *) "$@" sh -c "cd '$dir' && $work" ;;
    esac
}

# measure_row NAME: the row's runs under every configuration, interleaved
# (each run goes round all of them in turn), so that the machine's speed
# drifting during a row weighs on every column alike: run after run of one
# configuration, then of the next, made a ratio swing by a third from one
# `make bench` to the next (ls -lR 1.33x, then 1.74x).  The medians go to
# $T/median.CONFIG (FAIL when a run failed).
measure_row() {
    local set kind goal ops work n i c dir t
    read -r set kind goal ops work <<<"$(row "$1")"
    n=$RUNS
    [ "$kind" = write ] && n=$SLOW_RUNS
    for c in $CONFIGS; do
        : >"$T/times.$c"
        # A read row: one state for every run, after a warm-up run.
        if [ "$kind" = read ]; then
            dir=$(view "$c" "$set" 0) && run_once "$c" "$set" "$dir" "$work" >/dev/null 2>&1 || echo FAIL >>"$T/times.$c"
        fi
    done
    for ((i = 0; i < n; i++)); do
        for c in $CONFIGS; do
            # A write row's run on an ext4 of its own, made for it: on one
            # shared by the round, each configuration ran on a filesystem
            # the ones before it had filled (unionenv, the last, untar
            # 0.47 s where native, the first, took 0.27 s; alone on a
            # fresh one each, 0.30 and 0.25).
            [ "$kind" = write ] && fresh_fs_begin
            if ! dir=$(view "$c" "$set" "$([ "$kind" = write ] && echo 1 || echo 0)"); then
                echo FAIL >>"$T/times.$c"
                fresh_fs_end
                continue
            fi
            # A fresh state's writes (native's copy of the tree) flushed
            # first: not written back during the run.
            [ "$kind" = write ] && sync
            t=$(run_once "$c" "$set" "$dir" "$work" "$REPO/tests/bench/timeit" 1) || t=FAIL
            echo "$t" >>"$T/times.$c"
            fresh_fs_end
        done
    done
    [ -n "${BENCH_TIMES:-}" ] && for c in $CONFIGS; do echo "# times $1 $c: $(tr "\n" " " <"$T/times.$c")"; done
    purge_aside
    for c in $CONFIGS; do
        sort -n "$T/times.$c" | awk '$1 == "FAIL" {f = 1} {v[NR] = $1} END {if (f || !NR) print "FAIL"; else print v[int((NR + 1) / 2)]}' >"$T/median.$c"
    done
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "FAIL" || b == "FAIL" || a == "-") print a == "-" ? "-" : "FAIL"; else printf "%.2fx", a / b}'; }
# " [LOW-HIGH]": each run of configuration $1 over the native median $2,
# the spread the median hides (on a noisy machine, wider than a change).
spread() {
    [ "$2" = FAIL ] && return
    awk -v b="$2" '$1 != "FAIL" {r = $1 / b; if (!n++ || r < lo) lo = r; if (r > hi) hi = r}
        END {if (n > 1) printf " [%.2f-%.2f]", lo, hi}' "$T/times.$1"
}

# ---- the table ---------------------------------------------------------------------
echo
echo "| workload | native | kernel overlayfs | fuse-overlayfs | fakechroot | unionenv [each run] | goal |"
echo "|---|---:|---:|---:|---:|---:|---:|"
CONFIGS=native
[ $KERNEL = 1 ] && CONFIGS="$CONFIGS k"
[ $FUSE = 1 ] && CONFIGS="$CONFIGS f"
[ $FAKE = 1 ] && CONFIGS="$CONFIGS fakechroot"
CONFIGS="$CONFIGS unionenv"
for r in $ROWS; do
    read -r set kind goal ops work <<<"$(row "$r")"
    measure_row "$r"
    nat=$(cat "$T/median.native")
    k=-; f=-; fc=-
    [ $KERNEL = 1 ] && k=$(cat "$T/median.k")
    [ $FUSE = 1 ] && f=$(cat "$T/median.f")
    [ $FAKE = 1 ] && fc=$(cat "$T/median.fakechroot")
    u=$(cat "$T/median.unionenv")
    echo "| $(title "$r") | ${nat} s | $(ratio "$k" "$nat") | $(ratio "$f" "$nat") | $(ratio "$fc" "$nat") | $(ratio "$u" "$nat")$(spread unionenv "$nat") | ${goal}x |"
done
cleanup_mounts

# ---- the launcher's start-up -------------------------------------------------------
# The starts of each command, timed in ten rounds that go round all the
# commands in turn (as the rows above: a drift of the machine weighs on
# all alike); milliseconds per start into $T/start.NAME.
mkdir -p "$T/start-u"
start_native() { /bin/true; }
start_union() { "$UE" --lower "$L" --upper "$T/start-u" -- /bin/true; }
start_script() { "$REPO/unionenv.sh" --lower "$L" --upper "$T/start-u" -- /bin/true; }
start_preload() {
    env UNIONENV_LOWER="$L" UNIONENV_UPPER="$T/start-u" UNIONENV_MOUNT="$L" \
        UNIONENV_UPPER_FORMAT=chardev UNIONENV_LIB="$REPO/build/libunionenv.so" \
        LD_PRELOAD="$REPO/build/libunionenv.so" /bin/true
}
start_env() { env /bin/true; }
STARTERS="native union script preload env"
ROUNDS=10
PER_ROUND=$(( (STARTS + ROUNDS - 1) / ROUNDS ))
for s in $STARTERS; do echo 0 >"$T/start.$s"; done
for ((round = 0; round < ROUNDS; round++)); do
    for s in $STARTERS; do
        t0=$EPOCHREALTIME
        for ((i = 0; i < PER_ROUND; i++)); do "start_$s" >/dev/null 2>&1; done
        awk -v a="$t0" -v b="$EPOCHREALTIME" -v sum="$(cat "$T/start.$s")" 'BEGIN {printf "%.6f\n", sum + b - a}' >"$T/start.$s"
    done
done
per_start() { awk -v s="$(cat "$T/start.$1")" -v n=$((PER_ROUND * ROUNDS)) 'BEGIN {printf "%.2f", s * 1000 / n}'; }
native_ms=$(per_start native)
union_ms=$(per_start union)
script_ms=$(per_start script)
preload_ms=$(per_start preload)
env_ms=$(per_start env)
STARTS=$((PER_ROUND * ROUNDS))
echo
echo "# unionenv: $UE"
echo "| start-up ($STARTS starts) | ms per start |"
echo "|---|---:|"
echo "| \`/bin/true\` | $native_ms |"
echo "| \`unionenv --lower L --upper U -- /bin/true\` | $union_ms |"
echo "| the same through the checkout's unionenv.sh | $script_ms |"
echo "| of which the library in /bin/true (\`env LD_PRELOAD=... /bin/true\` less \`env /bin/true\`) | $(awk -v a="$preload_ms" -v b="$env_ms" 'BEGIN {printf "%.2f", a - b}') |"
echo "| the launcher's own cost | $(awk -v a="$union_ms" -v b="$native_ms" 'BEGIN {printf "%.2f", a - b}') (goal: 3 or less) |"

# ---- system calls per operation ----------------------------------------------------
# calls FILE: "total name:count..." from strace -c's summary.
calls() {
    awk '$1 ~ /^[0-9.]+$/ {if ($NF == "total") t = $4; else c[$NF] = $4} END {printf "%d", t; for (n in c) printf " %s:%d", n, c[n]; print ""}' "$1"
}
if [ "$STRACE" = 1 ] && command -v strace >/dev/null; then
    echo
    echo "| workload | operations | native calls/op | unionenv calls/op | ratio | most added by unionenv (calls/op) |"
    echo "|---|---:|---:|---:|---:|---|"
    for r in $ROWS; do
        read -r set kind goal ops work <<<"$(row "$r")"
        for c in native unionenv; do
            dir=$(view "$c" "$set" 1) &&
                run_once "$c" "$set" "$dir" "$work" strace -f -qq -c -o "$T/strace.$c" >/dev/null 2>&1 ||
                echo "0 total" >"$T/strace.$c"
        done
        read -r nt nrest <<<"$(calls "$T/strace.native")"
        read -r ut urest <<<"$(calls "$T/strace.unionenv")"
        added=$(awk -v n="$nrest" -v u="$urest" -v ops="$ops" 'BEGIN {
            split(n, a, " "); for (i in a) {split(a[i], kv, ":"); nat[kv[1]] = kv[2]}
            split(u, b, " "); for (i in b) {split(b[i], kv, ":"); d = kv[2] - nat[kv[1]]; if (d > 0) printf "%s %.2f\n", kv[1], d / ops}
        }' | sort -k2 -rn | head -n 4 | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}')
        echo "| $(title "$r") | $ops | $(awk -v t="$nt" -v o="$ops" 'BEGIN {printf "%.2f", t / o}') | $(awk -v t="$ut" -v o="$ops" 'BEGIN {printf "%.2f", t / o}') | $(ratio "$ut" "$nt") | $added |"
    done
elif [ "$STRACE" = 1 ]; then
    echo "# SKIP system calls per operation: strace is not installed (scripts/install-deps.sh)"
fi

echo
if [ "$(for d in "$L" "$PA" "$PB"; do snapshot_tree "$d"; done)" = "$LOWERS_AT_START" ]; then
    echo "# lowers unchanged"
else
    echo "# LOWERS CHANGED"
    exit 1
fi

#!/bin/bash
# corpus-supervised.sh - issue 11: the real-program corpus once more with
# the whole tree filtered.  Every corpus-*.sh (tar, cpio, make and gcc,
# find, git, perl, sed, patch, python3, rsync, shell scripts, sqlite3,
# coreutils) is run under --supervise (UNIONENV_SUPERVISE=1: no preload,
# every path system call of the tree served by the supervisor), and every
# one but coreutils's, which corpus-coreutils-filtered.sh runs so, with the
# preload kept (UNIONENV_SUPERVISE=preload: docs/design.md, "The gate").
# Each job is its script's: compared with a kernel overlayfs mount or a
# merged copy, the lowers checked after each.  One TAP stream: each
# script's results renumbered and named "[script, mode]", the plan last; a
# script that ends badly, or runs other than it planned, is a failure here.
# tests/run: slow (started first under tests/run -j)
set -u
HERE=$(cd -- "$(dirname -- "$0")" && pwd -P)
n=0

# one SCRIPT MODE: its results, renumbered, on stdout
one() {
    local script=$1 mode=$2 name out status line head rest planned=-1 seen=0 failed=0
    name=${script##*/} name=${name%.sh}
    out=$(UNIONENV_SUPERVISE=$mode bash "$script" 2>&1)
    status=$?
    while IFS= read -r line; do
        case $line in
        "ok "* | "not ok "*)
            head=${line%%[0-9]*} rest=${line#"${line%%[0-9]*}"}
            rest=${rest#"${rest%%[!0-9]*}"} rest=${rest# } rest=${rest#- }
            [ "$head" = "not ok " ] && failed=$((failed + 1))
            seen=$((seen + 1)) n=$((n + 1))
            echo "$head$n - [$name, $mode] $rest"
            ;;
        1..*)
            [[ ${line#1..} =~ ^([0-9]+) ]] && planned=${BASH_REMATCH[1]}
            if [ "$planned" = 0 ]; then
                n=$((n + 1))
                echo "ok $n - [$name, $mode] # skip ${line#*[Ss][Kk][Ii][Pp]}"
            fi
            ;;
        *) echo "$line" ;;
        esac
    done <<<"$out"
    if [ "$failed" = 0 ] && { [ "$status" != 0 ] || { [ "$planned" -gt 0 ] && [ "$seen" != "$planned" ]; }; }; then
        n=$((n + 1))
        echo "not ok $n - [$name, $mode] ended with status $status, $seen of $planned tests run"
    fi
}

for script in "$HERE"/corpus-*.sh; do
    case ${script##*/} in corpus-supervised.sh | corpus-*-filtered.sh) continue ;; esac
    one "$script" 1
    [ "${script##*/}" = corpus-coreutils.sh ] || one "$script" preload
done
echo "1..$n"

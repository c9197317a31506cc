#!/usr/bin/env bash
# tree-list.sh - build/tests/tree-list (tests/lib/tree-list.c), the listing
# every scenario's "lowers unchanged" and "view as on the kernel" compare,
# against the same listing made by separate programs (find -printf,
# sha256sum, stat, getfattr, awk, sort: how tests/lib/snapshot.sh made it
# until session 28), on a tree of every kind of entry: the two must agree
# line for line, in both forms (--snapshot and the view).  And each kind
# of change a lower must never see (data, mode, times, an xattr, a link,
# a new or removed name) changes the snapshot: a listing that said nothing,
# or the same thing whatever the tree, would make every lowers check pass.
# An unreadable directory or file, and a missing tree: status 1, no listing.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init tree-list

TL=$REPO/build/tests/tree-list
tap_plan 10
if [ ! -x "$TL" ]; then
    for i in $(seq 10); do tap_not_ok "tree-list $i" "$TL is not built (run make)"; done
    tap_done; exit 1
fi

# reference MODE DIR: the listing by find, sha256sum, stat and getfattr.
reference() {
    local mode=$1 dir=$2 tmp rc=0
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/ue-tree.XXXXXX") || return 1
    (
        export LC_ALL=C
        cd -- "$dir" || exit 1
        find . -mindepth 1 -printf '%P\t%y\t%#m\t%U:%G\t%n\t%s\t%T@\t%C@\t%l\n' >"$tmp/meta" || exit 1
        find . -mindepth 1 -type f -print0 | xargs -0 -r sha256sum -- >"$tmp/sum" || exit 1
        find . -mindepth 1 \( -type c -o -type b \) -exec stat -c '%n	%t,%T' -- {} + >"$tmp/dev" || exit 1
        : >"$tmp/xattr"
        if [ "$mode" = snap ] && command -v getfattr >/dev/null 2>&1; then
            getfattr -R -P -h -d -m - -e hex . >"$tmp/xattr" 2>/dev/null
        fi
        exit 0
    ) || rc=1
    if [ $rc -eq 0 ]; then
        LC_ALL=C awk -F'\t' -v mode="$mode" -v sumf="$tmp/sum" -v devf="$tmp/dev" -v xf="$tmp/xattr" '
        BEGIN {
            while ((getline line < sumf) > 0) {
                p = substr(line, 67); sub(/^\.\//, "", p); sum[p] = substr(line, 1, 64)
            }
            while ((getline line < devf) > 0) {
                n = index(line, "\t"); p = substr(line, 1, n - 1); sub(/^\.\//, "", p)
                dev[p] = substr(line, n + 1)
            }
            cur = ""
            while ((getline line < xf) > 0) {
                if (line ~ /^# file: /) { cur = substr(line, 9); sub(/^\.\/?/, "", cur); continue }
                if (line == "" || cur == "") continue
                if (cur in xa) line = xa[cur] "," line
                xa[cur] = line
            }
        }
        {
            path = $1; type = $2; perm = $3; owner = $4; nlink = $5; size = $6; mtime = $7; ctime = $8; target = $9
            content = "-"
            if (type == "f") content = (path in sum) ? sum[path] : "?"
            else if (type == "l") content = "->" target
            else if (type == "c" || type == "b") content = "dev:" dev[path]
            if (mode == "view") {
                if (type == "d") size = "-"
                print path "\t" type "\t" perm "\t" size "\t" content
            } else {
                x = (path in xa) ? xa[path] : "-"
                print path "\t" type "\t" perm "\t" owner "\t" nlink "\t" size "\t" mtime "\t" ctime "\t" content "\t" x
            }
        }' "$tmp/meta" | LC_ALL=C sort
        rc=$?
    fi
    rm -rf -- "$tmp"
    return $rc
}

R=$T/tree
mkdir -p "$R/d/e" "$R/empty"
echo hi >"$R/a"
: >"$R/zero"
head -c 200000 /dev/urandom >"$R/d/big"   # more than one read of the tool's buffer
printf 'x%.0s' $(seq 64) >"$R/d/e/block"  # exactly one SHA-256 block
ln -s ../a "$R/d/link"
ln -s dangling "$R/dangles"
ln "$R/a" "$R/hard"
mkfifo "$R/fifo"
chmod 4755 "$R/a"
chmod 1777 "$R/d/e"
touch -d @1600000000.123456789 "$R/zero"
XATTRS=0
if command -v setfattr >/dev/null && setfattr -n user.x -v 0x0102 "$R/d" 2>/dev/null; then
    setfattr -n user.empty "$R/zero" && XATTRS=1
fi
DEVICES=0
mknod "$R/wh" c 0 0 2>/dev/null && mknod "$R/blk" b 7 200 2>/dev/null && DEVICES=1
what="files, an empty one, one of 200,000 bytes and one of one block, symlinks, a hard link, a fifo, setuid and sticky modes, a time in nanoseconds"
[ $XATTRS = 1 ] && what="$what, xattrs (one empty)"
[ $DEVICES = 1 ] && what="$what, devices" || what="$what (no devices: not root)"

"$TL" --snapshot "$R" >"$T/tool.snap"; st=$?
reference snap "$R" >"$T/ref.snap"
tap_result "tree-list --snapshot runs through" $st
tap_cmp_files "the snapshot equals find/sha256sum/stat/getfattr's: $what" "$T/ref.snap" "$T/tool.snap"
"$TL" "$R" >"$T/tool.view"
reference view "$R" >"$T/ref.view"
tap_cmp_files "the view equals theirs too" "$T/ref.view" "$T/tool.view"
tap_is "one line an entry" "$(find "$R" -mindepth 1 | wc -l)" "$(wc -l <"$T/tool.snap")"

# changed STEP: the snapshot after STEP differs from the one before it.
changed() {
    local before after
    before=$("$TL" --snapshot "$R")
    sleep 0.01
    eval "$1"
    after=$("$TL" --snapshot "$R")
    [ -n "$before" ] && [ "$before" != "$after" ]
}
ok=1 missed=
for step in 'echo more >>"$R/d/big"' 'printf hi >"$R/zero"' 'chmod 0600 "$R/d/e/block"' \
    'touch -m -d @1500000000 "$R/d/e/block"' 'ln "$R/d/e/block" "$R/d/e/block2"' 'rm "$R/fifo"' \
    'mkdir "$R/empty/new"' 'ln -sfn ../zero "$R/d/link"' 'touch -a -d @1400000000 "$R/a"'; do
    changed "$step" || { ok=0; missed="$missed; $step"; }
done
if [ $ok = 1 ]; then tap_ok "every change to data, mode, mtime, links, names or a symlink changes the snapshot (ctime: an atime change too)"
else tap_not_ok "every change to data, mode, mtime, links, names or a symlink changes the snapshot" "unseen:$missed"; fi
if [ $XATTRS = 1 ]; then
    if changed 'setfattr -n user.y -v 1 "$R/d/e"'; then tap_ok "an xattr set changes the snapshot"
    else tap_not_ok "an xattr set changes the snapshot"; fi
else
    tap_skip "an xattr set changes the snapshot" "no user xattrs here"
fi

out=$("$TL" --snapshot "$T/none" 2>"$T/err"); st=$?
# "status, bytes of listing, lines on stderr"
tap_is "a missing tree: status 1, one line on stderr, no listing" "1 0 1" "$st ${#out} $(wc -l <"$T/err")"
if [ "$(id -u)" != 0 ]; then
    mkdir -p "$T/closed/in" && echo x >"$T/closed/in/f" && chmod 0 "$T/closed/in"
    out=$("$TL" "$T/closed" 2>/dev/null); st=$?
    chmod 0755 "$T/closed/in"
    tap_is "an unreadable directory: status 1, no listing" "1 0" "$st ${#out}"
    chmod 0 "$T/closed/in/f"
    out=$("$TL" "$T/closed" 2>/dev/null); st=$?
    chmod 0644 "$T/closed/in/f"
    tap_is "an unreadable file: status 1, no listing" "1 0" "$st ${#out}"
else
    tap_skip "an unreadable directory: status 1, no listing" "root reads every directory"
    tap_skip "an unreadable file: status 1, no listing" "root reads every file"
fi
usage=$("$TL" a b 2>&1); st=$?
tap_is "two trees: the usage line, status 2" "2 usage:" "$st ${usage%% *}"
tap_done

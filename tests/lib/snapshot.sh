# shellcheck shell=bash
# snapshot.sh - deterministic listings of a directory tree (sourced).
#
#   snapshot_tree DIR   every path under DIR, one per line, sorted (LC_ALL=C):
#       path  type  mode  uid:gid  nlink  size  mtime(ns)  ctime(ns)  content  xattrs
#     type is find's %y (f d l c b p s); content is the sha256 of a regular
#     file, "->TARGET" for a symlink, "dev:MAJ,MIN" (hex) for a device, "-"
#     otherwise; xattrs (when getfattr is installed) is "name=0xHEX,..." of all
#     xattrs of the path itself.  Used to prove that a layer is unchanged:
#     nlink and ctime also catch a hard link or a metadata change made and
#     undone in a lower.
#   view_tree DIR       the same minus owner, mtime, xattrs and directory sizes:
#       path  type  mode  size  content
#     Used to compare a merged view (unionenv, kernel overlayfs, plain copy).
#
# Fields are separated by tabs.  Both use only find, xargs, sha256sum, stat,
# getfattr, awk and sort, so they can run inside the union (under the preload).
# Names containing newlines, tabs or backslashes are not supported.

_tree_list() {
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

snapshot_tree() { _tree_list snap "$1"; }
view_tree() { _tree_list view "$1"; }

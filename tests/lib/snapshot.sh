# shellcheck shell=bash
# snapshot.sh - deterministic listings of a directory tree (sourced).
#
#   snapshot_tree DIR   every path under DIR, one per line, sorted (LC_ALL=C):
#       path  type  mode  uid:gid  nlink  size  mtime(ns)  ctime(ns)  content  xattrs
#     type is find's %y (f d l c b p s); content is the sha256 of a regular
#     file, "->TARGET" for a symlink, "dev:MAJ,MIN" (hex) for a device, "-"
#     otherwise; xattrs is "name=0xHEX,..." of all xattrs of the path itself,
#     or "-".  Used to prove that a layer is unchanged: nlink and ctime also
#     catch a hard link or a metadata change made and undone in a lower.
#   view_tree DIR       the same minus owner, mtime, xattrs and directory sizes:
#       path  type  mode  size  content
#     Used to compare a merged view (unionenv, kernel overlayfs, plain copy).
#
# Fields are separated by tabs.  Both are build/tests/tree-list
# (tests/lib/tree-list.c, built by `make`), one process that reads the tree
# with plain libc calls, so that it can run inside the union too
# (tests/lib/view-tree).  Names containing newlines or tabs are not
# supported.

_TREE_LIST=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)/build/tests/tree-list

_tree_list() {
    if [ ! -x "$_TREE_LIST" ]; then
        echo "snapshot.sh: $_TREE_LIST is not built (run make)" >&2
        return 1
    fi
    "$_TREE_LIST" "$@"
}

snapshot_tree() { _tree_list --snapshot "$1"; }
view_tree() { _tree_list "$1"; }

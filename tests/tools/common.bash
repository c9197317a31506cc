# Shared set-up for the bats tests of the layer tools (load common).
# shellcheck disable=SC2034,SC2154  # bats sets status/output/stderr
#
# Every test works in its own $W below BATS_TEST_TMPDIR (removed by bats);
# $W is the current directory.

REPO=$(cd -P -- "$BATS_TEST_DIRNAME/../.." && pwd -P)
UE=$REPO/unionenv.sh
LIB=$REPO/build/libunionenv.so
# shellcheck source=tests/lib/oracle.sh
. "$REPO/tests/lib/oracle.sh"

tools_setup() {
    W=$BATS_TEST_TMPDIR/w
    mkdir -p "$W"
    cd "$W" || return 1
    export LC_ALL=C TZ=UTC
    unset SOURCE_DATE_EPOCH
}

tools_teardown() {
    if [ -n "${W:-}" ] && [ -d "$W" ]; then
        umount_all_under "$W" 2>/dev/null
        chmod -R u+rwx "$W" 2>/dev/null
    fi
    return 0
}

# The tools are run through the launcher (`unionenv.sh NAME`) once it is
# wired to them (build/unionenv-NAME), else straight from build/layertools.
need_tool() {
    [ -x "$REPO/build/unionenv-$1" ] || [ -x "$REPO/build/layertools/unionenv-$1" ] ||
        skip "build/unionenv-$1 is not built (run make)"
}

ue() {
    local name=$1
    shift
    if [ -x "$REPO/build/unionenv-$name" ]; then
        "$UE" "$name" "$@"
    else
        "$REPO/build/layertools/unionenv-$name" "$@"
    fi
}

need_lib() {
    [ -f "$LIB" ] || skip "build/libunionenv.so is not built (run make)"
}

need_root() {
    [ "$(id -u)" -eq 0 ] || skip "needs root ($1)"
}

# A listing of everything under $1, for "nothing changed" checks.
tree_sum() {
    (cd "$1" && find . -printf '%p %y %s %m %T@ %l\n' 2>/dev/null | LC_ALL=C sort | cksum)
}

# fails_clearly PATTERN CMD...: status 125, one stderr line naming the tool
# and containing PATTERN, nothing on stdout.
fails_clearly() {
    local pattern=$1
    shift
    run --separate-stderr "$@"
    echo "cmd: $*"
    echo "status: $status"
    echo "stdout: $output"
    echo "stderr: $stderr"
    [ "$status" -eq 125 ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ ${stderr_lines[0]} == unionenv* ]]
    [[ ${stderr_lines[0]} == *"$pattern"* ]]
    [ -z "$output" ]
}

# The merged view of layers without any union: a plain listing of path,
# type, mode, size, content (sha256 / link target / device numbers).
view() {
    "$REPO/tests/lib/view-tree" "$1"
}

# Layers A (above) and B used by several tests, and an upper U made by
# running real commands in the union.
make_layers() {
    mkdir -p A/d1/sub A/d2 B/d2/bsub B/d3 B/keep
    echo a >A/fa
    echo same >A/same
    echo b >B/fb
    echo x >A/d1/sub/x
    echo y >B/d2/bsub/y
    echo z >B/d3/z
    echo k >B/keep/k
    ln -s fa A/link
    mkfifo B/fifo
}

make_union_upper() {
    "$UE" --lower A:B --upper U -- sh -c '
        cd "$1" && echo new >new && echo more >>fb && rm fa &&
        rm -r d2 && mkdir d2 && echo n >d2/n && mv d3 d3moved &&
        chmod 600 same && mkdir -p nd/e && echo q >nd/e/q &&
        ln -s new newlink && rm link && : >>keep/k' sh "$W/A"
}

# oci_apply LAYER ROOT: apply an OCI layer tarball onto the directory ROOT
# with GNU tar and the OCI whiteout rules, as an independent reader would:
# opaque markers empty their directory, .wh.NAME removes NAME, an entry
# replaces a different type at its name; then every other entry is
# extracted.  Member names with newlines are not supported here.
oci_apply() {
    local layer=$1 root=$2 p base dir
    tar -tf "$layer" | while IFS= read -r p; do
        case $p in
        .wh..wh..opq | */.wh..wh..opq)
            dir=${p%.wh..wh..opq}
            if [ -d "$root/$dir" ] && [ ! -L "$root/$dir" ]; then
                find "$root/$dir" -mindepth 1 -delete
            else
                rm -rf -- "${root:?}/$dir"
            fi ;;
        .wh.* | */.wh.*)
            base=${p##*/}
            dir=${p%"$base"}
            rm -rf -- "${root:?}/$dir${base#.wh.}" ;;
        */)
            if [ -e "$root/$p" ] && { [ -L "${root}/${p%/}" ] || [ ! -d "$root/$p" ]; }; then
                rm -rf -- "${root:?}/${p%/}"
            fi ;;
        *)
            if [ -d "$root/$p" ] && [ ! -L "$root/$p" ]; then
                rm -rf -- "${root:?}/$p"
            fi ;;
        esac
    done
    tar -xpf "$layer" -C "$root" --xattrs --xattrs-include='user.*' --exclude='.wh.*'
}

# union_view LOWERS UPPER: the merged view, seen through unionenv itself.
union_view() {
    local first=${1%%:*}
    "$UE" --lower "$1" --upper "$2" -- "$REPO/tests/lib/view-tree" "$W/$first"
}

# layer_snapshot DIR: everything a marker conversion must keep: names,
# types, modes, owners, sizes, mtimes (directories too), device numbers,
# link targets, content and all xattrs.
layer_snapshot() {
    (
        cd "$1" || exit 1
        find . -printf '%p %y %m %U:%G %s %T@ %l\n' | LC_ALL=C sort
        find . \( -type c -o -type b \) -exec stat -c '%n %t:%T' {} + | LC_ALL=C sort
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
        getfattr -R -P -h -d -m - -e hex . 2>/dev/null
    )
}

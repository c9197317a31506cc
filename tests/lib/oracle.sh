# shellcheck shell=bash
# oracle.sh - the reference side of the scenarios (sourced).
#
#   can_mount_overlay      0 when we are root and a tiny `mount -t overlay
#                          -o userxattr` works; otherwise sets ORACLE_SKIP_REASON
#                          (ORACLE_NO_KERNEL=1 forces the non-root path)
#   mount_overlay LOWERS UPPER WORK MNT
#                          kernel overlayfs, unprivileged (userxattr) format;
#                          LOWERS is colon-separated, highest first
#   mount_overlay_ro LOWERS MNT   read-only mount of lower layers only
#   umount_overlay MNT
#   umount_all_under DIR   unmount every mount point at or below DIR
#   merged_copy LOWERS DEST
#                          non-root fallback oracle: plain `cp -a` of the
#                          layers, lowest first (whiteouts are not handled:
#                          the scenario lowers contain none)

# shellcheck disable=SC2034  # read by the scenarios
ORACLE_SKIP_REASON=
_UE_CAN_MOUNT=

can_mount_overlay() {
    if [ -z "$_UE_CAN_MOUNT" ]; then
        _UE_CAN_MOUNT=no
        if [ -n "${ORACLE_NO_KERNEL:-}" ]; then
            ORACLE_SKIP_REASON="kernel oracle disabled (ORACLE_NO_KERNEL is set)"
        elif [ "$(id -u)" != 0 ]; then
            ORACLE_SKIP_REASON="cannot mount overlayfs (not root)"
        else
            local t
            t=$(mktemp -d "${TMPDIR:-/tmp}/ue-ovl-probe.XXXXXX") || return 1
            mkdir -p "$t/l" "$t/u" "$t/w" "$t/m"
            echo probe >"$t/l/f"
            if mount -t overlay overlay -o "userxattr,lowerdir=$t/l,upperdir=$t/u,workdir=$t/w" "$t/m" 2>"$t/err"; then
                if [ "$(cat "$t/m/f" 2>/dev/null)" = probe ]; then
                    _UE_CAN_MOUNT=yes
                else
                    ORACLE_SKIP_REASON="cannot mount overlayfs (test mount unreadable)"
                fi
                umount "$t/m" 2>/dev/null || umount -l "$t/m"
            else
                ORACLE_SKIP_REASON="cannot mount overlayfs ($(head -n1 "$t/err"))"
            fi
            rm -rf -- "$t"
        fi
    fi
    [ "$_UE_CAN_MOUNT" = yes ]
}

mount_overlay() {
    local lowers=$1 upper=$2 work=$3 mnt=$4
    mkdir -p -- "$upper" "$work" "$mnt" || return 1
    mount -t overlay overlay -o "userxattr,lowerdir=$lowers,upperdir=$upper,workdir=$work" "$mnt"
}

mount_overlay_ro() {
    local lowers=$1 mnt=$2
    mkdir -p -- "$mnt" || return 1
    mount -t overlay overlay -o "userxattr,ro,lowerdir=$lowers" "$mnt"
}

umount_overlay() {
    umount -- "$1" 2>/dev/null || umount -l -- "$1"
}

umount_all_under() {
    local dir m
    dir=$(cd -- "$1" 2>/dev/null && pwd -P) || return 0
    # /proc/self/mounts escapes spaces as \040; scenario paths have none.
    awk '{print $2}' /proc/self/mounts | awk -v d="$dir" '$0 == d || index($0, d "/") == 1' |
        sort -r | while read -r m; do
            umount -- "$m" 2>/dev/null || umount -l -- "$m" 2>/dev/null
        done
    return 0
}

merged_copy() {
    local lowers=$1 dest=$2 i
    local -a layers
    IFS=: read -r -a layers <<<"$lowers"
    mkdir -p -- "$dest" || return 1
    for ((i = ${#layers[@]} - 1; i >= 0; i--)); do
        cp -a -- "${layers[i]}/." "$dest/" || return 1
    done
}

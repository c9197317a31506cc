#!/bin/bash
# metacopy-exec.sh - going on from a root kernel's upper: a program made
# executable there (`chmod +x` with metacopy=on: an empty upper file that
# takes its data from the lower) runs in unionenv as on the kernel's mount.
# Root only (a trusted-xattr mount); the lowers are checked unchanged.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"
scenario_init metacopy-exec

tap_plan 4
if ! can_mount_overlay; then
    for d in "the kernel makes a metacopy" "the program runs" "the union's mode is kept" "lowers unchanged"; do
        tap_skip "$d" "$ORACLE_SKIP_REASON"
    done
    tap_done
    exit
fi

L=$T/L U=$T/U W=$T/W M=$T/M
mkdir -p "$L/bin" "$U" "$W" "$M"
printf '#!/bin/sh\necho "run as $0"\n' >"$L/bin/tool"
cp /bin/true "$L/bin/true-copy"
chmod 0644 "$L/bin/tool" "$L/bin/true-copy"
before=$(snapshot_tree "$L")
mount -t overlay overlay -o "lowerdir=$L,upperdir=$U,workdir=$W,redirect_dir=on,metacopy=on,index=on" "$M" &&
    chmod 0755 "$M/bin/tool" "$M/bin/true-copy"
umount_overlay "$M"
if getfattr -n trusted.overlay.metacopy "$U/bin/tool" >/dev/null 2>&1; then
    tap_ok "the kernel makes a metacopy"
else
    tap_not_ok "the kernel makes a metacopy" "$(getfattr -d -m - "$U/bin/tool" 2>&1)"
fi
out=$(cd "$T" && union --lower L --upper U -- sh -c './L/bin/tool && ./L/bin/true-copy && echo true-ok' 2>&1)
tap_is "the program runs" "$(printf 'run as ./L/bin/tool\ntrue-ok')" "$out"
out=$(union --lower "$L" --upper "$U" -- stat -c %a "$L/bin/tool" 2>&1)
tap_is "the union's mode is kept" 755 "$out"
tap_is "lowers unchanged" "$before" "$(snapshot_tree "$L")"
tap_done

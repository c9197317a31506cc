#!/usr/bin/env bash
# npm in a union (issue 11, acceptance "node"): a project that lives in a
# lower installs a package with npm (packed here with npm pack, kept in the
# lower: no network) and runs its npm test.  In a plain union (no option:
# node's raw statx goes through syscall(), which the preload serves), from
# bash and make inside the union, and with the whole tree supervised
# (--supervise; and UNIONENV_SUPERVISE=preload, the preload kept).  node_modules and the lock file land in the upper, the
# test sees the package, the view is the kernel overlayfs's after the same
# install where root can mount, and the lowers are unchanged.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init npm

MODES="plain bash make supervise gate"
tap_plan 25
skip_all() {
    for m in $MODES; do
        for d in "npm install" "npm test" "the upper" "the kernel's view" "lowers"; do tap_skip "$m: $d" "$1"; done
    done
    tap_done; exit $?
}
command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 || skip_all "no npm or node"
[ -x "$REPO/build/unionenv-supervise" ] || skip_all "no build/unionenv-supervise"
# npm keeps its cache and logs in HOME, outside the union; no network
export HOME=$T/home npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false
mkdir -p "$HOME" "$T/pkg"
printf '{"name":"tinypkg","version":"1.0.0","main":"index.js"}\n' >"$T/pkg/package.json"
echo 'module.exports = () => "tiny ok";' >"$T/pkg/index.js"
(cd "$T/pkg" && npm pack --silent >/dev/null 2>&1) || true
[ -f "$T/pkg/tinypkg-1.0.0.tgz" ] || skip_all "npm pack failed"

# lower DIR: the project and the packed package, as a lower holds them
lower() {
    mkdir -p "$1/proj" "$1/pkg"
    cp "$T/pkg/tinypkg-1.0.0.tgz" "$1/pkg/"
    printf '%s\n' '{"name":"proj","version":"1.0.0",' \
        '"scripts":{"test":"node -e \"console.log(require('"'"'tinypkg'"'"')())\""}}' >"$1/proj/package.json"
}
INSTALL='npm install --offline --no-audit --no-fund ../pkg/tinypkg-1.0.0.tgz >/dev/null 2>&1 || echo install failed; npm test --silent'

KVIEW=
lower "$T/K/L"
if can_mount_overlay && mount_overlay "$T/K/L" "$T/K/U" "$T/K/W" "$T/K/M"; then
    (cd "$T/K/M/proj" && bash -c "$INSTALL") >"$T/K/out" 2>&1
    KVIEW=$(view_tree "$T/K/M")
    umount_overlay "$T/K/M"
else
    echo "# SKIP the comparison with the kernel's overlayfs: ${ORACLE_SKIP_REASON:-mount failed}"
fi

for m in $MODES; do
    L=$T/$m/L U=$T/$m/U
    lower "$L"
    lowers_remember "$L"
    case $m in
    plain)
        out=$(cd "$L/proj" && union --lower "$L" --upper "$U" -- \
            npm install --offline --no-audit --no-fund ../pkg/tinypkg-1.0.0.tgz 2>&1 >/dev/null || echo install failed
            cd "$L/proj" && union --lower "$L" --upper "$U" -- npm test --silent 2>&1) ;;
    bash) out=$(cd "$L/proj" && union --lower "$L" --upper "$U" -- bash -c "$INSTALL" 2>&1) ;;
    make)
        printf 'all:\n\t@%s\n' "$INSTALL" >"$T/Makefile.npm"
        out=$(cd "$L/proj" && union --lower "$L" --upper "$U" -- make -s -f "$T/Makefile.npm" 2>&1) ;;
    supervise) out=$(cd "$L/proj" && union --lower "$L" --upper "$U" --supervise -- bash -c "$INSTALL" 2>&1) ;;
    gate) out=$(cd "$L/proj" && UNIONENV_SUPERVISE=preload union --lower "$L" --upper "$U" -- bash -c "$INSTALL" 2>&1) ;;
    esac
    tap_is "$m: npm install of a packed package into a project in a lower" "" "$(grep 'install failed' <<<"$out")"
    tap_is "$m: npm test sees the installed package" "tiny ok" "$(grep -v 'install failed' <<<"$out")"
    if [ -f "$U/proj/node_modules/tinypkg/index.js" ] && [ -f "$U/proj/package-lock.json" ] &&
        [ ! -e "$L/proj/node_modules" ] && grep -q tinypkg "$U/proj/package.json"; then
        tap_ok "$m: node_modules, the lock file and the changed package.json are in the upper"
    else
        tap_not_ok "$m: node_modules, the lock file and the changed package.json are in the upper" \
            "$(cd "$T/$m" && find U L | head -20)"
    fi
    if [ -n "$KVIEW" ]; then
        view=$(union --lower "$L" --upper "$U" -- "$REPO/tests/lib/view-tree" "$L" 2>&1)
        if [ "$view" = "$KVIEW" ]; then tap_ok "$m: the union's view is the kernel overlayfs's after the same install"; else
            tap_not_ok "$m: the union's view is the kernel overlayfs's after the same install"
            diff <(printf '%s\n' "$KVIEW") <(printf '%s\n' "$view") | head -n 20 | tap_diag
        fi
    else
        tap_skip "$m: the union's view is the kernel overlayfs's" "${ORACLE_SKIP_REASON:-mount failed}"
    fi
    lowers_unchanged "$m: npm install and npm test"
done
tap_done

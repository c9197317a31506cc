#!/usr/bin/env bash
# npm under the supervisor (issue 11, acceptance "node"): a project that
# lives in a lower installs a package with npm (packed here with npm pack:
# no network) and runs its npm test, the whole tree supervised (node's
# libuv makes statx itself, which the preload cannot see).  node_modules
# and the lock file land in the upper, the test sees the package, the
# lowers are unchanged.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor-npm

tap_plan 4
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1 || [ ! -x "$REPO/build/unionenv-supervise" ]; then
    for d in "npm install" "npm test" "the upper" "lowers"; do tap_skip "$d" "no npm, node or build/unionenv-supervise"; done
    tap_done; exit $?
fi
# npm keeps its cache and logs in HOME, outside the union; no network
export HOME=$T/home npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false
mkdir -p "$HOME" "$T/pkg" "$T/L/proj"
printf '{"name":"tinypkg","version":"1.0.0","main":"index.js"}\n' >"$T/pkg/package.json"
echo 'module.exports = () => "tiny ok";' >"$T/pkg/index.js"
(cd "$T/pkg" && npm pack --silent >/dev/null 2>&1) || true
TGZ=$T/pkg/tinypkg-1.0.0.tgz
printf '%s\n' '{"name":"proj","version":"1.0.0",' \
    '"scripts":{"test":"node -e \"console.log(require('"'"'tinypkg'"'"')())\""}}' >"$T/L/proj/package.json"
lowers_remember "$T/L"

if [ ! -f "$TGZ" ]; then
    for d in "npm install" "npm test" "the upper" "lowers"; do tap_skip "$d" "npm pack failed"; done
    tap_done; exit $?
fi
out=$(cd "$T/L/proj" && union --lower "$T/L" --upper "$T/U" --supervise -- \
    npm install --offline --no-audit --no-fund "$TGZ" 2>&1)
st=$?
tap_is "npm install of a packed package into a project in a lower" "0" "$st" || tap_diag <<<"$out"
out=$(cd "$T/L/proj" && union --lower "$T/L" --upper "$T/U" --supervise -- npm test --silent 2>&1)
tap_is "npm test sees the installed package" "tiny ok" "$out"
if [ -f "$T/U/proj/node_modules/tinypkg/index.js" ] && [ -f "$T/U/proj/package-lock.json" ] &&
    [ ! -e "$T/L/proj/node_modules" ] && grep -q tinypkg "$T/U/proj/package.json"; then
    tap_ok "node_modules, the lock file and the changed package.json are in the upper"
else
    tap_not_ok "node_modules, the lock file and the changed package.json are in the upper" "$(cd "$T" && find U L | head -20)"
fi
lowers_unchanged "npm install and npm test"
tap_done

#!/usr/bin/env bash
# node in a plain union, no option (issue 11: "the default must be right"):
# libuv makes its statx through glibc's syscall(), which the preload serves
# (preload/rawcall.c).  fs.statSync after an append, a new file, mkdirSync
# twice and {recursive}, readdirSync, fs.promises.stat: the same answers
# as on the kernel's overlayfs where root can mount; as the command and
# from bash and make inside the union; with UV_USE_IO_URING=1 the async
# writes land in the upper.  The lowers are unchanged after each run.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init node

tap_plan 9
if ! command -v node >/dev/null 2>&1; then
    for i in $(seq 9); do tap_skip "node $i" "no node (Debian nodejs)"; done
    tap_done; exit $?
fi

cat >"$T/fs.js" <<'JS'
const fs = require("fs");
process.chdir(process.argv[2]);
fs.appendFileSync("d/sub/fb", "more\n");
fs.writeFileSync("newfile", "x");
fs.mkdirSync("nd"); fs.mkdirSync("nd", {recursive: true}); fs.mkdirSync("nd/a/b", {recursive: true});
let e = "none"; try { fs.mkdirSync("nd"); } catch (err) { e = err.code; }
fs.rmSync("gone", {recursive: true});
fs.renameSync("file", "nd/file");
console.log(fs.statSync("d/sub/fb").size, fs.statSync("newfile").size, fs.readdirSync("d").sort().join(","),
            fs.statSync("nd/a/b").isDirectory(), e, fs.existsSync("gone"), fs.readdirSync(".").sort().join(","),
            fs.lstatSync("nd/file").size, fs.readFileSync("d/sub/fb", "utf8").length);
fs.promises.stat("d/sub/fb").then(s => fs.promises.readdir("nd")).then(l => console.log("promises", l.sort().join(",")));
JS


two_lowers kernel
KERNEL=
if can_mount_overlay; then
    K=$T/kernel
    mount_overlay "$K/A:$K/B" "$K/U" "$K/W" "$K/M" && KERNEL=$(node "$T/fs.js" "$K/M" 2>&1)
    umount_overlay "$K/M"
else
    echo "# SKIP the comparison with the kernel's overlayfs: $ORACLE_SKIP_REASON"
fi
WANT='13 1 fa,sub true EEXIST false d,nd,newfile 5 13
promises a,file'

run() {
    local label=$1 how=$2 d=$T/$2 out
    two_lowers "$how"
    lowers_remember "$d/A" "$d/B"
    case $how in
    command) out=$(cd "$d/A" && union --lower "$d/A:$d/B" --upper "$d/U" -- node "$T/fs.js" "$d/A" 2>&1) ;;
    bash) out=$(cd "$d/A" && union --lower "$d/A:$d/B" --upper "$d/U" -- bash -c 'node "$1" "$2"' sh "$T/fs.js" "$d/A" 2>&1) ;;
    make)
        printf 'all:\n\t@node %s %s\n' "$T/fs.js" "$d/A" >"$T/Makefile.node"
        out=$(cd "$d/A" && union --lower "$d/A:$d/B" --upper "$d/U" -- make -s -f "$T/Makefile.node" 2>&1)
        ;;
    esac
    tap_is "node $label: statSync, mkdirSync {recursive}, readdirSync, rmSync, promises see the union" \
        "${KERNEL:-$WANT}" "$out"
    lowers_unchanged "node $label"
}

run "as the command" command
run "from bash in the union" bash
run "from make in the union" make

# io_uring (UV_USE_IO_URING=1): libuv's setup is refused in the union, so
# its async file work falls back to the thread pool, which the preload sees.
two_lowers uring
d=$T/uring
lowers_remember "$d/A" "$d/B"
out=$(cd "$d/A" && UV_USE_IO_URING=1 union --lower "$d/A:$d/B" --upper "$d/U" -- node -e '
const fs = require("fs");
(async () => {
  await fs.promises.appendFile("d/sub/fb", "async\n");
  await fs.promises.writeFile("d/new", "n");
  const h = await fs.promises.open("file", "a"); await h.write("w\n"); await h.close();
  console.log((await fs.promises.stat("d/sub/fb")).size, (await fs.promises.readFile("file", "utf8")).trim().replace("\n", "+"));
})();' 2>&1)
tap_is "node with UV_USE_IO_URING=1: async writes are seen by the union" "14 base+w" "$out"
if [ "$(cat "$d/U/d/sub/fb" "$d/U/d/new" "$d/U/file" 2>&1 | tr '\n' ' ')" = "lower-b async nbase w " ]; then
    tap_ok "node with UV_USE_IO_URING=1: the async writes are in the upper"
else
    tap_not_ok "node with UV_USE_IO_URING=1: the async writes are in the upper" "$(cd "$d" && find U | sort)"
fi
lowers_unchanged "node with UV_USE_IO_URING=1"
tap_done

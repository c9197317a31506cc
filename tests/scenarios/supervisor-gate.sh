#!/usr/bin/env bash
# The whole tree supervised with the preload kept (UNIONENV_SUPERVISE=preload;
# docs/design.md, "The gate"): the preload serves the programs it follows
# and makes its own system calls from the gate's page, which the filter
# lets through, so the supervisor sees none of them; it serves what the
# preload cannot see: `syscall` instructions inlined in a program, a
# static program (started from bash: run where it is, no second
# supervisor).  Results beside the kernel's overlayfs where root can
# mount; the lowers are unchanged after each run.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor-gate

RAW=$REPO/build/tests/rawcalls INLINE=$REPO/build/tests/inlinesys
tap_plan 18
if [ ! -x "$REPO/build/unionenv-supervise" ]; then
    for i in $(seq 18); do tap_skip "gate $i" "no build/unionenv-supervise"; done
    tap_done; exit $?
fi
export UNIONENV_SUPERVISE=preload


# 1-3: syscall()'s path calls, served by the preload: the kernel's results,
# and no statx nor mkdirat reached the supervisor (its trace on stderr).
two_lowers raw
d=$T/raw
lowers_remember "$d/A" "$d/B"
out=$(UNIONENV_SUPERVISE_TRACE=1 union --lower "$d/A:$d/B" --upper "$d/U" -- "$RAW" "$d/A" 2>"$T/raw.trace")
two_lowers kernel
if can_mount_overlay && mount_overlay "$T/kernel/A:$T/kernel/B" "$T/kernel/U" "$T/kernel/W" "$T/kernel/M"; then
    kernel=$(env -u UNIONENV_SUPERVISE "$RAW" "$T/kernel/M" 2>&1)
    umount_overlay "$T/kernel/M"
    tap_is "syscall()'s path calls: the kernel overlayfs's results" "$kernel" "$out"
else
    tap_is "syscall()'s path calls see the union (# no kernel: ${ORACLE_SKIP_REASON:-mount failed})" \
        "statx relative to the new cwd: 1" "$(tail -n 1 <<<"$out")"
fi
served=$(grep -cE ' (statx|mkdirat|renameat2|getdents64|unlinkat) ' "$T/raw.trace")
if [ "$served" = 0 ] && grep -q 'unionenv-supervise: .* execve ' "$T/raw.trace"; then
    tap_ok "the preload's calls never reach the supervisor (it saw only the loader's)"
else
    tap_not_ok "the preload's calls never reach the supervisor (it saw only the loader's)" "$(head -n 20 "$T/raw.trace")"
fi
lowers_unchanged "syscall() under the filter with the preload kept"

# 4-6: a `syscall` instruction of the program's own, which no preload sees:
# served by the supervisor, in the union; as the command and from bash.
two_lowers inline
d=$T/inline
lowers_remember "$d/A" "$d/B"
got=$(union --lower "$d/A:$d/B" --upper "$d/U" -- "$INLINE" "$d/A/d/sub/fb" 2>&1)
tap_is "an inlined syscall instruction appends in the union (lower-b + inline)" "15" "$got"
got=$(union --lower "$d/A:$d/B" --upper "$d/U" -- bash -c '"$1" "$2/file" >/dev/null && cat "$2/file" "$2/d/sub/fb"' sh "$INLINE" "$d/A" 2>&1)
tap_is "... from bash in the union too; the upper holds both" "base
inline
lower-b
inline" "$got"
lowers_unchanged "inlined syscall instructions"

# 7-8: a static program started from bash runs where it is, under the
# same filter (no second supervisor: its listener would be refused).
if cc -static -O2 -o "$T/writer" -x c - <<'C' 2>/dev/null
#include <fcntl.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	int fd = open(argv[1], O_WRONLY | O_APPEND);
	return fd < 0 || write(fd, "static\n", 7) != 7;
}
C
then
    two_lowers static
    d=$T/static
    lowers_remember "$d/A" "$d/B"
    got=$(union --lower "$d/A:$d/B" --upper "$d/U" -- bash -c '"$1" "$2/d/sub/fb" && cat "$2/d/sub/fb"' sh "$T/writer" "$d/A" 2>&1)
    tap_is "a static program from bash runs under the tree's filter and writes the union" "lower-b
static" "$got"
    lowers_unchanged "a static program from bash"
else
    tap_skip "a static program from bash" "no static C library"; tap_skip "static lowers" "no static C library"
fi

# 9-10: node, whose libuv makes statx through syscall().
if command -v node >/dev/null 2>&1; then
    two_lowers node
    d=$T/node
    lowers_remember "$d/A" "$d/B"
    got=$(cd "$d/A" && union --lower "$d/A:$d/B" --upper "$d/U" -- node -e '
const fs = require("fs");
fs.appendFileSync("d/sub/fb", "more\n"); fs.mkdirSync("nd"); fs.mkdirSync("nd/a/b", {recursive: true});
console.log(fs.statSync("d/sub/fb").size, fs.readdirSync(".").sort().join(","));' 2>&1)
    tap_is "node: statSync and mkdirSync {recursive} see the union" "13 d,file,gone,nd" "$got"
    lowers_unchanged "node"
else
    tap_skip "node" "no node"; tap_skip "node lowers" "no node"
fi
# 11-12: a program that lives in the union gets the library twice: preloaded,
# and as the loader's audit module (LD_AUDIT), a second copy with its own
# state that starts first.  Both use the one gate page: the preloaded copy
# found the page taken and left the process to the supervisor, which then
# served every call of it.
two_lowers audit
d=$T/audit
cp "$RAW" "$d/A/rawcalls"
lowers_remember "$d/A" "$d/B"
out=$(cd "$d/A" && UNIONENV_SUPERVISE_TRACE=1 union --lower "$d/A:$d/B" --upper "$d/U" -- \
    bash -c './rawcalls "$1"' sh "$d/A" 2>"$T/audit.trace")
served=$(grep -cE ' (statx|mkdirat|renameat2|getdents64|unlinkat) ' "$T/audit.trace")
if [ "$served" = 0 ] && [ "$(tail -n 1 <<<"$out")" = "statx relative to the new cwd: 1" ]; then
    tap_ok "a program of the union (preload and audit copies): the preload serves its calls, in the union"
else
    tap_not_ok "a program of the union (preload and audit copies): the preload serves its calls, in the union" \
        "$served served; $(tail -n 1 <<<"$out")"
fi
lowers_unchanged "a program of the union under the gate"
# 13-14: the supervisor's command is a #! script whose interpreter only a
# deeper lower holds: the kernel opens an interpreter by itself, not by a
# system call the filter sees, and said ENOENT (exit 127).  With the
# preload kept and without it.
two_lowers script
d=$T/script
cp "$(readlink -f "$(command -v sh)")" "$d/B/ish"
printf '#!%s\necho "$0 $1"; cat d/sub/fb\n' "$d/A/ish" >"$d/A/scr"
chmod +x "$d/A/scr"
lowers_remember "$d/A" "$d/B"
got=$(cd "$d/A" && for m in preload 1; do UNIONENV_SUPERVISE=$m union --lower "$d/A:$d/B" --upper "$d/U" -- ./scr arg; done 2>&1)
tap_is "a #! script as the command, its interpreter only in a lower" "./scr arg
lower-b
./scr arg
lower-b" "$got"
lowers_unchanged "a #! script with its interpreter in the union"
# 15-18: libc functions of several calls that the preload makes from the
# gate itself: realpath (glibc's reads the link of every component: a
# compiler's header lookups were hundreds of notified readlinks each) and
# the exec of a PATH search (each missing candidate an execve).  The
# results are glibc's own, outside the union; none of their calls reaches
# the supervisor.
if cc -O2 -o "$T/nameprog" -x c - <<'C' 2>/dev/null
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	char buf[PATH_MAX];
	setvbuf(stdout, NULL, _IONBF, 0);  /* written before the execs */
	for (int i = 1; i < argc; i++) {
		errno = 0;
		char *r = i % 2 ? realpath(argv[i], buf) : canonicalize_file_name(argv[i]);
		printf("%s -> %s\n", argv[i], r ? r : strerror(errno));
	}
	execvp("no-such-program", argv);
	printf("execvp: %s\n", strerror(errno));
	execvp("true", argv);
	return 1;
}
C
then
    two_lowers names
    d=$T/names o=$T/names-out
    mkdir -p "$o/dir/sub" && touch "$o/dir/sub/f"
    ln -s dir/sub "$o/l1" && ln -s l1 "$o/l2" && ln -s missing "$o/dangling" && ln -s "$o/l2/f" "$o/abs"
    set -- "$o/l2/f" "$o/l2/../sub/f" "$o/abs" "$o/dangling" "$o/dir/sub/f/" "$o/nope/f" "$o/dir//sub/./" \
        /proc/self/fd/0 /proc/self/fd/5 /dev/stdin "$o/l1" ""
    lowers_remember "$d/A" "$d/B"
    native=$(cd "$o" && env -u UNIONENV_SUPERVISE PATH="$o/none:$o/dir:/usr/bin:/bin" "$T/nameprog" "$@" 5</dev/null < <(:) 2>&1)
    got=$(cd "$o" && PATH="$o/none:$o/dir:/usr/bin:/bin" UNIONENV_SUPERVISE_TRACE=1 \
        union --lower "$d/A:$d/B" --upper "$d/U" -- "$T/nameprog" "$@" 5</dev/null < <(:) 2>"$T/names.trace")
    tap_is "realpath and canonicalize_file_name outside the union: glibc's own answers" "$native" "$got"
    # a name the kernel gives as no path (a pipe's "pipe:[N]") is left to
    # glibc's realpath, whose readlinks the supervisor serves: not these
    (cd "$o" && UNIONENV_SUPERVISE_TRACE=1 union --lower "$d/A:$d/B" --upper "$d/U" -- "$T/nameprog" "$o/l2/f" \
        "$o/l2/../sub/f" "$o/abs" "$o/dangling" "$o/dir/sub/f/" "$o/l1" 5</dev/null >/dev/null 2>"$T/names2.trace")
    n=$(grep -c ' readlink ' "$T/names2.trace")
    tap_is "... and none of their calls reached the supervisor" "0 readlink" "$n readlink"
    n=$(grep -c ' execve ' "$T/names.trace")
    # the command's own exec and true's: none of the missing candidates
    tap_is "two searches along a PATH of missing directories: only the execs that run reach it" "2 execve" "$n execve"
    lowers_unchanged "realpath and PATH searches under the gate"
else
    for i in 1 2 3 4; do tap_skip "realpath and PATH searches $i" "no C compiler"; done
fi
tap_done

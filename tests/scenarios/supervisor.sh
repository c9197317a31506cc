#!/usr/bin/env bash
# The supervisor (docs/design.md, "The supervisor"): programs the preload
# cannot follow (a static writer, busybox-static, Go, node's raw statx,
# valgrind's static tool) run in the union with every path system call
# served by unionenv-supervise.  The lowers are checked after each run;
# busybox's everyday steps are compared with a kernel overlayfs mount of
# the same layers where root permits.
# tests/run: slow (started first under tests/run -j)
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor

SV=$REPO/build/unionenv-supervise
A=$T/A B=$T/B U=$T/U BIN=$T/bin
mkdir -p "$A/d" "$B/d/sub" "$B/gone/deep" "$BIN" "$T/home"
echo base >"$A/file"
echo lower-b >"$B/d/sub/fb"
echo deep >"$B/gone/deep/x"
echo a >"$A/d/fa"

tap_plan 36

if [ ! -x "$SV" ] || ! cc -static -O2 -o "$BIN/writer" -x c - <<'C' 2>/dev/null
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_WRONLY | O_APPEND | O_CREAT, 0644);
		if (fd < 0 || write(fd, "written\n", 8) != 8) { perror(argv[i]); return 1; }
		close(fd);
	}
	return 0;
}
C
then
    for i in $(seq 36); do tap_skip "supervisor $i" "no unionenv-supervise or no static C library"; done
    tap_done; exit $?
fi
# kcall cd DIR: chdir, then the cwd; kcall x PROG ARG...: exec PROG.  Static:
# the supervisor serves both (docs/design.md, "Serving one call").
cc -static -O2 -o "$BIN/kcall" -x c - <<'C'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	char b[4096];
	if (argc < 3) return 2;
	if (!strcmp(argv[1], "cd")) {
		if (chdir(argv[2]) < 0) { printf("chdir: %s\n", strerror(errno)); return 1; }
		if (!getcwd(b, sizeof b)) { printf("getcwd: %s\n", strerror(errno)); return 1; }
		printf("%s\n", b);
		return 0;
	}
	execv(argv[2], argv + 2);
	printf("exec: %s\n", strerror(errno));
	return 1;
}
C
cc -O2 -o "$BIN/spawn" -x c - <<'C'
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
extern char **environ;
int main(int argc, char **argv)
{
	pid_t p;
	int st;
	if (posix_spawn(&p, argv[1], NULL, NULL, argv + 1, environ)) return 99;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 98;
}
C
# In the deeper lower: the kernel does not reach it by the union's name, so
# each exec is restarted with the real path (supervisor/restart.c).
cp "$BIN/writer" "$B/writer"
lowers_remember "$A" "$B"

# wrote LABEL FILE EXPECTED: the union shows EXPECTED in FILE (under $A)
wrote() {
    local got
    got=$(union --lower "$A:$B" --upper "$U" -- cat "$A/$2" 2>&1)
    tap_is "$1" "$3" "$got"
}

# 1-2: the static writer as the command, and from a shell of the tree.
union --lower "$A:$B" --upper "$U" -- "$A/writer" "$A/file"
wrote "a static program as the command writes into the upper" file "$(printf 'base\nwritten')"
union --lower "$A:$B" --upper "$U" --supervise -- bash -c "'$A/writer' '$A/d/sub/fb' && cd '$A/d' && '$A/writer' fa"
wrote "from bash (whole tree supervised), relative to a directory two lowers merge" d/sub/fb "$(printf 'lower-b\nwritten')"
lowers_unchanged "static writer, as the command and from bash"

# 3-5: make, python's subprocess, posix_spawn.
printf 'all:\n\t%s %s/made\n' "$A/writer" "$A" >"$T/Makefile"
union --lower "$A:$B" --upper "$U" --supervise -- make -s -f "$T/Makefile"
python3 -c 1 2>/dev/null && union --lower "$A:$B" --upper "$U" --supervise -- \
    python3 -c "import subprocess, sys; sys.exit(subprocess.call(['$A/writer', '$A/py']))"
union --lower "$A:$B" --upper "$U" --supervise -- "$BIN/spawn" "$A/writer" "$A/spawned"
got=$(cat "$U/made" "$U/py" "$U/spawned" 2>&1 | tr '\n' ' ')
tap_is "make, python3 subprocess and posix_spawn: each write lands in the upper" "written written written " "$got"
lowers_unchanged "make, python3, posix_spawn"

# 6-8: busybox sh, the everyday steps, beside the kernel's overlayfs.
BB=$(command -v busybox)
everyday='set -e
cd "$1"
ls; cat file d/sub/fb
cp file d/copy; mv d/copy d/moved; mv gone gone2; ls gone2/deep
rm -rf gone2; mkdir gone2; ls -a gone2
ln file hard; ln -s file soft; readlink soft; cat soft
chmod 600 d/fa; touch -d @1600000000 d/fa; stat -c "%a %Y" d/fa
find . | sort; du -s d >/dev/null
sed -i s/base/BASE/ file; cat file hard
tar -cf - d | tar -tf - | sort
tar -cf ../t.tar d/fa d/moved; mkdir -p new/ex; tar -xf ../t.tar -C new/ex; cd new/ex; pwd; find . | sort; cd ../..
echo done'
if [ -n "$BB" ] && file -L "$BB" | grep -q 'statically linked'; then
    A2=$T/A2 B2=$T/B2 U2=$T/U2
    cp -a "$A" "$A2"; cp -a "$B" "$B2"
    lowers_remember "$A2" "$B2"
    inunion=$(union --lower "$A2:$B2" --upper "$U2" -- "$BB" sh -c "$everyday" sh "$A2" 2>&1)
    tap_is "busybox sh runs the everyday steps in the union" "done" "$(printf '%s\n' "$inunion" | tail -n 1)"
    lowers_unchanged "busybox sh"
    if can_mount_overlay; then
        K=$T/K; mkdir -p "$K/A" "$K/B" "$K/U" "$K/W" "$K/M"
        cp -a "$A2/." "$K/A"; cp -a "$B2/." "$K/B"
        # the kernel's side: the same steps on a mount at the same kind of path
        rm -rf "$K/A"/* "$K/B"/*; cp -a "$A/." "$K/A"; cp -a "$B/." "$K/B"
        mount_overlay "$K/A:$K/B" "$K/U" "$K/W" "$K/M"
        kernel=$("$BB" sh -c "$everyday" sh "$K/M" 2>&1)
        umount_overlay "$K/M"
        kernel=${kernel//$K\/M/@}; inunion=${inunion//$A2/@}
        if [ "$kernel" = "$inunion" ]; then tap_ok "busybox sh: the same output as on the kernel's overlayfs"; else
            tap_not_ok "busybox sh: the same output as on the kernel's overlayfs"
            diff <(printf '%s\n' "$kernel") <(printf '%s\n' "$inunion") | head -n 30 | tap_diag
        fi
        # The kernel reads the upper busybox wrote (a read-only mount of
        # U2 over the same lowers): the tree the union showed, file by file.
        uview=$(union --lower "$A2:$B2" --upper "$U2" -- bash -c '. "$1/tests/lib/snapshot.sh"; view_tree "$2"' sh "$REPO" "$A2" 2>&1)
        if mount_overlay_ro "$U2:$A2:$B2" "$T/KR"; then
            kview=$(view_tree "$T/KR" 2>&1)
            umount_overlay "$T/KR"
        else
            kview="the kernel refused to mount the upper busybox wrote"
        fi
        tap_is "busybox sh: the kernel reads the upper as the union showed it" "$uview" "$kview"
    else
        tap_skip "busybox sh: the same output as on the kernel's overlayfs" "$ORACLE_SKIP_REASON"
        tap_skip "busybox sh: the kernel reads the upper as the union showed it" "$ORACLE_SKIP_REASON"
    fi
else
    for d in "busybox sh runs the everyday steps" "busybox sh lowers" "busybox sh beside the kernel" "busybox sh upper read by the kernel"; do
        tap_skip "$d" "no statically linked busybox (Debian busybox-static)"
    done
fi

# 9-11: Go, a module in a lower.
if command -v go >/dev/null 2>&1; then
    G=$T/G GU=$T/GU; mkdir -p "$G/mod/greet"
    printf 'module example.com/m\n\ngo 1.18\n' >"$G/mod/go.mod"
    printf 'package greet\n\nfunc Hello() string { return "hello" }\n' >"$G/mod/greet/greet.go"
    printf 'package greet\n\nimport "testing"\n\nfunc TestHello(t *testing.T) {\n\tif Hello() != "hello" {\n\t\tt.Fatal(Hello())\n\t}\n}\n' >"$G/mod/greet/greet_test.go"
    printf 'package main\n\nimport (\n\t"fmt"\n\t"os"\n\n\t"example.com/m/greet"\n)\n\nfunc main() {\n\tb, err := os.ReadFile("greet/out.txt")\n\tfmt.Println(greet.Hello(), string(b), err)\n}\n' >"$G/mod/main.go"
    lowers_remember "$G"
    out=$(cd "$G/mod" && HOME=$T/home GOCACHE=$T/gocache GOPATH=$T/gopath GOFLAGS=-mod=mod GO111MODULE=on \
        union --lower "$G" --upper "$GU" --supervise -- sh -c 'go build -o prog . && go vet ./... && go test ./... >/dev/null && echo made >greet/out.txt && ./prog' 2>&1)
    tap_is "Go: go build, go vet and go test of a module in a lower; the program sees the union" "hello made
 <nil>" "$out"
    if [ -f "$GU/mod/prog" ] && [ ! -e "$G/mod/prog" ]; then tap_ok "Go: the program is in the upper"; else
        tap_not_ok "Go: the program is in the upper" "$(ls -la "$GU/mod" "$G/mod" 2>&1)"; fi
    lowers_unchanged "Go"
    lowers_remember "$A" "$B"
else
    for d in "Go build" "Go upper" "Go lowers"; do tap_skip "$d" "no go (Debian golang-go)"; done
fi

# 12-13: node with the whole tree supervised (the plain union: tests/scenarios/node.sh).
if command -v node >/dev/null 2>&1; then
    out=$(cd "$A" && union --lower "$A:$B" --upper "$U" --supervise -- node -e '
const fs = require("fs");
fs.appendFileSync("d/sub/fb", "more\n");
fs.writeFileSync("newfile", "x");
fs.mkdirSync("nd"); fs.mkdirSync("nd", {recursive: true}); fs.mkdirSync("nd/a/b", {recursive: true});
console.log(fs.statSync("d/sub/fb").size, fs.statSync("newfile").size, fs.readdirSync("d").sort().join(","),
            fs.statSync("nd/a/b").isDirectory());' 2>&1)
    tap_is "node: statSync, readdirSync and mkdirSync {recursive} see the union" "21 1 fa,sub true" "$out"
    lowers_unchanged "node"
else
    tap_skip "node" "no node"; tap_skip "node lowers" "no node"
fi

# 14-15: valgrind's tool (static) runs a program that lives only in the upper.
if command -v valgrind >/dev/null 2>&1; then
    printf 'int main(void) { return 3; }\n' >"$T/three.c"
    cc -o "$U/three" "$T/three.c"
    union --lower "$A:$B" --upper "$U" --supervise -- valgrind -q --error-exitcode=9 "$A/three"
    tap_is "valgrind runs a program that lives only in the upper" 3 "$?"
    lowers_unchanged "valgrind"
else
    tap_skip "valgrind" "no valgrind"; tap_skip "valgrind lowers" "no valgrind"
fi

# 16-18: an AF_UNIX socket bound in the union lands in the upper; connect
# and inotify reach it through the union's name.
out=$(cd "$A" && union --lower "$A:$B" --upper "$U" --supervise -- python3 -c '
import os, socket, ctypes
s = socket.socket(socket.AF_UNIX); s.bind("d/sub/sock"); s.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect(os.getcwd() + "/d/sub/sock")
a, _ = s.accept(); c.send(b"hi")
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0)
wd = libc.inotify_add_watch(fd, b"d/sub", 0x100)
print(a.recv(2).decode(), wd > 0)' 2>&1)
tap_is "AF_UNIX bind and connect, inotify_add_watch on union paths" "hi True" "$out"
if [ -S "$U/d/sub/sock" ]; then tap_ok "the socket is in the upper"; else tap_not_ok "the socket is in the upper"; fi
lowers_unchanged "sockets"

# 19-20: what the kernel cannot give: a listener already on the chain.
# The inner union's lower lies outside the outer one's layers: a lower of
# the outer union is shown inside it under the outer mount's name, and the
# library's start-up check refuses such a layer (125) before any filter.
mkdir -p "$T/N"
err=$(union --lower "$A:$B" --upper "$U" -- "$A/writer" /dev/null 2>&1 >/dev/null; \
      union --lower "$A:$B" --upper "$U" --supervise -- "$REPO/unionenv.sh" --lower "$T/N" --upper "$T/U3" -- "$A/writer" "$T/N/nested" 2>&1)
st=$?
tap_is "a supervised union inside another: status 126" 126 "$st"
case $err in
"unionenv: $A/writer cannot be followed: a seccomp listener is already on"*) tap_ok "... with one line saying why";;
*) tap_not_ok "... with one line saying why" "$err";;
esac
# 21-22: coreutils' mv and cp open their target directory O_PATH, an fd the
# kernel will not inject (it was EBADF: "mv: cannot overwrite directory");
# the supervisor gives it opened for reading.
mkdir -p "$T/M/tree/sub" "$T/M/dir.b"
echo m >"$T/M/tree/moved"
echo c >"$T/M/dir.b/copied"
lowers_remember "$T/M"
out=$(cd "$T/M" && union --lower "$T/M" --upper "$T/MU" --supervise -- sh -c \
    'mv tree/moved tree/sub/ && cp -a dir.b tree/sub/ && ls tree tree/sub tree/sub/dir.b' 2>&1)
tap_is "mv and cp -a into a directory of the union (an O_PATH target)" "tree:
sub

tree/sub:
dir.b
moved

tree/sub/dir.b:
copied" "$out"
lowers_unchanged "mv and cp -a into a directory"
# 23-26: as root, a caller that dropped to another user is checked with its
# own credentials by core/ too (core/caller.h), not as the supervisor's
# root: chmod of a root-owned lower file is EPERM, as under the preload,
# even where the upper would let that user copy it up (it was allowed: the
# copy became the user's, and the chmod went through).
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    mkdir -p "$T/P/d" "$T/PU"
    echo root >"$T/P/d/rootfile"
    chmod 0755 "$T" "$T/P" "$T/P/d"
    chmod 0644 "$T/P/d/rootfile"
    chmod 0777 "$T/PU"
    lowers_remember "$T/P"
    as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
    for how in --supervise ""; do
        err=$(union --lower "$T/P" --upper "$T/PU" $how -- $as_nobody chmod 0600 "$T/P/d/rootfile" 2>&1)
        case $err in
        *"Operation not permitted"*) tap_ok "a caller dropped to nobody may not chmod root's file ${how:-(preload)}: EPERM";;
        *) tap_not_ok "a caller dropped to nobody may not chmod root's file ${how:-(preload)}: EPERM" "$err";;
        esac
    done
    tap_is "... and nothing was copied up" "" "$(cd "$T/PU" && find . -name rootfile)"
    lowers_unchanged "a caller dropped to nobody"
else
    for i in 23 24 25 26; do tap_skip "supervisor $i" "needs root to drop to another user"; done
fi
# 27-28: chdir and execve through a symlink of a deeper lower that leads out
# of every layer ("../outside/..." from the lower's root, so from the
# mount's too).  core/ keeps the real path as "MOUNT/../outside/dir", the
# kernel's own name for it: restarting the call with that same string came
# back to the same answer for ever (the program hung).
mkdir -p "$T/outside/dir" "$T/KA" "$T/KB"
printf 'int main(void) { return 7; }\n' >"$T/seven.c"
cc -static -o "$T/outside/prog" "$T/seven.c"
ln -s ../outside/dir "$T/KB/out-dir"
ln -s ../outside/prog "$T/KB/out-prog"
lowers_remember "$T/KA" "$T/KB"
out=$(cd "$T/KA" && UNION_TIMEOUT=60 union --lower "$T/KA:$T/KB" --upper "$T/KU" -- sh -c \
    "'$BIN/kcall' cd out-dir; '$BIN/kcall' cd '$T/KA/out-dir'; '$BIN/kcall' x ./out-prog; echo \$?" 2>&1)
tap_is "chdir and execve through a lower's symlink leading out of the union" "$T/outside/dir
$T/outside/dir
7" "$out"
lowers_unchanged "chdir and execve leading out"
# 29-30: the mount's lower holds a program and a file; in the union the
# program is rebuilt (the upper's copy is another file) and the file
# becomes a directory.  The kernel reaches the lower's by the union's
# names: the old program ran, and chdir said ENOTDIR.
mkdir -p "$T/RA"
cc -static -o "$T/RA/prog" "$T/seven.c"
echo file >"$T/RA/was-file"
lowers_remember "$T/RA"
printf 'int main(void) { return 8; }\n' >"$T/eight.c"
out=$(cd "$T/RA" && UNION_TIMEOUT=60 union --lower "$T/RA" --upper "$T/RU" -- sh -c \
    "cc -static -o prog '$T/eight.c' && rm was-file && mkdir was-file &&
     '$BIN/kcall' x ./prog; echo \$?; '$BIN/kcall' x '$T/RA/prog'; echo \$?; '$BIN/kcall' cd was-file" 2>&1)
tap_is "execve of a program rebuilt in the union, chdir into a directory made over a lower's file" "8
8
$T/RA/was-file" "$out"
lowers_unchanged "a program rebuilt, a file made a directory"
# 31-32: chdir checks search permission on the union's directory for the
# caller, as the kernel does (as root: for a caller dropped to nobody, as
# root may search anything).  "shut" is searchable in the lower, not in the
# union; "opened" the other way round.  The kernel, continued on the
# lower's copy, let the caller into the first and not into the second.
mkdir -p "$T/XA/shut" "$T/XA/opened" "$T/XU"
chmod 0755 "$T" "$T/XA" "$T/XA/shut"
chmod 0600 "$T/XA/opened"
chmod 0777 "$T/XU"
lowers_remember "$T/XA"
drop=()
[ "$(id -u)" -eq 0 ] && drop=(setpriv --reuid=65534 --regid=65534 --clear-groups)
(cd "$T/XA" && union --lower "$T/XA" --upper "$T/XU" -- sh -c 'chmod 0600 shut && chmod 0755 opened')
out=$(cd "$T/XA" && UNION_TIMEOUT=60 union --lower "$T/XA" --upper "$T/XU" --supervise -- "${drop[@]}" sh -c \
    "'$BIN/kcall' cd shut; '$BIN/kcall' cd opened" 2>&1)
tap_is "chdir checks search permission on the union's directory, for the caller" "chdir: Permission denied
$T/XA/opened" "$out"
lowers_unchanged "chdir and search permission"
# 33-34: the trace shows a supervised call's path as the program gave it,
# not the absolute path the supervisor made of it, nor, for a call
# restarted with a real path (out-dir is only in the deeper lower), that
# real path when the call comes again.
mkdir -p "$T/TA/d"
echo t >"$T/TA/d/f"
lowers_remember "$T/TA" "$A"  # $A: the strace run of 35
(cd "$T/TA" && union --lower "$T/TA:$T/KB" --upper "$T/TU" --trace "$T/trace.log" -- sh -c \
    "cd d && '$BIN/writer' f && '$BIN/kcall' cd ../out-dir" >/dev/null 2>&1)
got=$(grep -oE 'syscall:(open|openat|chdir) "[^"]*"' "$T/trace.log" | sed 's/:openat /:open /' | sort -u | tr '\n' ' ')
tap_is "the trace shows a supervised call's paths as the program gave them" \
    'syscall:chdir "../out-dir" syscall:open "f" ' "$got"
# 35: the filter asks the kernel not to turn on the Speculative Store
# Bypass mitigation for the filtered programs (before Linux 5.16 a seccomp
# filter did by default, and slowed them; this kernel's own default
# does not show it, so the flag is read from the call itself).
if command -v strace >/dev/null; then
    (cd "$A" && strace -f -qq -e trace=seccomp -o "$T/seccomp.log" \
        "$UNION_CMD" --lower "$A" --upper "$U" -- "$BIN/writer" >/dev/null 2>&1)
    got=$(grep -o 'SECCOMP_SET_MODE_FILTER, [A-Z_|]*' "$T/seccomp.log" | grep -c 'NEW_LISTENER.*SPEC_ALLOW\|SPEC_ALLOW.*NEW_LISTENER')
    tap_is "the filter is installed with SECCOMP_FILTER_FLAG_SPEC_ALLOW" 1 "$got"
else
    tap_skip "the filter is installed with SECCOMP_FILTER_FLAG_SPEC_ALLOW" "strace is not installed"
fi
lowers_unchanged "a traced supervised program, and one run under strace"
tap_done

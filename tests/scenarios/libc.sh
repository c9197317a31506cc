#!/usr/bin/env bash
# libc's own walkers (fts, nftw, ftw, glob, scandir) and the ways a process
# starts another (env -i, execve and posix_spawn without the environment,
# system and popen after clearenv, vfork, #! interpreters that live in the
# union), plus threads, fork and signal handlers inside the wrappers.
# The walkers' output is compared with the same walk over a plain copy of
# the layers; every union run is followed by a check that the lowers are
# unchanged.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init libc

PROG=$REPO/build/tests
A=$T/A B=$T/B U=$T/U P=$T/P
mkdir -p "$A/d1" "$A/d3" "$B/d1/sub" "$B/d2" "$B/bin" "$T/work"
echo a >"$A/d1/fa"
echo both >"$B/d1/fa"
echo b >"$B/d1/sub/fb"
echo c >"$B/d2/fc"
echo gone >"$B/d2/gone"
echo only-in-b >"$B/onlyb"
ln -s d2 "$B/link"
ln -s nowhere "$A/dangling"
cp /bin/sh "$B/bin/lowsh"
printf '#!%s/bin/lowsh\necho "script via lower interpreter: $0 $*"\n' "$A" >"$A/run-lower.sh"
chmod +x "$A/run-lower.sh"
merged_copy "$A:$B" "$P" || exit 1
lowers_remember "$A" "$B"

# expect DESC WANT COMMAND...: run COMMAND in the union, compare stdout.
expect() {
    local desc=$1 want=$2 got st
    shift 2
    got=$(union --lower "$A:$B" --upper "$U" -- "$@" 2>&1)
    st=$?
    if [ $st -eq 0 ] && [ "$got" = "$want" ]; then tap_ok "$desc"; else
        tap_not_ok "$desc" "status $st" "want: $want" "got:  $got"
    fi
}

tap_plan 23

# The same change on both sides first: a whiteout and a new directory.
union --lower "$A:$B" --upper "$U" -- sh -c "rm '$A/d2/gone' && mkdir '$A/d4'"
rm "$P/d2/gone" && mkdir "$P/d4"
native=$("$PROG/walkers" "$P" 2>&1)
inunion=$(union --lower "$A:$B" --upper "$U" -- "$PROG/walkers" "$A" 2>&1)
if [ "$native" = "$inunion" ] && [ -n "$native" ]; then
    tap_ok "fts, nftw, ftw, glob, scandir see the union as the plain copy ($(printf '%s\n' "$native" | wc -l) lines)"
else
    tap_not_ok "fts, nftw, ftw, glob, scandir see the union as the plain copy"
    diff <(printf '%s\n' "$native") <(printf '%s\n' "$inunion") | head -n 30 | tap_diag
fi
lowers_unchanged "the walkers"

expect "env -i: the child keeps the union" "only-in-b" env -i /bin/cat "$A/onlyb"
expect "execve with an empty environment keeps the union" "only-in-b" "$PROG/children" execve-noenv "$A/onlyb"
expect "posix_spawn with an empty environment keeps the union" "only-in-b" "$PROG/children" spawn-noenv "$A/onlyb"
expect "system() after clearenv keeps the union" "only-in-b" "$PROG/children" system-cleared "$A/onlyb"
expect "popen() after clearenv keeps the union" "only-in-b" "$PROG/children" popen-cleared "$A/onlyb"
expect "vfork then exec" "only-in-b" "$PROG/children" vfork "$A/onlyb"
expect "#! interpreter that lives in a lower below the mount" \
    "script via lower interpreter: $A/run-lower.sh x y" "$A/run-lower.sh" x y
expect "#! interpreter that lives only in the upper, run through a relative path" \
    "up: ./up.sh" sh -c "cd '$A' && cp /bin/sh bin/upsh 2>/dev/null || { mkdir -p bin && cp /bin/sh bin/upsh; }; printf '#!$A/bin/upsh\necho \"up: \$0\"\n' > up.sh && chmod +x up.sh && ./up.sh"
expect "a #! script run by a relative path gets that path as \$0" "0=sub/t.sh 0=./t.sh" \
    sh -c "cd '$A' && mkdir -p sub && printf '#!/bin/sh\necho 0=\$0\n' > sub/t.sh && chmod +x sub/t.sh && echo \$(sub/t.sh) \$(cd sub && ./t.sh)"
expect "a vfork child's chdir stays the child's (python subprocess with cwd=)" "$A/d1 $A only-in-b" \
    python3 -c "import os,subprocess; os.chdir('$A'); r = subprocess.run(['pwd'], cwd='d1', capture_output=True, text=True); print(r.stdout.strip(), os.getcwd(), open('onlyb').read().strip())"
expect "#! script started by posix_spawnp from make" "up: $A/up.sh" make -s -f /dev/null -C "$A" --eval "all: ; @'$A/up.sh'"
expect "/proc/self/cwd, readlink and realpath, name the union's directory" "$A/newdir $A/newdir $A/newdir" \
    sh -c "mkdir '$A/newdir' && cd '$A/newdir' && echo \$(readlink /proc/self/cwd) \$(realpath /proc/self/cwd) \$(pwd -P)"
# The dynamic loader opens libraries itself: through the audit module it
# finds them in the union (a lower below the mount, or built in the upper).
mkdir -p "$B/lib"
printf 'int f(void){return 42;}\n' >"$B/f.c"
printf 'int f(void);\nint main(void){return f()!=42;}\n' >"$B/m.c"
cc -shared -fPIC -o "$B/lib/libf.so" "$B/f.c"
lowers_remember "$A" "$B"
expect "shared libraries of the union: LD_LIBRARY_PATH, rpath, \$ORIGIN, runpath into the upper" "0 0 0 0" \
    sh -c "cd '$A' && cc -o m m.c -Llib -lf && LD_LIBRARY_PATH='$A/lib' ./m; a=\$?; cc -o m2 m.c -Llib -lf -Wl,-rpath,'$A/lib' && ./m2; b=\$?; cc -o m3 m.c -Llib -lf '-Wl,-rpath,\$ORIGIN/lib' && ./m3; c=\$?; mkdir -p lib2 && cc -shared -fPIC -o lib2/libf.so f.c && cc -o m4 m.c -Llib2 -lf -Wl,--enable-new-dtags,-rpath,'$A/lib2' && ./m4; echo \$a \$b \$c \$?"
expect "a program that clears its environment still finds the union's libraries" "0" \
    sh -c "cd '$A' && env -i LD_LIBRARY_PATH='$A/lib' ./m; echo \$?"
lowers_unchanged "the children"

expect "threads create, rename and remove in one union directory at once" "threads ok" "$PROG/children" threads "$A/d1"
expect "fork while another thread is inside the wrappers" "fork ok" "$PROG/children" fork "$A/d1/fa"
expect "a wrapper in a signal handler interrupting wrappers" "signal ok" "$PROG/children" signal "$A/d1/fa"
n=$(find "$U/d1" -name 't*.moved' | wc -l)
tap_result "the threads' surviving files are all in the upper (600 of 1200)" "$([ "$n" -eq 600 ]; echo $?)" "found $n"
expect "chroot is refused with a clear message" "unionenv: chroot is not supported inside a union
chroot: cannot change root directory to '/': Operation not permitted
status 125" sh -c 'chroot / true; echo "status $?"' 
lowers_unchanged "threads, fork and signals"
tap_done

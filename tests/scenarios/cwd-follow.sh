#!/usr/bin/env bash
# cwd-follow.sh - issue 4: the current directory and directory fds follow
# the rename of their directory, as on the kernel's overlayfs with
# redirect_dir (which renames a lower directory in place).  Real programs:
# a shell that renames the directory it is in, a child started afterwards,
# a python process holding a directory fd while another process renames it.
# Each case runs on a fresh upper; its output (the mount shown as M) is
# compared with what the kernel prints (the expectations below; as root the
# kernel itself is asked too); the lowers never change.
# tests/run: slow (started first under tests/run -j)
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init cwd-follow

A=$T/A B=$T/B U=$T/U
mkdir -p "$A/d/sub" "$B/d" "$A/k"
echo a >"$A/d/a"
echo b >"$B/d/b"
echo s >"$A/d/sub/s"
for i in $(seq 0 259); do mkdir -p "$B/m/$i"; done
for i in $(seq 0 7); do mkdir -p "$A/t/d$i" "$B/t/d$i" && echo "$i" >"$B/t/d$i/f"; done
lowers_remember "$A" "$B"

# in_union SCRIPT: run the bash SCRIPT in a fresh union at $A, from $A, with
# M set to the mount; print its output with the mount shown as M.
in_union() {
    rm -rf "$U"
    (cd "$A" && union --lower "$A:$B" --upper "$U" -- env M="$A" bash -c "$1" 2>&1) | sed "s|$A|M|g"
}

# in_kernel SCRIPT: the same on a kernel overlayfs mount with redirect_dir.
in_kernel() {
    local k=$T/k
    rm -rf "$k" && mkdir -p "$k/u" "$k/w" "$k/m" || return 1
    mount -t overlay overlay -o "redirect_dir=on,lowerdir=$A:$B,upperdir=$k/u,workdir=$k/w" "$k/m" || return 1
    (cd "$k/m" && M=$k/m bash -c "$1" 2>&1) | sed "s|$k/m|M|g"
    umount "$k/m"
}

KERNEL=
if can_mount_overlay; then KERNEL=yes; fi

# check DESC WANT SCRIPT [UPPER-FILE...]: the union prints WANT (and so
# does the kernel, as root); the files named are in the upper.
check() {
    local desc=$1 want=$2 script=$3 got f missing=
    shift 3
    got=$(in_union "$script")
    for f in "$@"; do [ -e "$U/$f" ] || missing="$missing $f"; done
    if [ "$got" = "$want" ] && [ -z "$missing" ]; then tap_ok "$desc"; else
        tap_not_ok "$desc" "want: $want" "got:  $got" ${missing:+"missing in the upper:$missing"}
    fi
    if [ -z "$KERNEL" ]; then
        tap_skip "$desc: the kernel prints the same" "$ORACLE_SKIP_REASON"
    else
        got=$(in_kernel "$script")
        tap_is "$desc: the kernel prints the same" "$want" "$got"
    fi
    lowers_unchanged "$desc"
}

tap_plan 26

# bash keeps its own name for the directory (its pwd builtin prints the
# old one, on the kernel too); getcwd, relative paths and children follow.
check "a shell renames the directory it is in: getcwd, touch, a child" \
    "$(printf '%s\n' M/d M/e a b sub x M/f/sub M/d f k m t)" \
    'cd d && mv ../d ../e && pwd && /bin/pwd && touch x && ls && sh -c "cd sub; mv ../../e ../../f; exec /bin/pwd"; pwd; ls "$M"' \
    f/x f/sub/s

# The shell stays idle (no path operation of its own) between the rename
# and the exec: the new program starts in a lower directory that has moved.
check "a program started after the rename, from a lower directory left behind" \
    "$(printf '%s\n' M/e/sub M/e/sub ok)" \
    'cd d/sub && mv ../../d ../../e && exec python3 -u -c "import os; print(os.getcwd()); print(os.readlink(\"/proc/self/cwd\")); open(\"new\", \"w\"); print(\"ok\")"' \
    e/sub/new

check "renamed twice and back: getcwd and a new file land in the directory" \
    "$(printf '%s\n' M/e/sub M/f/sub M/d/sub s z)" \
    'cd d/sub && mv ../../d ../../e && pwd -P && mv ../../e ../../f && pwd -P && mv ../../f ../../d && pwd -P && touch z && ls' \
    d/sub/z

# Another process renames while python holds a directory fd and is in a
# directory below: both follow, with no path operation in between.
check "python holds a directory fd and a cwd while another process renames" \
    "$(printf '%s\n' M/e/sub "['a', 'b', 'new', 'sub']" M/e b M/e/sub)" \
    'python3 -u -c "
import os, subprocess
fd = os.open(\"d\", os.O_RDONLY | os.O_DIRECTORY)
os.chdir(\"d/sub\")
subprocess.run([\"mv\", os.environ[\"M\"] + \"/d\", os.environ[\"M\"] + \"/e\"], check=True)
print(os.getcwd())
os.close(os.open(\"new\", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
print(sorted(os.listdir(fd)))
print(os.readlink(\"/proc/self/fd/%d\" % fd))
print(open(\"../b\").read().strip())
subprocess.run([\"/bin/pwd\"], check=True)
"' \
    e/new

# A directory made in the upper moves in place (one rename(2)): the kernel
# directory of the process follows by itself, its name must too.
check "a directory of the upper renamed by another process" \
    "$(printf '%s\n' M/k/n2 M/k/n2)" \
    'mkdir -p k/n && python3 -u -c "
import os, subprocess
os.chdir(\"k/n\")
subprocess.run([\"mv\", os.environ[\"M\"] + \"/k/n\", os.environ[\"M\"] + \"/k/n2\"], check=True)
print(os.getcwd())
open(\"w\", \"w\")
subprocess.run([\"/bin/pwd\"], check=True)
"' \
    k/n2/w

# More renames than the log holds (256) between two looks: the process
# asks the kernel where it is; a directory of the upper is still found.
check "more renames than the log holds: a directory of the upper is still followed" \
    "$(printf '%s\n' M/k/n2)" \
    'mkdir -p k/n && python3 -u -c "
import os, subprocess
os.chdir(\"k/n\")
subprocess.run([\"sh\", \"-c\", \"mkdir $M/r0; i=0; while [ \$i -lt 300 ]; do mv $M/r\$i $M/r\$((i+1)); i=\$((i+1)); done; mv $M/k/n $M/k/n2\"], check=True)
print(os.getcwd())
"' \
    r300

# Eight threads of one process rename eight merged directories at once,
# each holding a directory fd on its own: every fd follows.
check "threads rename directories at once: every directory fd follows" \
    "$(for i in 0 1 2 3 4 5 6 7; do echo "t/e$i found"; done)" \
    "cd t && $REPO/build/tests/dirrenames | sed 's|^|t/|'" \
    t/e0/new t/e7/new

# More renames than the log holds, and the directory left behind is a
# lower one: the map of lower directories still knows where it went.
check "more renames than the log holds: a lower directory left behind is still followed" \
    "$(printf '%s\n' M/e)" \
    'python3 -u -c "
import os, subprocess
os.chdir(\"d\")
subprocess.run([\"sh\", \"-c\", \"mv $M/d $M/e; mkdir $M/r0; i=0; while [ \$i -lt 300 ]; do mv $M/r\$i $M/r\$((i+1)); i=\$((i+1)); done\"], check=True)
print(os.getcwd())
"' \
    r300

# The limit (docs/semantics.md): the map holds 256 lower directories that
# renames left behind; once full it says nothing, and a process whose
# renames the log has lost keeps the old name.
got=$(in_union 'python3 -u -c "
import os, subprocess
os.chdir(\"d\")
subprocess.run([\"sh\", \"-c\", \"i=0; while [ \$i -lt 260 ]; do mv $M/m/\$i $M/m/n\$i; i=\$((i+1)); done; mv $M/d $M/e\"], check=True)
print(os.getcwd())
"')
tap_is "limit: past 256 lower directories renamed, one left behind keeps its old name" M/d "$got"
lowers_unchanged "the limit of the map of lower directories"

tap_done

#!/bin/bash
# whole-root.sh - DESIGN use case 4: `unionenv --lower / --upper u -- make
# install` shows what an installer would change without changing the host.
# The union covers the whole root filesystem; its upper lies inside it, and
# /proc, /sys, /dev and the upper itself pass through to the kernel.
#
# Oracles: `make install DESTDIR=...` run natively (what the installer
# writes), and the same file operations done natively on a copy of a tree
# (what the union must show).  The host is checked after every union run:
# the work tree by a full snapshot, the install prefix and /etc by a listing
# of every name with its mode, size, mtime and ctime.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/lib/union.sh
. "$REPO/tests/lib/union.sh"
scenario_init whole-root

tap_plan 13

U=$T/upper
mkdir -p "$T/proj" "$T/tree/d/sub" "$T/native"
# Root installs where installers do; an ordinary user into a directory of
# their own (the union keeps the host's permissions, as overlayfs would).
if [ "$(id -u)" -eq 0 ]; then PREFIX=/usr/local; else PREFIX=$T/prefix; mkdir -p "$PREFIX"; fi

cat >"$T/proj/hello.c" <<'EOF'
#include <stdio.h>
int main(void) { puts("hello from the union"); return 0; }
EOF
cat >"$T/proj/Makefile" <<'EOF'
PREFIX ?= /usr/local
hello: hello.c
	$(CC) -O0 -o $@ hello.c
install: hello
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/unionenv-whole-root
	install -m 0755 hello $(DESTDIR)$(PREFIX)/bin/unionenv-whole-root-hello
	echo "installed" >$(DESTDIR)$(PREFIX)/share/unionenv-whole-root/README
EOF
echo a >"$T/tree/a"
echo b >"$T/tree/b"
echo c >"$T/tree/d/sub/c"

# Metadata of every name under DIR: any write, create or removal shows.
listing() { find "$1" -xdev -printf '%p %y %m %s %T@ %C@\n' 2>/dev/null | LC_ALL=C sort; }
host_state() {
    snapshot_tree "$T/proj"
    snapshot_tree "$T/tree"
    listing "$PREFIX"
    listing /etc
}
host_before=$(host_state)
host_unchanged() {  # host_unchanged WHAT
    local now
    now=$(host_state)
    if [ "$now" = "$host_before" ]; then
        tap_ok "$1: the host is unchanged"
    else
        tap_not_ok "$1: the host is unchanged" "$(diff <(echo "$host_before") <(echo "$now") | head -20)"
    fi
}

# 1-3: make install under a whole-root union.
out=$(cd "$T/proj" && union --lower / --upper "$U" -- make -s install PREFIX="$PREFIX" 2>&1)
tap_result "make install in a union over /" $? "$out"
host_unchanged "make install"
(cd "$T/proj" && make -s install PREFIX="$PREFIX" DESTDIR="$T/native" >/dev/null 2>&1 && rm -f hello)
tap_is "the upper holds what the installer wrote" \
    "$(view_tree "$T/native$PREFIX")" "$(view_tree "$U$PREFIX")"

# 4: the installed program runs from the union, found through PATH.
out=$(union --lower / --upper "$U" -- env PATH="$PREFIX/bin:$PATH" unionenv-whole-root-hello 2>&1)
tap_is "the installed program runs in the union" "hello from the union" "$out"

# 5-6: file operations in a tree of the host, compared with the same
# operations on a copy.
ops='cd "$1" && rm a && echo more >>b && mv d e && mkdir -p e/new && echo n >e/new/f && ln -s b lnk && chmod 0600 e/sub/c'
cp -a "$T/tree" "$T/copy"
sh -c "$ops" sh "$T/copy"
out=$(union --lower / --upper "$U" -- sh -c "$ops" sh "$T/tree" 2>&1)
tap_result "rm, append, mv of a directory, mkdir, ln -s, chmod" $? "$out"
# shellcheck disable=SC2016  # expanded by the shell in the union
view=$(union --lower / --upper "$U" -- bash -c '. "$1/tests/lib/snapshot.sh"; view_tree "$2"' sh "$REPO" "$T/tree" 2>&1)
tap_is "the union shows the tree as the same operations made natively" "$(view_tree "$T/copy")" "$view"
host_unchanged "the file operations"

# 8-10: the kernel's pseudo filesystems are the kernel's.
# (A process setting its own OOM score writes a file of /proc.)
out=$(union --lower / --upper "$U" -- sh -c 'echo x >/dev/null && cat /proc/self/comm && v=$(cat /proc/$$/oom_score_adj) && echo "$v" >/proc/$$/oom_score_adj && test -r /sys/kernel && echo ok' 2>&1)
tap_is "/dev/null and /proc/PID/oom_score_adj take writes, /proc/self is the reader's, /sys reads" "$(printf 'cat\nok')" "$out"
tap_check "nothing of /proc, /sys or /dev is copied into the upper" \
    test ! -e "$U/proc" -a ! -e "$U/sys" -a ! -e "$U/dev"
# The upper itself passes through: the union does not show a copy of it.
out=$(union --lower / --upper "$U" -- sh -c 'test -f "$1$2/share/unionenv-whole-root/README" && echo seen' sh "$U" "$PREFIX" 2>&1)
tap_is "the upper is seen as it is from inside the union" seen "$out"

# 11: python3 (interpreter and modules from the union) writes a file.
out=$(union --lower / --upper "$U" -- python3 -c 'import json, sys; open(sys.argv[1] + "/py.json", "w").write(json.dumps([1, 2])); print(open(sys.argv[1] + "/py.json").read())' "$T/tree" 2>&1)
tap_is "python3 writes and reads back in the union" "[1, 2]" "$out"

# 12: what the installer added, as `unionenv diff` tells it.
# (The directories they went into are new, or changed where they existed.)
out=$("$REPO/unionenv.sh" diff --upper "$U" --lower / 2>&1 | grep -F "$PREFIX/" | grep -E '^A .*(/unionenv-whole-root-hello|/share/unionenv-whole-root(/README)?)$')
tap_is "unionenv diff names what the installer added" \
    "$(printf 'A %s\n' "$PREFIX/bin/unionenv-whole-root-hello" "$PREFIX/share/unionenv-whole-root" "$PREFIX/share/unionenv-whole-root/README")" "$out"

# 13: after all of it.
host_unchanged "every job"

tap_done

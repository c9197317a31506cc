#!/usr/bin/env bash
# #! scripts exec'd by supervised programs (docs/design.md, "Serving one
# call"): the kernel reads the #! line and opens the interpreter itself,
# by the name written there, outside the filter's sight.  An interpreter
# only the upper holds was ENOENT, one the union replaced ran the mount's
# lower's old copy, and a script only the upper holds got its real path
# as $0; the supervisor now starts the union's interpreter with the argv
# the kernel builds.  Compared with the kernel's overlayfs where root can
# mount; the lowers are unchanged after each run.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init supervisor-script

BIN=$T/bin
mkdir -p "$BIN"
tap_plan 4

# interp: prints its tag and argv, then the last line of the script it
# was given (it reads the script by the name it got, as an interpreter
# does).  Static: under the supervisor wherever it runs.
interp_src='#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
	printf("%s:", TAG);
	for (int i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	for (int i = 1; i < argc; i++)
		if (strstr(argv[i], ".sh")) {
			char l[256] = "";
			FILE *f = fopen(argv[i], "r");
			if (!f) { perror(argv[i]); return 1; }
			while (fgets(l, sizeof l, f))
				;
			printf("  read: %s", l);
			fclose(f);
		}
	return 0;
}'
if [ ! -x "$REPO/build/unionenv-supervise" ] ||
   ! cc -static -O2 -DTAG='"new"' -o "$BIN/new" -x c - <<<"$interp_src" 2>/dev/null; then
    for i in $(seq 4); do tap_skip "supervisor-script $i" "no unionenv-supervise or no static C library"; done
    tap_done; exit $?
fi
cc -static -O2 -DTAG='"old"' -o "$BIN/old" -x c - <<<"$interp_src"
# runit PROGRAM ARG...: execv, static (so supervised as the command)
cc -static -O2 -o "$BIN/runit" -x c - <<'C'
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc < 2) return 2;
	execv(argv[1], argv + 1);
	printf("exec %s: %s\n", argv[1], strerror(errno));
	return 1;
}
C

# layers ROOT MNT: A and B, the lowers, and U, the upper, of a union seen
# at MNT (the scripts name their interpreters there).  The interpreter
# "interp" only the upper holds; "old" is the mount's lower's, replaced in
# the upper by another program.
layers() {
    local r=$1 m=$2
    mkdir -p "$r/A/d" "$r/A/tools" "$r/B/d" "$r/U/d" "$r/U/tools"
    cp "$BIN/new" "$r/U/tools/interp"
    cp "$BIN/old" "$r/A/tools/old"
    cp "$BIN/new" "$r/U/tools/old"
    printf '#!%s/tools/interp -x\nlower script\n' "$m" >"$r/A/d/s.sh"
    printf '#!%s/tools/old\nold interpreter replaced\n' "$m" >"$r/A/d/o.sh"
    printf '#!%s/tools/interp\ndeeper lower script\n' "$m" >"$r/B/d/deep.sh"
    printf '#!%s/tools/interp\nupper script\n' "$m" >"$r/U/d/up.sh"
    chmod +x "$r"/A/d/*.sh "$r/B/d/deep.sh" "$r/U/d/up.sh"
}
# the steps, from the mount ($1): a shell of the supervised tree execs
# each script (a relative name, an absolute one, ./)
steps='cd "$1"; d/s.sh one two; "$1/d/up.sh" one; d/o.sh; ./d/deep.sh; echo done'

X=$T/X
layers "$X" "$X/A"
lowers_remember "$X/A" "$X/B"
inunion=$(union --lower "$X/A:$X/B" --upper "$X/U" --supervise -- sh -c "$steps" sh "$X/A" 2>&1)
inunion=${inunion//$X\/A/@}
expected='new: @/tools/interp -x d/s.sh one two
  read: lower script
new: @/tools/interp @/d/up.sh one
  read: upper script
new: @/tools/old d/o.sh
  read: old interpreter replaced
new: @/tools/interp ./d/deep.sh
  read: deeper lower script
done'
if can_mount_overlay; then
    K=$T/K
    layers "$K" "$K/M"
    mount_overlay "$K/A:$K/B" "$K/U" "$K/W" "$K/M"
    kernel=$(sh -c "$steps" sh "$K/M" 2>&1)
    umount_overlay "$K/M"
    kernel=${kernel//$K\/M/@}
    tap_is "scripts exec'd by a supervised shell: the kernel overlayfs's argv, interpreter and script" "$kernel" "$inunion"
    tap_is "... which are the union's" "$expected" "$kernel"
else
    tap_is "scripts exec'd by a supervised shell: the union's interpreter, the argv the kernel builds" "$expected" "$inunion"
    tap_skip "... beside the kernel's overlayfs" "$ORACLE_SKIP_REASON"
fi

# a static program, supervised as the command of an ordinary union, execs
# a lower's script whose interpreter only the upper holds
out=$(cd "$X/A" && union --lower "$X/A:$X/B" --upper "$X/U" -- "$BIN/runit" d/s.sh three 2>&1)
tap_is "a static command execs a lower's script whose interpreter only the upper holds" \
    "new: $X/A/tools/interp -x d/s.sh three
  read: lower script" "$out"
lowers_unchanged "scripts exec'd by supervised programs"
tap_done

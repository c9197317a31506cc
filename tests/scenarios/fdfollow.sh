#!/usr/bin/env bash
# fds opened read-only before a copy-up show the new data, as through the
# kernel's overlayfs (since 4.19): every way a program reads through an fd
# or a stdio stream (tests/preload/readers.c), fds handed to a child across
# exec, and real programs (a shell, cat, python, tail) holding a lower file
# open while another process of the union appends to it.  The
# differential cases against the kernel are conformance scenarios
# (conf:fd-before-copyup*); the lowers must be unchanged after every run.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
. "$REPO/tests/lib/union.sh"
scenario_init fdfollow

READERS=$REPO/build/tests/readers
A=$T/A B=$T/B U=$T/U
mkdir -p "$A" "$B"
FD_METHODS="read pread readv preadv2 fstat lseek-end sendfile splice copy_file_range mmap dup2 fcntl-dupfd fork threads"
STREAM_METHODS="fgets getline fread getc getc_unlocked tail"
PROGRAMS="shell-redirect shell-dup cat-inherited python python-mv tail-f"
for m in $FD_METHODS $STREAM_METHODS $PROGRAMS; do
    printf 'line1\nline2\n' >"$B/f.$m"
done
# in the first lower, whose path is the union's: what a user outside names
mv "$B/f.cat-inherited" "$A/"
BEFORE=$(snapshot_tree "$A"; snapshot_tree "$B")

# expect DESC WANT COMMAND...: run COMMAND in the union; its output, lines
# joined by spaces, must be WANT.
expect() {
    local desc=$1 want=$2 got st
    shift 2
    got=$(union --lower "$A:$B" --upper "$U" -- "$@" 2>&1 | tr '\n' ' ')
    st=${PIPESTATUS[0]}
    got=${got% }
    if [ "$st" -eq 0 ] && [ "$got" = "$want" ]; then tap_ok "$desc"; else
        tap_not_ok "$desc" "status $st" "want: $want" "got:  $got"
    fi
}

set -- $FD_METHODS $STREAM_METHODS
tap_plan $(($# + 7))

for m in $FD_METHODS $STREAM_METHODS; do
    case $m in
    fstat) want="line1 size 18" ;;
    lseek-end) want="line1 end 18" ;;
    fcntl-dupfd) want="line1 line2 line3 cloexec 1" ;;
    threads) want="line1 line2 line3 bad 0" ;;
    tail) want="line1 line2 line3 line3" ;;
    *) want="line1 line2 line3" ;;  # mmap: the kernel maps the lower here (docs/semantics.md)
    esac
    expect "$m through an fd opened before another process's copy-up" "$want" "$READERS" "$m" "$A/f.$m"
done

expect "sh: { read; append; cat; } < file: the shell's fd and cat's, inherited across exec" \
    "line1 line2 line3" sh -c "{ read l; echo \"\$l\"; echo line3 >> '$A/f.shell-redirect'; cat; } < '$A/f.shell-redirect'"
expect "sh: exec 3<file, append, cat <&3 (dup2 in the child, then exec)" \
    "line1 line2 line3" sh -c "exec 3<'$A/f.shell-dup'; echo line3 >> '$A/f.shell-dup'; cat <&3"
# (unionenv only: the kernel's mount hides the file an outside shell opened)
got=$(union --lower "$A:$B" --upper "$U" -- sh -c "echo line3 >> '$A/f.cat-inherited'; cat" <"$A/f.cat-inherited" | tr '\n' ' ')
tap_is "stdin opened on the union's file outside the union, then inherited, follows" "line1 line2 line3 " "$got"
expect "python: a file object read on after another process appends" "line1 line2 line3" \
    python3 -c "import os; p = '$A/f.python'; f = open(p); print(f.readline(), end=''); os.system('echo line3 >> ' + p); print(f.read(), end='')"
expect "python: a file object read on after another process renames the file and appends" "line1 line2 line3" \
    python3 -c "import os; p = '$A/f.python-mv'; f = open(p); print(f.readline(), end=''); os.system('mv ' + p + ' ' + p + '.new && echo line3 >> ' + p + '.new'); print(f.read(), end='')"
# tail's inotify watch is on the lower file, which the copy-up leaves alone
# (docs/semantics.md): polling, it sees the new data.
expect "tail -f (polling) sees a line another process appends" "line1 line2 line3" \
    sh -c "timeout 3 tail ---disable-inotify -s 0.1 -f '$A/f.tail-f' & sleep 1; echo line3 >> '$A/f.tail-f'; wait; exit 0"

now=$(snapshot_tree "$A"; snapshot_tree "$B")
tap_is "lowers unchanged" "$BEFORE" "$now"

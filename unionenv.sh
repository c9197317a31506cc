#!/bin/sh
# unionenv: run a command tree over an unprivileged union of directories.
#
# This script only finds the launcher, build/unionenv-launch in a checkout
# (launcher/), installed beside the library: a C program that checks the
# layers, judges the command, sets the environment and execs it, in one
# process (a start costs a millisecond, not the 25 of a shell doing it).
# It also runs the subcommands (diff, export, fsck, check...).
set -u

# The launcher's directory, relative to this script's (an absolute one is
# taken as it is); empty: build/ of this checkout.  `make install` does not
# install this script: its `unionenv` is a symbolic link to the launcher
# itself, which finds its directory as its own (no shell in front of every
# run).  A copy of the script set to an installed tree still runs it.
UNIONENV_LIBDIR=

# The launcher's directory: this script's, through a symbolic link to it
# (a link to its directory, as /bin on a merged /usr, the kernel follows).
case $UNIONENV_LIBDIR in
/*) dir=$UNIONENV_LIBDIR ;;
*)
    self=$0
    [ -L "$self" ] && self=$(realpath -- "$self")
    case $self in */*) dir=${self%/*} ;; *) dir=. ;; esac
    dir=$dir/${UNIONENV_LIBDIR:-build} ;;
esac
[ -x "$dir/unionenv-launch" ] && exec "$dir/unionenv-launch" "$@"

# Not built (or not installed whole): say what is missing, in one line.
dir=$(realpath -m -- "$dir")
case ${1-} in
diff | export | import | commit | convert | fsck | check)
    printf "unionenv: %s: program '%s' not found (run make first)\n" "$1" "$dir/unionenv-$1" >&2 ;;
*)
    printf "unionenv: library '%s' not found (run make first)\n" "$dir/libunionenv.so" >&2 ;;
esac
exit 125

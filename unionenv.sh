#!/usr/bin/env bash
# unionenv: run a command tree over an unprivileged union of directories.
#
# The preloaded library cannot report a bad configuration well: it runs in
# every process and must never write or exit on its own. So the launcher
# checks the layers once, up front, creates nothing until every check has
# passed, and only then sets the environment and execs the command.
set -u

# `make install` rewrites this line to the installed library directory,
# relative to the launcher's own directory (an absolute one is taken as it
# is): an installed tree may then be moved whole (dpkg -x into a scratch
# root, a staged DESTDIR).
UNIONENV_LIBDIR=

VERSION=0.1.0
EX_OWN=125   # our own errors; 126/127/other come from the command

usage() {
    cat <<'EOF'
Usage: unionenv [run] --lower DIR[:DIR...] --upper DIR [--mount DIR] [--] [COMMAND [ARG...]]
       unionenv --help | --version

Run COMMAND with the lower directories merged (first is highest) at the
mount path, every write landing in the upper directory. The lowers are
never modified. Without COMMAND, run "$SHELL -i" (default /bin/sh).

Options:
  --lower DIR[:DIR...]  read-only layers, highest first (as overlayfs lowerdir)
  --upper DIR           writable layer; created when missing
  --mount DIR           where the union appears (default: the first lower)
  --upper-format FORM   markers written in the upper: auto (default: the
                        form it holds, else the first its filesystem takes),
                        device (char 0/0 whiteouts), xattr (the kernel's
                        xattr whiteouts), aufs (OCI .wh. files)
  --allow-unfollowed    run COMMAND even when the union cannot follow it
                        (setuid...; a static or Go program then runs with a
                        warning, not supervised; see unionenv check)
  --supervise           serve every system call of the whole tree in a
                        supervisor (as for a static or Go COMMAND), not the
                        preloaded library; also UNIONENV_SUPERVISE=1
  --trace FILE          one line per call the union translated, from every
                        process, written to FILE (outside the union; see
                        unionenv(1), TRACE)
  --help                show this help and exit
  --version             show the version and exit

Options also take the form --lower=DIR. Exit status: 125 for unionenv's own
errors, 126 if COMMAND cannot run or the union cannot follow it, 127 if it
is not found, else its status.
EOF
}

# One line only, whatever the path holds: a newline in a name would
# otherwise split the message and break "one clear line on stderr".
die() {
    local msg=$1
    msg=${msg//$'\n'/\\n}
    printf 'unionenv: %s\n' "$msg" >&2
    exit "$EX_OWN"
}

# canon MODE PATH: canonical absolute path in REPLY (MODE -e: must exist,
# -m: may be missing). The trailing "x" keeps names that end in a newline,
# which command substitution would strip.
canon() {
    local out
    out=$(realpath "$1" -- "$2" 2>/dev/null && printf x) || return 1
    out=${out%x}
    REPLY=${out%$'\n'}
}

# is_inside A B: A is B or lies below it (canonical paths only).
is_inside() {
    [ "$1" = "$2" ] && return 0
    [ "$2" = / ] && return 0
    case $1 in "$2"/*) return 0 ;; esac
    return 1
}

# Device and inode, so that two paths to one directory (bind mounts) count
# as the same directory even when their canonical names differ.
dev_ino() {
    stat -L -c '%d:%i' -- "$1" 2>/dev/null
}

# ---- argument parsing ------------------------------------------------------

OPT_LOWER='' OPT_UPPER='' OPT_MOUNT='' OPT_FORMAT=auto OPT_TRACE=''
SEEN_LOWER=0 SEEN_UPPER=0 SEEN_MOUNT=0 SEEN_FORMAT=0 SEEN_TRACE=0
OPT_ALLOW=0
OPT_SUPERVISE=0
# =preload: the whole tree filtered, the library kept (docs/design.md, "The gate")
case ${UNIONENV_SUPERVISE:-0} in 1 | preload) OPT_SUPERVISE=1 ;; esac
CMD=()

# A repeated option is refused rather than "last one wins": with layers,
# silently dropping one is worse than asking.
set_opt() {  # set_opt NAME VALUE
    case $1 in
    lower) [ "$SEEN_LOWER" = 0 ] || die "option '--lower' given twice"
           SEEN_LOWER=1 OPT_LOWER=$2 ;;
    upper) [ "$SEEN_UPPER" = 0 ] || die "option '--upper' given twice"
           SEEN_UPPER=1 OPT_UPPER=$2 ;;
    mount) [ "$SEEN_MOUNT" = 0 ] || die "option '--mount' given twice"
           SEEN_MOUNT=1 OPT_MOUNT=$2 ;;
    upper-format) [ "$SEEN_FORMAT" = 0 ] || die "option '--upper-format' given twice"
           case $2 in auto | device | xattr | aufs | oci) ;;
           *) die "unknown --upper-format '$2' (auto, device, xattr, aufs)" ;;
           esac
           SEEN_FORMAT=1 OPT_FORMAT=$2 ;;
    trace) [ "$SEEN_TRACE" = 0 ] || die "option '--trace' given twice"
           SEEN_TRACE=1 OPT_TRACE=$2 ;;
    esac
}

parse_args() {
    if [ $# -gt 0 ]; then
        case $1 in
        run) shift ;;
        diff | export | import | commit | convert | fsck | check)
            run_tool "$@" ;;
        esac
    fi
    while [ $# -gt 0 ]; do
        case $1 in
        --) shift; break ;;
        -h | --help) usage; exit 0 ;;
        --version) printf 'unionenv %s\n' "$VERSION"; exit 0 ;;
        --allow-unfollowed) OPT_ALLOW=1; shift ;;
        --supervise) OPT_SUPERVISE=1; shift ;;
        --lower | --upper | --mount | --upper-format | --trace)
            # A following option is a forgotten value, not a directory
            # named "--upper"; such a directory can be given as --lower=--x.
            if [ $# -lt 2 ] || [[ $2 == --* ]]; then
                die "option '$1' needs a value"
            fi
            set_opt "${1#--}" "$2"
            shift 2 ;;
        --lower=* | --upper=* | --mount=* | --upper-format=* | --trace=*)
            local name=${1%%=*}
            set_opt "${name#--}" "${1#*=}"
            shift ;;
        -*) die "unknown option '$1'" ;;
        *) break ;;
        esac
    done
    CMD=("$@")
    [ "$SEEN_LOWER" = 1 ] || die "missing --lower (see --help)"
    [ "$SEEN_UPPER" = 1 ] || die "missing --upper (see --help)"
    # No command (nothing, or nothing after --): an interactive shell, as
    # chroot(8) and unshare(1) start: $SHELL from the environment, else
    # /bin/sh (bash sets SHELL itself when it is missing, but does not
    # export it). An empty name given as COMMAND stays an error.
    if [ ${#CMD[@]} -eq 0 ]; then
        CMD=(/bin/sh -i)
        [[ ${SHELL:+${SHELL@a}} == *x* ]] && CMD[0]=$SHELL
    fi
    [ -n "${CMD[0]}" ] || die "empty command"
}

# ---- layer checks ----------------------------------------------------------

LOWERS=()   # canonical, highest first
UPPER=      # canonical
UPPER_EXISTS=0
MOUNT=      # canonical

check_lowers() {
    local rest=$OPT_LOWER elem i j ids=()
    [ -n "$rest" ] || die "empty --lower"
    # Split by hand: `read -a` with IFS=: drops a trailing empty element,
    # and "a:" must be an error like "a::b".
    while :; do
        elem=${rest%%:*}
        [ -n "$elem" ] || die "empty element in --lower '$OPT_LOWER'"
        check_one_lower "$elem"
        [ "$rest" = "${rest#*:}" ] && break
        rest=${rest#*:}
    done
    for ((i = 0; i < ${#LOWERS[@]}; i++)); do
        ids[i]=$(dev_ino "${LOWERS[i]}")
        for ((j = 0; j < i; j++)); do
            if [ "${LOWERS[i]}" = "${LOWERS[j]}" ] || [ "${ids[i]}" = "${ids[j]}" ]; then
                die "the same directory is given twice as a lower: '${LOWERS[i]}'"
            fi
        done
    done
}

check_one_lower() {
    local given=$1
    [ -e "$given" ] || die "lower '$given' does not exist"
    [ -d "$given" ] || die "lower '$given' is not a directory"
    canon -e "$given" || die "lower '$given' cannot be resolved"
    { [ -r "$REPLY" ] && [ -x "$REPLY" ]; } || die "lower '$given' is not readable"
    # The preload's layer list is colon-separated, with no escape.
    case $REPLY in *:*) die "lower '$REPLY' contains ':', which a layer list cannot hold" ;; esac
    LOWERS+=("$REPLY")
}

check_upper() {
    local given=$OPT_UPPER l probe
    [ -n "$given" ] || die "empty --upper"
    if [ -e "$given" ] || [ -L "$given" ]; then
        [ -e "$given" ] || die "upper '$given' is a dangling symbolic link"
        [ -d "$given" ] || die "upper '$given' is not a directory"
        canon -e "$given" || die "upper '$given' cannot be resolved"
        UPPER=$REPLY UPPER_EXISTS=1
        { [ -r "$UPPER" ] && [ -w "$UPPER" ] && [ -x "$UPPER" ]; } ||
            die "upper '$given' is not writable"
    else
        # Missing: resolve what exists of it, and make sure mkdir -p can
        # create the rest before anything is created.
        canon -m "$given" || die "upper '$given' cannot be resolved"
        UPPER=$REPLY
        probe=$UPPER
        while [ ! -e "$probe" ]; do
            probe=${probe%/*}
            [ -n "$probe" ] || probe=/
        done
        [ -d "$probe" ] || die "upper '$given': '$probe' is not a directory"
        { [ -w "$probe" ] && [ -x "$probe" ]; } ||
            die "upper '$given' cannot be created: '$probe' is not writable"
    fi
    for l in "${LOWERS[@]}"; do
        if [ "$UPPER" = "$l" ] ||
            { [ "$UPPER_EXISTS" = 1 ] && [ "$(dev_ino "$UPPER")" = "$(dev_ino "$l")" ]; }; then
            die "upper '$UPPER' is the same directory as a lower"
        fi
        # A whole-root union (DESIGN use case 4) necessarily holds its
        # upper: the union leaves it, and the kernel's pseudo filesystems,
        # to the kernel (see whole_root_passthrough).
        if [ "$l" != / ] && is_inside "$UPPER" "$l"; then
            die "upper '$UPPER' is inside lower '$l'"
        fi
        is_inside "$l" "$UPPER" && die "lower '$l' is inside upper '$UPPER'"
    done
}

# With / as a lower, these union paths stay the root filesystem's own: the
# upper (the union must not copy itself into itself), and /proc, /sys and
# /dev, whose files (devices, kernel settings) no copy-up can stand for.
PASSTHROUGH=
whole_root_passthrough() {
    local l d list=()
    for l in "${LOWERS[@]}"; do
        [ "$l" = / ] || continue
        list=("$UPPER")
        for d in /proc /sys /dev; do
            [ -d "$d" ] && list+=("$d")
        done
        join_colon "${list[@]}"
        PASSTHROUGH=$REPLY
        case $UPPER in *:*) die "upper '$UPPER' contains ':', which a whole-root union cannot pass through" ;; esac
        return
    done
}

check_mount() {
    if [ "$SEEN_MOUNT" = 0 ]; then
        MOUNT=${LOWERS[0]}
        return
    fi
    local given=$OPT_MOUNT
    [ -n "$given" ] || die "empty --mount"
    [ -e "$given" ] || die "mount '$given' does not exist"
    [ -d "$given" ] || die "mount '$given' is not a directory"
    canon -e "$given" || die "mount '$given' cannot be resolved"
    MOUNT=$REPLY
    is_inside "$MOUNT" "$UPPER" && die "mount '$MOUNT' is inside upper '$UPPER'"
    return 0
}

# The trace file: the library writes it with its own system calls, past
# the union, so it must lie outside every layer and the mount (a trace in
# a lower would change the lower).  Made empty here, before the command
# runs, so that a bad name is said now rather than lost.
TRACE=
check_trace() {
    [ "$SEEN_TRACE" = 1 ] || return 0
    local given=$OPT_TRACE dir l
    [ -n "$given" ] || die "empty --trace"
    [ ! -d "$given" ] || die "trace '$given' is a directory"
    canon -m "$given" || die "trace '$given' cannot be resolved"
    TRACE=$REPLY
    for l in "${LOWERS[@]}" "$UPPER" "$MOUNT"; do
        is_inside "$TRACE" "$l" && die "trace '$given' lies inside the union ('$l'): give a file outside it"
    done
    dir=${TRACE%/*}
    [ -d "${dir:-/}" ] || die "trace '$given': no directory '${dir:-/}'"
    : 2>/dev/null >"$TRACE" || die "trace '$given' cannot be written"
}

# ---- library ----------------------------------------------------------------

LIB=

# lib_dir: the directory of the library and of the subcommands' programs,
# in REPLY: build/ beside the script in a checkout, else UNIONENV_LIBDIR.
lib_dir() {
    case $UNIONENV_LIBDIR in /*) REPLY=$UNIONENV_LIBDIR; return ;; esac
    canon -e "${BASH_SOURCE[0]}" || die "cannot locate the script itself"
    REPLY=${REPLY%/*}/${UNIONENV_LIBDIR:-build}
}

find_library() {
    local dir
    lib_dir
    dir=$REPLY
    [ -f "$dir/libunionenv.so" ] ||
        die "library '$dir/libunionenv.so' not found (run make first)"
    canon -e "$dir/libunionenv.so" || die "library '$dir/libunionenv.so' cannot be resolved"
    LIB=$REPLY
    # The dynamic loader splits LD_PRELOAD at spaces and colons.
    case $LIB in *[[:space:]:]*)
        die "library path '$LIB' contains a space or ':', which LD_PRELOAD cannot hold" ;;
    esac
}

# The subcommands are programs of their own beside the library, named
# unionenv-SUBCOMMAND (built from tools/); they get the remaining arguments.
run_tool() {
    local name=$1 dir
    shift
    lib_dir
    dir=$REPLY
    [ -x "$dir/unionenv-$name" ] || die "$name: program '$dir/unionenv-$name' not found (run make first)"
    exec "$dir/unionenv-$name" "$@"
}

# LIB first in LD_PRELOAD, dropping an earlier copy so that a nested
# unionenv does not load the library twice.  (The library's other role, the
# loader's audit module, is given by the library itself to the children
# that may load libraries from the union.)
loader_list() {  # loader_list CURRENT-VALUE SEPARATOR -> REPLY
    local out=$LIB word words=()
    IFS=' :' read -r -a words <<<"$1"
    for word in "${words[@]}"; do
        [ "$word" = "$LIB" ] || out+="$2$word"
    done
    REPLY=$out
}

join_colon() {  # join_colon ITEM... -> REPLY
    local IFS=:
    REPLY="$*"
}

# A program the preload cannot follow (statically linked, a Go program,
# setuid...) would run outside the union without a word: the C check beside
# the library (build/unionenv-check, ~2 ms) finds COMMAND as the union will
# show it. One the supervisor follows (static, another libc, Go: status 3)
# runs under it (build/unionenv-supervise); any other (set-id: under the
# filter's no_new_privs it would lose its privileges) is refused with one
# line and status 126, before anything is created. With --allow-unfollowed
# there is nothing to refuse and nothing is supervised: the library itself
# warns when env starts COMMAND, as it does for every later exec.
SUPERVISOR=
check_command() {
    local tool=${LIB%/*}/unionenv-check st args=(--launch)
    [ -x "${LIB%/*}/unionenv-supervise" ] && SUPERVISOR=${LIB%/*}/unionenv-supervise
    [ "$OPT_SUPERVISE" = 1 ] && [ -z "$SUPERVISOR" ] &&
        die "--supervise: program '${LIB%/*}/unionenv-supervise' not found (run make first)"
    [ -x "$tool" ] || return 0
    [ "$OPT_ALLOW" = 1 ] && return 0
    [ -n "$SUPERVISOR" ] && args+=(--supervisor)
    join_colon "${LOWERS[@]}"
    "$tool" "${args[@]}" --lower "$REPLY" --upper "$UPPER" --mount "$MOUNT" -- "${CMD[0]}"
    st=$?
    [ "$st" -eq 3 ] && OPT_SUPERVISE=1
    # Any other failure is the check's own: it must not stand in the way.
    [ "$st" -ne 126 ] || exit 126
}

# Which markers the library writes in the upper: a probe of the upper's
# filesystem (build/unionenv-upperform), said once here rather than in each
# process.  Without the probe the library finds out by itself, silently.
upper_format() {
    local tool=${LIB%/*}/unionenv-upperform form
    unset UNIONENV_UPPER_FORMAT
    [ -x "$tool" ] || return 0
    form=$("$tool" "$UPPER" "$OPT_FORMAT") || {
        [ "$UPPER_EXISTS" = 1 ] || rmdir -- "$UPPER" 2>/dev/null
        exit "$EX_OWN"
    }
    export UNIONENV_UPPER_FORMAT="$form"
}

main() {
    parse_args "$@"
    check_lowers
    check_upper
    check_mount
    check_trace
    whole_root_passthrough
    find_library
    check_command
    # Every check passed: only now may anything be created.
    if [ "$UPPER_EXISTS" = 0 ]; then
        mkdir -p -- "$UPPER" 2>/dev/null || die "cannot create upper '$UPPER'"
    fi
    upper_format
    join_colon "${LOWERS[@]}"
    export UNIONENV_LOWER="$REPLY"
    export UNIONENV_UPPER="$UPPER"
    export UNIONENV_MOUNT="$MOUNT"
    export UNIONENV_LIB="$LIB"
    # Every exec of the union applies the launcher's rule (preload/follow.c).
    if [ "$OPT_ALLOW" = 1 ]; then
        export UNIONENV_ALLOW_UNFOLLOWED=1
    else
        unset UNIONENV_ALLOW_UNFOLLOWED
    fi
    if [ -n "$TRACE" ]; then
        export UNIONENV_TRACE="$TRACE"
    else
        unset UNIONENV_TRACE
    fi
    if [ -n "$PASSTHROUGH" ]; then
        export UNIONENV_PASSTHROUGH="$PASSTHROUGH"
    else
        unset UNIONENV_PASSTHROUGH
    fi
    loader_list "${LD_PRELOAD:-}" ' '
    export LD_PRELOAD="$REPLY"
    # A supervised tree runs without the library: the supervisor serves
    # every call, once (docs/design.md, "The supervisor"); it stays the
    # command's parent and passes its exit status on.
    if [ "$OPT_SUPERVISE" = 1 ]; then
        LD_PRELOAD=${REPLY#"$LIB"}
        LD_PRELOAD=${LD_PRELOAD# }
        [ -n "$LD_PRELOAD" ] || unset LD_PRELOAD
        exec "$SUPERVISOR" -- "${CMD[@]}"
    fi
    # env runs under the preload, whose execvp looks COMMAND up in union
    # terms; env's own 126 (cannot run) and 127 (not found) are the contract.
    exec env -- "${CMD[@]}"
}

main "$@"

# bash completion for unionenv(1)                        -*- shell-script -*-
#
# Installed as $(PREFIX)/share/bash-completion/completions/unionenv, where
# the bash-completion package loads it the first time `unionenv` is
# completed. It uses that package's helpers: _init_completion, _filedir,
# _command_offset, __ltrim_colon_completions.
#
# Completes the options and subcommands, directories for the layers (each
# element of the colon-separated --lower list), the values of --upper-format,
# --format, --to and --form, and the command after "--" (or after the
# options), handing its arguments to that command's own completion.

# The options of each subcommand, as its --help lists them
# (tests/cli/completion.bats checks the two against each other).
_unionenv_tool_options()
{
    case $1 in
    diff) REPLY='--upper --lower --work --format --json --content --quiet --help' ;;
    export) REPLY='--upper --lower --work -o --gzip --zstd --quiet --help' ;;
    import) REPLY='--upper --quiet --help' ;;
    commit) REPLY='--lower --upper --work --continue --rollback --quiet --help' ;;
    convert) REPLY='--to -v --quiet --lower --upper --help' ;;
    fsck) REPLY='--repair --json --lower --work --form --upper --help' ;;
    check) REPLY='--json --lower --upper --mount --help' ;;
    *) REPLY= ;;
    esac
}

# _unionenv_words WORDS: those of WORDS that start with $cur.
_unionenv_words()
{
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

# Complete $cur as a colon-separated list of directories: only its last
# element is completed, the elements before it are kept.
_unionenv_dirlist()
{
    local list=$cur
    local cur=${list##*:} prefix=
    [[ $list == *:* ]] && prefix=${list%:*}:
    _filedir -d
    COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
    # Where ':' breaks words (the default), readline replaces only the text
    # after the last colon: drop the prefix again.
    __ltrim_colon_completions "$list"
}

# _unionenv_comp_index N: the index in COMP_WORDS of words[N]. The two
# differ where _init_completion joined "a:b" or "--lower=DIR" into one word,
# and _command_offset counts in COMP_WORDS.
_unionenv_comp_index()
{
    local j k=0 acc
    for ((j = 0; j < $1; j++)); do
        acc=
        while [[ $acc != "${words[j]}" ]] && ((k < ${#COMP_WORDS[@]})); do
            acc+=${COMP_WORDS[k]}
            ((k++))
        done
    done
    REPLY=$k
}

# The options and arguments of a subcommand ($1); words[1] is its name.
_unionenv_tool()
{
    case $prev in
    --lower) _unionenv_dirlist; return ;;
    --upper | --mount | --work) _filedir -d; return ;;
    --trace) _filedir; return ;;
    -o) _filedir; return ;;
    --format)
        _unionenv_words 'text json oci sh'
        return ;;
    --to | --form)
        _unionenv_words 'overlay aufs overlay-trusted'
        return ;;
    esac
    [[ $split == true ]] && return

    local REPLY
    _unionenv_tool_options "$1"
    if [[ $cur == -* ]]; then
        _unionenv_words "$REPLY"
        return
    fi
    case $1 in
    check) # programs, looked up in PATH as a shell does, or paths to them
        if [[ $cur == */* ]]; then
            _filedir
        else
            mapfile -t COMPREPLY < <(compgen -c -- "$cur")
        fi ;;
    import | export) _filedir ;;       # a layer archive, or the upper
    *) _filedir -d ;;                  # layers and trees are directories
    esac
}

_unionenv()
{
    local cur prev words cword split
    _init_completion -s -n : || return

    local i start=1 REPLY
    if ((cword > 1)); then
        case ${words[1]} in
        run) start=2 ;;
        diff | export | import | commit | convert | fsck | check)
            _unionenv_tool "${words[1]}"
            return ;;
        esac
    fi

    # The command starts after "--", or at the first word that is neither
    # an option nor an option's value (as the launcher parses them).
    for ((i = start; i < cword; i++)); do
        case ${words[i]} in
        --)
            _unionenv_comp_index $((i + 1))
            _command_offset "$REPLY"
            return ;;
        --lower | --upper | --mount | --work | --upper-format | --trace) ((i++)) ;;
        -*) ;;
        *)
            _unionenv_comp_index "$i"
            _command_offset "$REPLY"
            return ;;
        esac
    done

    case $prev in
    --lower) _unionenv_dirlist; return ;;
    --upper | --mount | --work) _filedir -d; return ;;
    --upper-format)
        _unionenv_words 'auto device xattr aufs'
        return ;;
    esac
    [[ $split == true ]] && return

    if [[ $cur == -* ]]; then
        _unionenv_words '--lower --upper --mount --work --upper-format
            --allow-unfollowed --supervise --trace --help --version --'
        return
    fi
    if ((cword == 1)); then
        _unionenv_words 'run diff export import commit convert fsck check'
        return
    fi
    # After the options: the command.
    _unionenv_comp_index "$cword"
    _command_offset "$REPLY"
} &&
    complete -F _unionenv unionenv unionenv.sh

# ex: filetype=sh

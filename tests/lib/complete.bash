# tests/lib/complete.bash LINE WORD...: complete LINE, the cursor at its
# end, with bash-completion and completion/unionenv.bash loaded, as bash
# would; print the candidates, one a line, sorted. The WORDs are COMP_WORDS
# as bash splits LINE (':' and '=' are words of their own, an empty last
# word after a space); run it as: bash tests/lib/complete.bash LINE WORD...
# UE_BASH_COMPLETION names bash-completion's main script (default: Debian's).
ROOT=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P) || exit 2
# shellcheck disable=SC1090
source "${UE_BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}" || exit 2
# shellcheck source=../../completion/unionenv.bash
source "$ROOT/completion/unionenv.bash" || exit 2
if [ "${1-}" = --spec ]; then
    complete -p unionenv
    exit
fi
# bash does not take COMP_WORDBREAKS from the environment: UE_WORDBREAKS.
[ -n "${UE_WORDBREAKS-}" ] && COMP_WORDBREAKS=$UE_WORDBREAKS
COMP_LINE=$1
COMP_POINT=${#COMP_LINE}
shift
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_TYPE=9
COMPREPLY=()
_unionenv "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort

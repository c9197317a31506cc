#!/usr/bin/env bats
# The progress line of diff, export, import, commit and convert: drawn on
# a terminal only (script(1) gives the tool one), never with --quiet,
# never into a pipe or a file, and never changing what the tool makes.

bats_require_minimum_version 1.5.0
load common

setup() {
    tools_setup
    command -v script >/dev/null || skip "script(1) (bsdutils) is not installed"
    for t in diff export import commit convert; do need_tool "$t"; done
    mkdir -p U/d L/d
    for i in $(seq 200); do echo "$i" >"U/d/f$i"; done
    for i in $(seq 50); do echo "$i" >"L/d/g$i"; done
    head -c 3000000 /dev/zero >U/big
}
teardown() { tools_teardown; }

# The program of tool $1, as `ue` runs it.
tool() {
    if [ -x "$REPO/build/unionenv-$1" ]; then
        printf '%q %q' "$UE" "$1"
    else
        printf '%q' "$REPO/build/layertools/unionenv-$1"
    fi
}

# on_tty CMD: run the shell command CMD with its stderr (and whatever CMD
# does not redirect) on a terminal; $output is what the terminal showed,
# carriage returns and the erase-line sequence made visible as '|';
# $last is the last drawing on its last line.
on_tty() {
    run script -qec "$1" /dev/null
    output=$(printf '%s' "$output" | sed 's/\r\x1b\[K/|/g; s/\r//g')
    last=${output##*$'\n'}
    last=${last##*|}   # the last drawing of the last line
}

# The last line a progress line left: "unionenv NAME: N entries, SIZE, RATE/s, M:SS".
progress_re() {
    printf '^unionenv %s: [0-9,]+ entr(y|ies), [0-9.]+ (B|KiB|MiB|GiB), [0-9.]+ (B|KiB|MiB|GiB)/s, [0-9]+:[0-9][0-9]$' "$1"
}

@test "progress: export on a terminal counts entries and bytes; the archive is the same" {
    on_tty "$(tool export) --upper U -o tty.tar"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $last =~ $(progress_re export) ]]
    [[ $output == *" 202 entries, 2.9 MiB,"* ]]
    run --separate-stderr ue export --upper U -o plain.tar
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    cmp tty.tar plain.tar
}

@test "progress: --quiet on a terminal, and no terminal, draw nothing" {
    on_tty "$(tool export) --quiet --upper U -o q.tar"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    on_tty "$(tool export) -q --upper U -o q2.tar"
    [ -z "$output" ]
    for t in "diff --upper U --lower L" "diff U L" "convert --to aufs U" "import I q.tar"; do
        run --separate-stderr bash -c "$(tool "${t%% *}") ${t#* } >/dev/null"
        echo "$t: $stderr"
        [ -z "$stderr" ]
    done
}

@test "progress: import on a terminal; the tree is the same as without one" {
    ue export --upper U -o l.tar
    on_tty "$(tool import) --upper I1 l.tar"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $last =~ $(progress_re import) ]]
    [[ $output == *" 202 entries, 2.9 MiB,"* ]]
    ue import --upper I2 l.tar
    [ "$(view I1)" = "$(view I2)" ]
}

@test "progress: diff on a terminal: the report's lines stay whole, the count comes last" {
    ue diff --upper U --lower L >plain.txt || true
    on_tty "$(tool diff) --upper U --lower L"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $last =~ $(progress_re diff) ]]
    # Every report line is on a line of its own, whole.
    printf '%s\n' "$output" | sed 's/.*|//' | grep -v '^unionenv diff:' >tty.txt
    diff plain.txt tty.txt
    # The second form (two trees) too.
    on_tty "$(tool diff) L U >/dev/null"
    [ "$status" -eq 1 ]
    [[ $last =~ $(progress_re diff) ]]
}

@test "progress: commit and convert on a terminal" {
    cp -a U U2
    on_tty "$(tool convert) --to aufs U2"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $last =~ $(progress_re convert) ]]
    on_tty "$(tool commit) --lower L --upper U"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $last =~ $(progress_re commit) ]]
    [ -f L/d/f200 ] && [ -f L/d/g7 ] && [ -z "$(ls -A U)" ]
}

#!/bin/bash
# shellcheck disable=SC2016,SC2181  # steps are single-quoted (the shell of each step expands them); $? after (set -e; ...)
# corpus-git.sh - issue 3, real programs: git (status, checkout of another
# branch, add, commit, merge, gc, clone) in a repository that lives in a
# lower, and init/add/commit of a new repository over merged directories,
# compared with a kernel overlayfs mount of the same layers (or a merged
# copy); see tests/corpus/lib.sh.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/corpus/lib.sh
. "$REPO/tests/corpus/lib.sh"
corpus_init git

G='git -c init.defaultBranch=main'

# layers_repo A B: layers_tree, plus a repository in B (repo/, two branches,
# loose objects and a pack), and in A a file and a directory that land in
# the repository's work tree from above.
layers_repo() {
    local a=$1 b=$2
    layers_tree "$a" "$b" || return 1
    (
        set -e
        mkdir -p "$b/repo/src" "$b/repo/doc"
        cd "$b/repo" || exit 1
        git -c init.defaultBranch=main init -q .
        printf 'hello repo\n' >README
        printf 'int main(void) { return 0; }\n' >src/main.c
        printf 'doc one\n' >doc/one.txt
        printf '*.o\n' >.gitignore
        git add -A
        git commit -q -m 'initial commit'
        git gc -q
        git checkout -q -b feature
        printf 'feature work\n' >feature.txt
        printf 'int f(void) { return 1; }\n' >src/f.c
        git rm -q doc/one.txt
        git add -A
        git commit -q -m 'feature commit'
        git checkout -q main
        printf 'second line\n' >>README
        git commit -q -am 'second commit'
        printf 'junk\n' >build.o
    )
    [ $? -eq 0 ] || return 1  # (not `|| return`: that would turn set -e off inside)
    mkdir -p "$a/repo/src"
    printf 'untracked from A\n' >"$a/repo/from_a.txt"
    printf 'int g(void) { return 2; }\n' >"$a/repo/src/g.c"
    corpus_fix_times "$a" "$b"
}

# git's index holds stat data (inode, device, ctime): its bytes differ
# between two trees even when both are right.
INDEX='(repo|tree|clone)/\.git/index'

corpus_job "git in a repository that lives in a lower: status, checkout, commit, merge" layers_repo
corpus_mask "$INDEX"
corpus_step 'cd repo && git status --porcelain --ignored && git log --format="%H %s" --all && git branch'
corpus_step 'cd repo && git checkout -q feature && git status --porcelain && ls -A . src && cat README feature.txt'
corpus_step 'cd repo && echo more >>feature.txt && git rm -q src/main.c && git add -A && git commit -q -m "work on feature" && git log --format="%H %s" && git show --stat --format=%s HEAD'
corpus_step 'cd repo && git checkout -q main && ls -A . src && git merge -q --no-edit feature && git log --format="%H %P %s" && git status --porcelain'
corpus_step 'cd repo && git fsck --no-progress --strict && git rev-parse HEAD HEAD^{tree} && git diff --stat HEAD~1 && git status --porcelain --ignored'

corpus_job "git in a lower repository: stash, reset, clean, gc" layers_repo
corpus_mask "$INDEX"
corpus_step 'cd repo && echo dirty >>README && git stash -q && git status --porcelain && git stash list --format=%s && git stash pop -q && git diff --stat'
corpus_step 'cd repo && git reset -q --hard HEAD~1 && git log --format="%H %s" && cat README && git clean -fdq -x && git status --porcelain --ignored && ls -A . src'
corpus_step 'cd repo && git gc -q --prune=now && git count-objects -v | grep -v size && git fsck --no-progress && find .git/objects -type f | sort | sed "s/pack-[0-9a-f]*/pack-X/"'

corpus_job "git in a lower repository: worktree, rebase, format-patch and am, tag, notes, repack, gc" layers_repo
corpus_mask "$INDEX|repo/\.git/worktrees/.*/index"
corpus_step 'cd repo && git worktree add -q ../wt feature && ls -A ../wt && git -C ../wt log --format="%H %s" && git worktree list | sed "s|$MNT|MNT|"'
corpus_step 'cd repo && git rebase -q feature && git log --format="%H %s" && git format-patch -q -1 -o ../patches && ls ../patches && git reset -q --hard HEAD~1 && git am -q ../patches/*.patch && git log -1 --format="%H %s"'
corpus_step 'cd repo && git worktree remove ../wt && git worktree prune && git tag -a v1 -m v1 && git describe && git notes add -m note && git notes show && git repack -adq && git prune && git count-objects -v | grep -v size && git gc -q --aggressive && git fsck --no-progress && find .git/objects -type f | sed "s/pack-[0-9a-f]*/pack-X/" | sort'

corpus_job "git init, add, commit over merged directories; git clone of the lower repository" layers_repo
corpus_mask "$INDEX"
corpus_step 'cd tree && rm fifo && '"$G"' init -q && git add -A && git commit -q -m init && git ls-files -s && git log --format="%H %s"'
corpus_step 'cd tree && echo edit >>both.txt && rm -r leafy && git status --porcelain && git commit -qam edit && git status --porcelain && git rev-parse HEAD'
# (A plain local clone hard-links the objects and checks that each link has
# the source's inode number: link() of a lower file keeps it.  The clone's
# .git/index holds inode numbers and is masked like the others.)
corpus_step 'git clone -q repo clone && find clone/.git/objects -type f -links 2 | wc -l && cd clone && git log --format="%H %s" && git checkout -q feature && ls -A && git status --porcelain'
corpus_run

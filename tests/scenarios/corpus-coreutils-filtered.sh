#!/bin/bash
# corpus-coreutils-filtered.sh - issue 11: the coreutils corpus
# (corpus-coreutils.sh: cp -a, mv, rm -rf, ln, install, chmod -R, du,
# ls -lR, stat... compared with a kernel overlayfs mount, or a merged copy,
# the lowers checked after each job) once more with the whole tree
# filtered and the preload kept (UNIONENV_SUPERVISE=preload; docs/design.md,
# "The gate"): what the preload serves must leave from the gate, and what
# it does not see (libc's own opens, the loader) is served by the
# supervisor, with the same results.
# tests/run: slow (started first under tests/run -j)
set -u
export UNIONENV_SUPERVISE=preload
exec bash "$(dirname -- "$0")/corpus-coreutils.sh"

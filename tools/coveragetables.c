/* unionenv-coverage: preload/'s two tables, from the X-macro files the
 * library is built from, and tools/path-functions.txt (coverage.h). */
#include "coverage.h"

#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the two tables of preload/ ---------------------------------------- */

const struct wrapped wrapped[] = {
#define COMMA ,
#define W(ret, name, params, args, paths, call, kind) { #name, #kind, #paths },
#define W_PTR(ret, name, params, args, paths, call, kind) { #name, #kind, #paths },
#define W_VOID(name, params, args, paths, call, kind) { #name, #kind, #paths },
#define W_OPEN(name, dirparam, dirarg, paths, call, kind) { #name, #kind, #paths },
#define W_CUSTOM(name, paths, kind) { #name, #kind, #paths },
#define W_FD(ret, name, params, args, fd, kind) { #name, #kind, "NOPATH" },
#include "wrappers.def"
#undef W
#undef W_PTR
#undef W_VOID
#undef W_OPEN
#undef W_CUSTOM
#undef W_FD
};
#define NWRAPPED (sizeof wrapped / sizeof *wrapped)

struct unwrapped unwrapped[] = {
#define U(name, reason) { #name, reason, 0, 0 },
#define U_LIKE(pattern, reason) { pattern, reason, 1, 0 },
#include "unwrapped.def"
#undef U
#undef U_LIKE
};
#define NUNWRAPPED (sizeof unwrapped / sizeof *unwrapped)
const size_t n_wrapped = NWRAPPED;
const size_t n_unwrapped = NUNWRAPPED;

/* tools/path-functions.txt, built in (see tools/coverage.mk). */
__asm__(".section .rodata\n"
        ".global ue_pathfn_text\n"
        "ue_pathfn_text:\n"
        ".incbin \"" UE_PATHFN_FILE "\"\n"
        ".byte 0\n"
        ".previous\n");

/* The table as data: symbol names and kinds, for the lazy lookup of the
 * libc functions behind LIBC() and for `unionenv` tools that list what is wrapped. */
#include "wrap.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

struct ue_wrapped { const char *name, *kind; };

#define COMMA ,
#define W(ret, name, params, args, paths, call, kind) { #name, #kind },
#define W_PTR(ret, name, params, args, paths, call, kind) { #name, #kind },
#define W_VOID(name, params, args, paths, call, kind) { #name, #kind },
#define W_OPEN(name, dirparam, dirarg, paths, call, kind) { #name, #kind },
#define W_CUSTOM(name, paths, kind) { #name, #kind },
#define W_FD(ret, name, params, args, fd, kind) { #name, #kind },
UE_EXPORT const struct ue_wrapped unionenv_wrapped[] = {
#include "wrappers.def"
	{ NULL, NULL }
};

static void *_Atomic libc_fns[UE_FN_COUNT];

void *ue_libc_fn(enum ue_fn fn, const char *name)
{
	void *p = atomic_load_explicit(&libc_fns[fn], memory_order_acquire);
	if (__builtin_expect(p != NULL, 1))
		return p;
	/* Under the filter that lets the gate's calls through, the one-call
	 * functions are made from the gate (preload/gated.c). */
	if (ue_gated && (p = ue_gated_fn(fn)) != NULL) {
		atomic_store_explicit(&libc_fns[fn], p, memory_order_release);
		return p;
	}
	p = dlsym(RTLD_NEXT, name);
	/* The legacy entry points (__xstat...) are compat-only symbols now. */
	if (!p)
		p = dlvsym(RTLD_NEXT, name, "GLIBC_2.2.5");
	if (!p) {
		static const char msg[] = "unionenv: libc lacks a wrapped function: ";
		write(2, msg, sizeof msg - 1);
		write(2, name, strlen(name));
		write(2, "\n", 1);
		_exit(127);
	}
	atomic_store_explicit(&libc_fns[fn], p, memory_order_release);
	return p;
}

/* The resolving entry of every row of the table: ue_call_NAME(params)
 * resolves the row's path arguments from its path column (args.h) with
 * the one pipeline and calls the implementation with the result; -errno
 * (NULL and ue_err for a pointer).  The generated wrappers call it inside
 * their guard; so do the implementations that serve one call by another
 * (remove by unlink and rmdir, mkstemp by openat), the raw system calls
 * (rawcall.c) and the supervisor, for the processes it serves. */
#ifndef UE_CALLS_H
#define UE_CALLS_H

#include "args.h"
#include "impl.h"

#define COMMA ,

/* The path column as statements: P (and Q) declared and resolved, r_
 * holding the pipeline's failure. */
#define NOPATH
#define VIA(path)
#define HAND(path)
#define PATH(path, at, follow, empty, mode)                                     \
	struct ue_arg P_, *const P = &P_;                                       \
	r_ = ue_arg_resolve(P, at, path, follow, empty, mode);
#define PAIR(from, fromat, follow, empty, to, toat, order)                      \
	struct ue_arg P_, Q_, *const P = &P_, *const Q = &Q_;                   \
	r_ = ue_arg_pair(P, fromat, from, follow, empty, Q, toat, to, order);

#define W(ret, name, params, args, paths, call, kind)                           \
	static inline long ue_call_##name params                                \
	{                                                                       \
		long r_ = 0;                                                    \
		paths                                                           \
		if (r_ < 0)                                                     \
			return r_;                                              \
		return (long)(call);                                            \
	}
#define W_PTR(ret, name, params, args, paths, call, kind)                       \
	static inline ret ue_call_##name params                                 \
	{                                                                       \
		long r_ = 0;                                                    \
		paths                                                           \
		if (r_ < 0)                                                     \
			return ue_fail(r_);                                     \
		return (call);                                                  \
	}
#define W_VOID(name, params, args, paths, call, kind)                           \
	static inline void ue_call_##name params                                \
	{                                                                       \
		call;                                                           \
	}
#define W_OPEN(name, dirparam, dirarg, paths, call, kind)                       \
	static inline long ue_call_##name(dirparam const char *path, int flags, mode_t mode) \
	{                                                                       \
		long r_ = 0;                                                    \
		paths                                                           \
		if (r_ < 0)                                                     \
			return r_;                                              \
		return (call);                                                  \
	}
#define W_CUSTOM(name, paths, kind)
#define W_FD(ret, name, params, args, fd, kind)

#include "wrappers.def"

#undef W
#undef W_PTR
#undef W_VOID
#undef W_OPEN
#undef W_CUSTOM
#undef W_FD
#undef NOPATH
#undef VIA
#undef HAND
#undef PATH
#undef PAIR

#endif

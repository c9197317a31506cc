/* The wrappers, generated from wrappers.def: each one enters (re-entry
 * guard, lazy set-up), passes straight to libc when no union is active,
 * calls its row's resolving entry (calls.h: the path arguments resolved
 * from the table's column, then the implementation), and turns -errno
 * into errno. */

/* Optimising, glibc's <bits/stdio.h> defines getline, getchar and the
 * *_unlocked readers inline: the wrappers define them out of line. */
#define __NO_INLINE__ 1

#include "calls.h"
#include "fdtab.h"
#include "impl.h"
#include "trace.h"

/* readdir_r is deprecated, and wrapped all the same: old programs call it. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <unistd.h>

#define COMMA ,

#define W(ret, name, params, args, paths, call, kind)                                  \
	UE_EXPORT ret name params                                               \
	{                                                                       \
		int saved = errno;                                              \
		if (!ue_enter()) {                                              \
			ue_leave();                                             \
			return LIBC(name) args;                                 \
		}                                                               \
		if (ue_trace_on)                                                \
			ue_trace_begin(#name);                                  \
		long r = (long)(ue_call_##name args);                           \
		if (ue_trace_on)                                                \
			ue_trace_end(r, 0, 0);                                  \
		ue_leave();                                                     \
		return (ret)ue_done(r, saved);                                  \
	}

#define W_PTR(ret, name, params, args, paths, call, kind)                              \
	UE_EXPORT ret name params                                               \
	{                                                                       \
		int saved = errno;                                              \
		if (!ue_enter()) {                                              \
			ue_leave();                                             \
			return LIBC(name) args;                                 \
		}                                                               \
		ue_err = 0;                                                     \
		if (ue_trace_on)                                                \
			ue_trace_begin(#name);                                  \
		ret r = (ue_call_##name args);                                  \
		if (ue_trace_on)                                                \
			ue_trace_end(r != 0, 1, ue_err);                        \
		ue_leave();                                                     \
		errno = (!r && ue_err) ? ue_err : saved;                        \
		return r;                                                       \
	}

#define W_VOID(name, params, args, paths, call, kind)                                  \
	UE_EXPORT void name params                                              \
	{                                                                       \
		int saved = errno;                                              \
		if (!ue_enter()) {                                              \
			ue_leave();                                             \
			LIBC(name) args;                                        \
			return;                                                 \
		}                                                               \
		if (ue_trace_on)                                                \
			ue_trace_begin(#name);                                  \
		ue_call_##name args;                                            \
		if (ue_trace_on)                                                \
			ue_trace_end(0, 0, 0);                                  \
		ue_leave();                                                     \
		errno = saved;                                                  \
	}

/* open(2) and friends: the mode is there only when the flags create. */
#define W_OPEN(name, dirparam, dirarg, paths, call, kind)                              \
	UE_EXPORT int name(dirparam const char *path, int flags, ...)           \
	{                                                                       \
		mode_t mode = 0;                                                \
		if (__OPEN_NEEDS_MODE(flags)) {                                 \
			va_list ap;                                             \
			va_start(ap, flags);                                    \
			mode = va_arg(ap, mode_t);                              \
			va_end(ap);                                             \
		}                                                               \
		int saved = errno;                                              \
		if (!ue_enter()) {                                              \
			ue_leave();                                             \
			return LIBC(name)(dirarg path, flags, mode);            \
		}                                                               \
		if (ue_trace_on)                                                \
			ue_trace_begin(#name);                                  \
		long r = ue_call_##name(dirarg path, flags, mode);              \
		if (ue_trace_on)                                                \
			ue_trace_end(r, 0, 0);                                  \
		ue_leave();                                                     \
		return (int)ue_done(r, saved);                                  \
	}

/* A call that reads through an fd: the fd first follows a copy-up of its
 * file.  No path is resolved, so no guard: a bit test for an fd that was
 * not opened on a lower, a function call without any system call for one
 * whose file has not changed.  getc runs once per character: the real
 * function is kept at hand. */
#define W_FD(ret, name, params, args, fd, kind)                                 \
	UE_EXPORT ret name params                                               \
	{                                                                       \
		static __typeof__(&name) real;                                  \
		__typeof__(&name) r = __atomic_load_n(&real, __ATOMIC_RELAXED); \
		ue_fd_follow(fd);                                               \
		if (__builtin_expect(!r, 0))                                    \
			__atomic_store_n(&real, r = LIBC(name), __ATOMIC_RELAXED); \
		return r args;                                                  \
	}

#define W_CUSTOM(name, paths, kind)

#include "wrappers.def"

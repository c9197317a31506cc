/* The trace (UNIONENV_TRACE=FILE, the launcher's --trace FILE): one line
 * per call the union translated, from every process of the tree, appended
 * to FILE:
 *
 *     PID CALL "PATH" -> LAYER REAL [, "PATH2" -> LAYER REAL] [; EVENT REL]... = RESULT
 *
 * PATH as the program gave it; LAYER upper, lowerN (1 the highest),
 * "new" for a name no layer holds yet (REAL is where a create puts it),
 * outside (a path that left the union through it), or "failed" when the
 * path could not be resolved (REAL is then empty); EVENTs are the
 * copy-ups, whiteouts and opaque markers the call made (REL below the
 * union's root); RESULT the return value, or -1 and the errno's name.
 *
 * A call the supervisor served (a static or Go program's system call)
 * reads "syscall:NAME", with the calling thread's id as PID, PATH the
 * string the program gave (not the absolute path the supervisor made of
 * it), and RESULT may be "fd" (an fd given), "kernel" (left to the
 * kernel) or "restarted" (chdir, execve: the call comes again with a real
 * path, and its line shows the program's string too).
 *
 * Off (the default), each wrapper pays one test of ue_trace_on.  On, the
 * call's record is kept per thread and written by one append at its end,
 * so the lines of racing processes do not mix. */
#ifndef UE_TRACE_H
#define UE_TRACE_H

struct ue_path;

extern int ue_trace_on;

/* Start tracing into file (absolute; NULL or empty: off).  Called at
 * start-up; again (tests) to switch. */
void ue_trace_init(const char *file);
/* A wrapper of libc's call named call begins / ends with result r (for a
 * call returning a pointer, ptr: r is 0 for NULL, else 1; err its errno). */
void ue_trace_begin(const char *call);
void ue_trace_end(long r, int ptr, int err);
/* The supervisor's: a system call of thread pid served (its line says
 * "syscall:CALL"), and ended with words instead of a number ("fd": an fd
 * given to the caller; "kernel": left to the kernel, outside the union). */
void ue_trace_begin_for(const char *call, int pid);
void ue_trace_end_words(const char *result);
/* What p resolved to (r: the resolution's result), for the call under
 * way; given: the path as the program wrote it (NULL: a second look at
 * the same path, e.g. after a copy-up moved it to the upper). */
void ue_trace_resolved(const struct ue_path *p, const char *given, int r);
/* The supervisor's: it resolves abs, the absolute path it made of the
 * string the program gave; the line shows given for it. */
void ue_trace_given(const char *abs, const char *given);
/* Something the call did to the upper: what ("copy-up", "whiteout",
 * "opaque") at path: a union path (relative), or a real path in the upper. */
void ue_trace_event(const char *what, const char *path);

#endif

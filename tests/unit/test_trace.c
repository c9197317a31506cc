/* core/trace.c: one line per call the union translated, appended at the
 * call's end: the path as given, the layer and real path it reached, the
 * events, the result. */
#include "fixture.h"
#include "resolve.h"
#include "tap.h"
#include "trace.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const tree[] = { "L1 f a one", "L2 f b two", "U f u up", NULL };

static char file[4096], lines[8][8192];

/* The trace file's lines into lines[]: how many. */
static int read_lines(void)
{
	FILE *f = fopen(file, "r");
	int n = 0;
	while (f && n < 8 && fgets(lines[n], sizeof lines[n], f))
		n++;
	if (f)
		fclose(f);
	return n;
}

static void traced(const char *call, const char *rel, long r)  /* rel: in the mount */
{
	struct ue_path p;
	char v[4096];
	snprintf(v, sizeof v, "%s/%s", fx_mount(), rel);
	ue_trace_begin(call);
	ue_resolve(AT_FDCWD, v, 0, &p);   /* the resolver tells the trace */
	ue_trace_end(r, 0, 0);
}

void test_trace(void)
{
	char want[8192];
	fx_setup(2, tree);
	snprintf(file, sizeof file, "%s", fx_path("trace.log", ""));
	ue_trace_init("relative.log");
	is_int(ue_trace_on, 0, "trace_init: a relative file: off");
	snprintf(want, sizeof want, "%s/x.log", fx_mount());
	ue_trace_init(want);
	is_int(ue_trace_on, 0, "trace_init: a file inside the union: off");
	ue_trace_init(file);
	is_int(ue_trace_on, 1, "trace_init: on");

	traced("stat", "b", 0);
	is_int(read_lines(), 1, "trace: one line per call");
	snprintf(want, sizeof want, "%d stat \"%s/b\" -> lower2 \"%s\" = 0\n", (int)getpid(), fx_mount(), fx_path("L2", "b"));
	is_str(lines[0], want, "trace: pid, call, the path as given, its layer and real path, the result");
	traced("open", "new", -ENOENT);
	read_lines();
	ok(strstr(lines[1], "/new\" -> new ") && strstr(lines[1], " = -1 ENOENT\n"), "trace: a new name, an errno by name");
	ue_trace_begin("unlink");
	struct ue_path p;
	snprintf(want, sizeof want, "%s/a", fx_mount());
	ue_resolve(AT_FDCWD, want, 0, &p);
	ue_trace_event("whiteout", "a");
	ue_trace_end(0, 0, 0);
	read_lines();
	ok(strstr(lines[2], "/a\" -> lower1 ") && strstr(lines[2], "; whiteout \"a\" = 0\n"), "trace: the events the call made");
	ue_trace_begin("getcwd");
	ue_trace_end(0, 0, 0);
	ue_trace_begin("open");
	ue_resolve(AT_FDCWD, "/etc/passwd", 0, &p);
	ue_trace_end(3, 0, 0);
	is_int(read_lines(), 3, "trace: a call with nothing of the union's writes no line");
	ue_trace_begin_for("openat", 4242);
	snprintf(want, sizeof want, "%s/u", fx_mount());
	ue_trace_given(want, "u");
	ue_resolve(AT_FDCWD, want, 0, &p);
	ue_trace_end_words("fd");
	read_lines();
	ok(!strncmp(lines[3], "4242 syscall:openat \"u\" -> upper ", 33) && strstr(lines[3], " = fd\n"),
	   "trace: the supervisor's: thread, syscall:NAME, the string the program gave, words");
	ue_trace_init(NULL);
	is_int(ue_trace_on, 0, "trace_init: NULL: off");
	fx_teardown();
}

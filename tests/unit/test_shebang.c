/* core/shebang.c: the #! line read as the kernel's binfmt_script reads
 * it: the interpreter, and at most one argument, the rest of the line. */
#include "shebang.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <stdio.h>

static const struct {
	const char *line, *interp, *arg;  /* interp NULL: -ENOEXEC */
} cases[] = {
	{ "#!/bin/sh\necho hi\n", "/bin/sh", NULL },
	{ "#!/bin/sh", "/bin/sh", NULL },
	{ "#! /usr/bin/env python3\n", "/usr/bin/env", "python3" },
	{ "#!/usr/bin/awk -f\n", "/usr/bin/awk", "-f" },
	{ "#!/bin/sh -e -x \t\n", "/bin/sh", "-e -x" },
	{ "#!\t/bin/bash\t \n", "/bin/bash", NULL },
	{ "#!/bin/sh \n", "/bin/sh", NULL },
	{ "#!\n", NULL, NULL },
	{ "#!   \n/bin/sh\n", NULL, NULL },
	{ "# !/bin/sh\n", NULL, NULL },
	{ "\x7f" "ELF", NULL, NULL },
	{ "", NULL, NULL },
};

void test_shebang(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char line[64], *interp = NULL, *arg = (char *)"unset";
		snprintf(line, sizeof line, "%s", cases[i].line);
		int r = ue_shebang_parse(line, &interp, &arg);
		if (!cases[i].interp) {
			is_int(r, -ENOEXEC, "shebang %zu: no interpreter: ENOEXEC", i);
			continue;
		}
		is_int(r, 0, "shebang %zu: read", i);
		is_str(interp, cases[i].interp, "shebang %zu: the interpreter", i);
		if (cases[i].arg)
			is_str(arg, cases[i].arg, "shebang %zu: one argument, the rest of the line, blanks around it cut", i);
		else
			ok(arg == NULL, "shebang %zu: no argument", i);
	}
}

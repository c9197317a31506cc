/* progcheck: find a program as a union will show it and judge whether the
 * union can follow it (core/followable.c's verdict).  Shared by the check
 * tool (tools/check.c, for users) and the launcher (launcher/, before it
 * execs COMMAND), so the launcher needs no exec of the check tool. */
#ifndef UE_PROGCHECK_H
#define UE_PROGCHECK_H

#include <limits.h>
#include <stdio.h>
#include <stddef.h>

#define UE_PC_MAX_LOWERS 64

enum ue_pc_verdict { UE_PC_FOLLOWED, UE_PC_NOT_FOLLOWED, UE_PC_NOT_FOUND, UE_PC_CANNOT_RUN, UE_PC_SUPERVISED };

struct ue_pc_result {
	enum ue_pc_verdict v;
	char reason[PATH_MAX + 256];    /* fits after "is" and after "not followed: " */
	int supervise;          /* the supervisor can follow it (static, another libc, Go) */
	/* UE_PC_FOLLOWED for the program itself (not a script without #!
	 * judged through /bin/sh): the real path, for the caller's scan. */
	char real[PATH_MAX];
};

/* The union's view: paths under mount resolve through the layers. */
struct ue_pc_view {
	const char *mount;      /* canonical, no trailing slash; NULL: no union */
	size_t mlen;
	const char *layer[UE_PC_MAX_LOWERS + 1];        /* [0] upper, then the lowers */
	int nlayers;
};

/* Find PROGRAM as execvp would (PATH, default "/bin:/usr/bin") through the
 * view, and judge it. */
void ue_pc_check(const struct ue_pc_view *view, const char *program, struct ue_pc_result *r);

/* What the launcher does before exec: 0 run it (followed, or it cannot be
 * found or run: exec will say so), 3 run it under the supervisor (only
 * when SUPERVISOR: one is there), 126 refused after one line on stderr;
 * with ALLOW, a warning line and 0 instead of the refusal. */
#define UE_PC_EX_SUPERVISE 3
#define UE_PC_EX_REFUSED 126
int ue_pc_launch(const struct ue_pc_view *view, const char *program, int allow, int supervisor);

/* S on F in one line: a newline is written as "\n". */
void ue_pc_put_name(FILE *f, const char *s);

#endif

/* The launcher (build/unionenv-launch, run by unionenv.sh / the installed
 * `unionenv`): checks the layers once, up front, creates nothing until
 * every check has passed, then sets the environment and execs COMMAND
 * (through env, under the preload, or under the supervisor).
 *
 * The preloaded library cannot report a bad configuration well: it runs in
 * every process and must never write or exit on its own.  Refusals are one
 * line on stderr, "unionenv: ...", and status 125; 126, 127 and COMMAND's
 * own status come from what runs it. */
#ifndef UE_LAUNCHER_H
#define UE_LAUNCHER_H

#include <stddef.h>

#define EX_OWN 125
#define UE_LAUNCH_MAX_LOWERS 64

/* ---- options (options.c) ---- */
struct launch_opts {
	const char *lower, *upper, *mount, *format, *trace, *work;
	int seen_lower, seen_upper, seen_mount, seen_format, seen_trace, seen_work;
	int allow;              /* --allow-unfollowed */
	int supervise;          /* --supervise, UNIONENV_SUPERVISE=1 or =preload */
	char **cmd;             /* COMMAND and its arguments, NULL-terminated */
};

/* Parse argv (after the program name, "run" already taken off); exits on
 * --help, --version and every error. */
void parse_options(int argc, char **argv, struct launch_opts *o);

/* ---- the checked layers (layers.c) ---- */
struct launch_layers {
	char *lower[UE_LAUNCH_MAX_LOWERS];      /* canonical, highest first */
	int nlowers;
	char *upper;            /* canonical */
	int upper_exists;
	char *work;             /* canonical, or NULL: --work not given */
	int work_exists;
	char *mount;            /* canonical */
	char *trace;            /* canonical, or NULL */
	char *passthrough;      /* colon list for a whole-root union, or NULL */
};

/* Every check of the layers, in the order and with the messages of the
 * launcher's contract; exits 125 on the first that fails.  Creates
 * nothing but the (emptied) trace file. */
void check_layers(const struct launch_opts *o, struct launch_layers *l);

/* ---- the layers' token (token.c) ---- */
/* After UNIONENV_LOWER, _UPPER, _MOUNT, _WORK and _UPPER_FORMAT are set:
 * UNIONENV_CHECKED for the command's library, or unset where none can be
 * made. */
void set_layers_token(void);

/* ---- the exec (direct.c) ---- */
/* The file to exec for CMD without env in between, when the union cannot
 * change what execvp finds (malloc'd), else NULL. */
char *direct_path(const struct launch_layers *l, const char *cmd);

/* ---- helpers (util.c) ---- */
/* One line "unionenv: MESSAGE" (a newline in it written as "\n"), exit 125. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* realpath -e (every component exists) and realpath -m (none need):
 * a malloc'd canonical absolute path, or NULL. */
char *canon_existing(const char *path);
char *canon_missing(const char *path);
/* A is B or lies below it (canonical paths only). */
int is_inside(const char *a, const char *b);
/* "a:b:c" of N strings, malloc'd. */
char *join_colon(char *const *items, int n);

#endif

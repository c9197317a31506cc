/* The launcher's command line: unionenv [run] OPTION... [--] [COMMAND [ARG...]]
 * (launcher.h).  A repeated option is refused rather than "last one wins":
 * with layers, silently dropping one is worse than asking. */
#include "launcher.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERSION "0.1.0"

static void usage(void)
{
	fputs(
	"Usage: unionenv [run] --lower DIR[:DIR...] --upper DIR [--mount DIR] [--work DIR] [--] [COMMAND [ARG...]]\n"
	"       unionenv --help | --version\n"
	"\n"
	"Run COMMAND with the lower directories merged (first is highest) at the\n"
	"mount path, every write landing in the upper directory. The lowers are\n"
	"never modified. Without COMMAND, run \"$SHELL -i\" (default /bin/sh).\n"
	"\n"
	"Options:\n"
	"  --lower DIR[:DIR...]  read-only layers, highest first (as overlayfs lowerdir)\n"
	"  --upper DIR           writable layer; created when missing\n"
	"  --mount DIR           where the union appears (default: the first lower)\n"
	"  --work DIR            work directory, as overlayfs' workdir: on the upper's\n"
	"                        filesystem, outside every layer; created when missing.\n"
	"                        Its index (DIR/index) keeps a lower file's hard links\n"
	"                        one file across copy-up, as overlayfs' index=on\n"
	"  --upper-format FORM   markers written in the upper: auto (default: the\n"
	"                        form it holds, else the first its filesystem takes),\n"
	"                        device (char 0/0 whiteouts), xattr (the kernel's\n"
	"                        xattr whiteouts), aufs (OCI .wh. files)\n"
	"  --allow-unfollowed    run COMMAND even when the union cannot follow it\n"
	"                        (setuid...; a static or Go program then runs with a\n"
	"                        warning, not supervised; see unionenv check)\n"
	"  --supervise           serve every system call of the whole tree in a\n"
	"                        supervisor (as for a static or Go COMMAND), not the\n"
	"                        preloaded library; also UNIONENV_SUPERVISE=1\n"
	"  --trace FILE          one line per call the union translated, from every\n"
	"                        process, written to FILE (outside the union; see\n"
	"                        unionenv(1), TRACE)\n"
	"  --help                show this help and exit\n"
	"  --version             show the version and exit\n"
	"\n"
	"Options also take the form --lower=DIR. Exit status: 125 for unionenv's own\n"
	"errors, 126 if COMMAND cannot run or the union cannot follow it, 127 if it\n"
	"is not found, else its status.\n"	, stdout);
}

static void set_opt(struct launch_opts *o, const char *name, const char *value)
{
	if (!strcmp(name, "lower")) {
		if (o->seen_lower)
			die("option '--lower' given twice");
		o->seen_lower = 1, o->lower = value;
	} else if (!strcmp(name, "upper")) {
		if (o->seen_upper)
			die("option '--upper' given twice");
		o->seen_upper = 1, o->upper = value;
	} else if (!strcmp(name, "mount")) {
		if (o->seen_mount)
			die("option '--mount' given twice");
		o->seen_mount = 1, o->mount = value;
	} else if (!strcmp(name, "upper-format")) {
		if (o->seen_format)
			die("option '--upper-format' given twice");
		static const char *const forms[] = { "auto", "device", "xattr", "aufs", "oci" };
		size_t i = 0;
		while (i < sizeof forms / sizeof *forms && strcmp(value, forms[i]))
			i++;
		if (i == sizeof forms / sizeof *forms)
			die("unknown --upper-format '%s' (auto, device, xattr, aufs)", value);
		o->seen_format = 1, o->format = value;
	} else if (!strcmp(name, "work")) {
		if (o->seen_work)
			die("option '--work' given twice");
		o->seen_work = 1, o->work = value;
	} else if (!strcmp(name, "trace")) {
		if (o->seen_trace)
			die("option '--trace' given twice");
		o->seen_trace = 1, o->trace = value;
	}
}

/* NAME (without "--") is one of the options that take a value. */
static int takes_value(const char *name, size_t len)
{
	static const char *const names[] = { "lower", "upper", "mount", "upper-format", "trace", "work" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strlen(names[i]) == len && !strncmp(name, names[i], len))
			return 1;
	return 0;
}

void parse_options(int argc, char **argv, struct launch_opts *o)
{
	static char *shell_cmd[3] = { "/bin/sh", "-i", NULL };
	const char *sup = getenv("UNIONENV_SUPERVISE");
	int i = 0;
	memset(o, 0, sizeof *o);
	o->format = "auto";
	/* =preload: the whole tree filtered, the library kept (docs/design.md,
	 * "The gate"); the supervisor reads the variable itself. */
	o->supervise = sup && (!strcmp(sup, "1") || !strcmp(sup, "preload"));
	while (i < argc) {
		const char *a = argv[i];
		const char *eq = strchr(a, '=');
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage();
			exit(0);
		} else if (!strcmp(a, "--version")) {
			puts("unionenv " VERSION);
			exit(0);
		} else if (!strcmp(a, "--allow-unfollowed")) {
			o->allow = 1, i++;
		} else if (!strcmp(a, "--supervise")) {
			o->supervise = 1, i++;
		} else if (!strncmp(a, "--", 2) && takes_value(a + 2, strlen(a + 2))) {
			/* A following option is a forgotten value, not a directory
			 * named "--upper"; such a directory can be given as --lower=--x. */
			if (i + 1 >= argc || !strncmp(argv[i + 1], "--", 2))
				die("option '%s' needs a value", a);
			set_opt(o, a + 2, argv[i + 1]);
			i += 2;
		} else if (!strncmp(a, "--", 2) && eq && takes_value(a + 2, (size_t)(eq - a - 2))) {
			char name[16];
			snprintf(name, sizeof name, "%.*s", (int)(eq - a - 2), a + 2);
			set_opt(o, name, eq + 1);
			i++;
		} else if (a[0] == '-') {
			die("unknown option '%s'", a);
		} else {
			break;
		}
	}
	o->cmd = argv + i;
	if (!o->seen_lower)
		die("missing --lower (see --help)");
	if (!o->seen_upper)
		die("missing --upper (see --help)");
	/* No command (nothing, or nothing after --): an interactive shell, as
	 * chroot(8) and unshare(1) start: $SHELL from the environment (only
	 * exported variables reach us), else /bin/sh.  An empty name given as
	 * COMMAND stays an error. */
	if (i >= argc) {
		const char *shell = getenv("SHELL");
		if (shell && *shell)
			shell_cmd[0] = (char *)shell;
		o->cmd = shell_cmd;
	}
	if (!o->cmd[0][0])
		die("empty command");
}

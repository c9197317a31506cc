/* unionenv-launch: the launcher in one process (launcher.h).  unionenv.sh
 * (installed as `unionenv`) execs it from the directory of the library and
 * the tools, which is this program's own: an installed tree can move whole.
 *
 * Order: the options, the layers, the library, the verdict on COMMAND;
 * only when every check has passed is anything created (the upper), then
 * the upper's form is chosen and COMMAND runs under the preload (through
 * env, whose execvp then looks COMMAND up in union terms and whose 126 and
 * 127 are the contract, unless the union cannot change what it finds:
 * direct.c) or under the supervisor. */
#include "launcher.h"
#include "form.h"
#include "formpick.h"
#include "progcheck.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory of the library and of the subcommands' programs: this
 * program's own, canonical. */
static char *lib_dir(const char *argv0)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *c;
	if (n > 0) {
		self[n] = '\0';
		c = strdup(self);
	} else {
		c = canon_existing(argv0);
	}
	if (!c || !strrchr(c, '/'))
		die("cannot locate the launcher itself");
	*strrchr(c, '/') = '\0';
	return *c ? c : strdup("/");
}

/* The subcommands are programs of their own beside the library, named
 * unionenv-SUBCOMMAND (built from tools/); they get the remaining arguments. */
static void run_tool(const char *dir, const char *name, int argc, char **argv)
{
	char *path;
	if (asprintf(&path, "%s/unionenv-%s", dir, name) < 0)
		die("out of memory");
	if (access(path, X_OK) != 0)
		die("%s: program '%s' not found (run make first)", name, path);
	char **args = calloc((size_t)argc + 2, sizeof *args);
	args[0] = path;
	memcpy(args + 1, argv, (size_t)argc * sizeof *argv);
	execv(path, args);
	die("%s: cannot run '%s': %s", name, path, strerror(errno));
}

static char *find_library(const char *dir)
{
	char *path, *lib;
	struct stat st;
	if (asprintf(&path, "%s/libunionenv.so", dir) < 0)
		die("out of memory");
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		die("library '%s' not found (run make first)", path);
	if (!(lib = canon_existing(path)))
		die("library '%s' cannot be resolved", path);
	/* The dynamic loader splits LD_PRELOAD at spaces and colons. */
	if (strpbrk(lib, " \t\n\v\f\r:"))
		die("library path '%s' contains a space or ':', which LD_PRELOAD cannot hold", lib);
	free(path);
	return lib;
}

/* A program the preload cannot follow (statically linked, a Go program,
 * setuid...) would run outside the union without a word: judged here as
 * the union will show COMMAND (tools/progcheck.c).  One the supervisor
 * follows runs under it; any other (set-id: under the filter's
 * no_new_privs it would lose its privileges) is refused with one line and
 * status 126, before anything is created.  With --allow-unfollowed there
 * is nothing to refuse and nothing is supervised: the library itself warns
 * when env starts COMMAND, as it does for every later exec. */
static void check_command(struct launch_opts *o, const struct launch_layers *l, const char *supervisor)
{
	struct ue_pc_view view = { .mount = l->mount, .mlen = strlen(l->mount) };
	if (o->allow)
		return;
	view.layer[view.nlayers++] = l->upper;
	for (int i = 0; i < l->nlowers; i++)
		view.layer[view.nlayers++] = l->lower[i];
	int st = ue_pc_launch(&view, o->cmd[0], 0, supervisor != NULL);
	if (st == UE_PC_EX_SUPERVISE)
		o->supervise = 1;
	else if (st == UE_PC_EX_REFUSED)
		exit(UE_PC_EX_REFUSED);
}

/* mkdir -p, for the upper whose every missing part check_layers found
 * creatable. */
static int make_dirs(const char *path)
{
	char *p = strdup(path);
	for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		if (!s)
			break;
		*s = '/';
	}
	struct stat st;
	int ok = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return ok ? 0 : -1;
}

/* LIB first in LD_PRELOAD, dropping an earlier copy so that a nested
 * unionenv does not load the library twice.  (The library's other role, the
 * loader's audit module, is given by the library itself to the children
 * that may load libraries from the union.) */
static char *loader_list(const char *lib, const char *current)
{
	size_t cap = strlen(lib) + (current ? strlen(current) : 0) + 2;
	char *out = malloc(cap), *copy = strdup(current ? current : ""), *save = NULL;
	strcpy(out, lib);
	for (char *w = strtok_r(copy, " :", &save); w; w = strtok_r(NULL, " :", &save))
		if (strcmp(w, lib))
			strcat(strcat(out, " "), w);
	free(copy);
	return out;
}

static void set_or_unset(const char *name, const char *value)
{
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

int main(int argc, char **argv)
{
	struct launch_opts o;
	struct launch_layers l;
	char *dir = lib_dir(argv[0]);
	argc--, argv++;
	if (argc > 0 && !strcmp(argv[0], "run")) {
		argc--, argv++;
	} else if (argc > 0) {
		static const char *const tools[] = { "diff", "export", "import", "commit", "convert", "fsck", "check" };
		for (size_t i = 0; i < sizeof tools / sizeof *tools; i++)
			if (!strcmp(argv[0], tools[i]))
				run_tool(dir, argv[0], argc - 1, argv + 1);
	}
	parse_options(argc, argv, &o);
	check_layers(&o, &l);
	char *lib = find_library(dir);
	char *libdir = strndup(lib, (size_t)(strrchr(lib, '/') - lib));
	char *supervisor = NULL;
	if (asprintf(&supervisor, "%s/unionenv-supervise", libdir) < 0)
		die("out of memory");
	if (access(supervisor, X_OK) != 0) {
		if (o.supervise)
			die("--supervise: program '%s' not found (run make first)", supervisor);
		supervisor = NULL;
	}
	check_command(&o, &l, supervisor);
	/* Every check passed: only now may anything be created. */
	if (!l.upper_exists && make_dirs(l.upper) != 0)
		die("cannot create upper '%s'", l.upper);
	/* The index as the kernel makes it in its workdir (core/index.h). */
	char *index = NULL;
	if (l.work && (asprintf(&index, "%s/index", l.work) < 0 || make_dirs(index) != 0))
		die("cannot create work '%s'", l.work);
	/* Which markers the library writes in the upper, said once here
	 * rather than found out by each process. */
	int form = ue_form_pick(l.upper, o.format);
	if (form < 0) {
		if (!l.upper_exists)
			rmdir(l.upper);
		exit(EX_OWN);
	}
	setenv("UNIONENV_UPPER_FORMAT", ue_form_name(form), 1);
	setenv("UNIONENV_LOWER", join_colon(l.lower, l.nlowers), 1);
	setenv("UNIONENV_UPPER", l.upper, 1);
	setenv("UNIONENV_MOUNT", l.mount, 1);
	setenv("UNIONENV_LIB", lib, 1);
	/* Every exec of the union applies the launcher's rule (preload/follow.c). */
	set_or_unset("UNIONENV_ALLOW_UNFOLLOWED", o.allow ? "1" : NULL);
	set_or_unset("UNIONENV_TRACE", l.trace);
	set_or_unset("UNIONENV_PASSTHROUGH", l.passthrough);
	set_or_unset("UNIONENV_WORK", l.work);
	set_layers_token();
	char *preload = loader_list(lib, getenv("LD_PRELOAD"));
	int n = 0;
	while (o.cmd[n])
		n++;
	char **args = calloc((size_t)n + 3, sizeof *args);
	memcpy(args + 2, o.cmd, (size_t)n * sizeof *args);
	args[1] = "--";
	if (o.supervise) {
		/* A supervised tree runs without the library: the supervisor
		 * serves every call, once (docs/design.md, "The supervisor"); it
		 * stays the command's parent and passes its exit status on. */
		const char *rest = preload + strlen(lib);
		set_or_unset("LD_PRELOAD", *rest ? rest + 1 : NULL);
		args[0] = supervisor;
		/* Found outside the union's reach, COMMAND is named to it: its
		 * child's execvp would look along PATH under the filter, each
		 * missing candidate a round trip to the supervisor. */
		char *direct = direct_path(&l, o.cmd[0]);
		char **named = direct ? calloc((size_t)n + 5, sizeof *named) : NULL;
		if (named) {
			named[0] = supervisor;
			named[1] = "--exec";
			named[2] = direct;
			memcpy(named + 3, args + 1, ((size_t)n + 1) * sizeof *named);
			execv(supervisor, named);
		}
		execv(supervisor, args);
	} else {
		setenv("LD_PRELOAD", preload, 1);
		/* Judged followed above: the library, loaded into COMMAND,
		 * would let it run.  With --allow-unfollowed the library's
		 * warning at env's exec is wanted: through env. */
		char *direct = o.allow ? NULL : direct_path(&l, o.cmd[0]);
		if (direct)
			execv(direct, o.cmd);
		args[0] = "env";
		execvp("env", args);
	}
	int err = errno;
	fprintf(stderr, "unionenv: %s: %s\n", args[0], strerror(err));
	return err == ENOENT ? 127 : 126;
}

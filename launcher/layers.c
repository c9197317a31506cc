/* The launcher's checks of the layers, the mount and the trace file
 * (launcher.h): each refusal one line and status 125, before anything is
 * created. */
#include "launcher.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* access(2) with the effective ids, as test(1)'s -r -w -x. */
static int may(const char *p, int mode)
{
	return faccessat(AT_FDCWD, p, mode, AT_EACCESS) == 0;
}

/* Device and inode, so that two paths to one directory (bind mounts)
 * count as the same directory even when their canonical names differ.
 * Two paths that cannot be looked at count as the same, as they did. */
static int same_dir(const char *a, const char *b)
{
	struct stat sa, sb;
	int ea = stat(a, &sa), eb = stat(b, &sb);
	if (ea || eb)
		return ea && eb;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void check_one_lower(const char *given, struct launch_layers *l)
{
	if (!exists(given))
		die("lower '%s' does not exist", given);
	if (!is_dir(given))
		die("lower '%s' is not a directory", given);
	char *c = canon_existing(given);
	if (!c)
		die("lower '%s' cannot be resolved", given);
	if (!may(c, R_OK) || !may(c, X_OK))
		die("lower '%s' is not readable", given);
	/* The preload's layer list is colon-separated, with no escape. */
	if (strchr(c, ':'))
		die("lower '%s' contains ':', which a layer list cannot hold", c);
	if (l->nlowers == UE_LAUNCH_MAX_LOWERS - 1)
		die("too many lowers (at most %d)", UE_LAUNCH_MAX_LOWERS - 1);
	l->lower[l->nlowers++] = c;
}

static void check_lowers(const char *given, struct launch_layers *l)
{
	if (!*given)
		die("empty --lower");
	/* "a:" is an error like "a::b". */
	for (const char *p = given;;) {
		const char *end = strchrnul(p, ':');
		if (end == p)
			die("empty element in --lower '%s'", given);
		char *elem = strndup(p, (size_t)(end - p));
		check_one_lower(elem, l);
		free(elem);
		if (!*end)
			break;
		p = end + 1;
	}
	for (int i = 0; i < l->nlowers; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(l->lower[i], l->lower[j]) || same_dir(l->lower[i], l->lower[j]))
				die("the same directory is given twice as a lower: '%s'", l->lower[i]);
}

/* The nearest directory of canonical path p that exists (malloc'd). */
static char *nearest(const char *p)
{
	char *probe = strdup(p);
	while (!exists(probe)) {
		char *slash = strrchr(probe, '/');
		if (slash == probe)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	return probe;
}

static void check_upper(const char *given, struct launch_layers *l)
{
	struct stat st;
	if (!*given)
		die("empty --upper");
	if (exists(given) || lstat(given, &st) == 0) {
		if (!exists(given))
			die("upper '%s' is a dangling symbolic link", given);
		if (!is_dir(given))
			die("upper '%s' is not a directory", given);
		if (!(l->upper = canon_existing(given)))
			die("upper '%s' cannot be resolved", given);
		l->upper_exists = 1;
		if (!may(l->upper, R_OK) || !may(l->upper, W_OK) || !may(l->upper, X_OK))
			die("upper '%s' is not writable", given);
	} else {
		/* Missing: resolve what exists of it, and make sure mkdir -p
		 * can create the rest before anything is created. */
		if (!(l->upper = canon_missing(given)))
			die("upper '%s' cannot be resolved", given);
		char *probe = nearest(l->upper);
		if (!is_dir(probe))
			die("upper '%s': '%s' is not a directory", given, probe);
		if (!may(probe, W_OK) || !may(probe, X_OK))
			die("upper '%s' cannot be created: '%s' is not writable", given, probe);
		free(probe);
	}
	for (int i = 0; i < l->nlowers; i++) {
		const char *low = l->lower[i];
		if (!strcmp(l->upper, low) || (l->upper_exists && same_dir(l->upper, low)))
			die("upper '%s' is the same directory as a lower", l->upper);
		/* A whole-root union (DESIGN use case 4) necessarily holds its
		 * upper: the union leaves it, and the kernel's pseudo
		 * filesystems, to the kernel (see whole_root_passthrough). */
		if (strcmp(low, "/") && is_inside(l->upper, low))
			die("upper '%s' is inside lower '%s'", l->upper, low);
		if (is_inside(low, l->upper))
			die("lower '%s' is inside upper '%s'", low, l->upper);
	}
}

static void check_mount(const struct launch_opts *o, struct launch_layers *l)
{
	const char *given = o->mount;
	if (!o->seen_mount) {
		l->mount = l->lower[0];
		return;
	}
	if (!*given)
		die("empty --mount");
	if (!exists(given))
		die("mount '%s' does not exist", given);
	if (!is_dir(given))
		die("mount '%s' is not a directory", given);
	if (!(l->mount = canon_existing(given)))
		die("mount '%s' cannot be resolved", given);
	if (is_inside(l->mount, l->upper))
		die("mount '%s' is inside upper '%s'", l->mount, l->upper);
}

/* The work directory (--work): overlayfs' workdir, whose index keeps a
 * lower file's hard links one file (core/index.h).  As the kernel asks: on
 * the upper's filesystem (the index's entries are links of the upper's
 * files), neither inside the upper nor holding it; and, as everything the
 * union writes, outside every lower. */
static void check_work(const struct launch_opts *o, struct launch_layers *l)
{
	const char *given = o->work;
	struct stat st, wst, ust;
	if (!o->seen_work)
		return;
	if (!*given)
		die("empty --work");
	if (lstat(given, &st) == 0 && !exists(given))
		die("work '%s' is a dangling symbolic link", given);
	l->work_exists = exists(given);
	if (l->work_exists && !is_dir(given))
		die("work '%s' is not a directory", given);
	if (!(l->work = l->work_exists ? canon_existing(given) : canon_missing(given)))
		die("work '%s' cannot be resolved", given);
	char *probe = nearest(l->work), *up = nearest(l->upper);
	if (!is_dir(probe))
		die("work '%s': '%s' is not a directory", given, probe);
	if (!may(probe, W_OK) || !may(probe, X_OK))
		die(l->work_exists ? "work '%s' is not writable" : "work '%s' cannot be created: '%s' is not writable", given, probe);
	if (is_inside(l->work, l->upper) || is_inside(l->upper, l->work))
		die("work '%s' and upper '%s' must not hold one another", l->work, l->upper);
	for (int i = 0; i < l->nlowers; i++) {
		const char *low = l->lower[i];
		if (strcmp(low, "/") && is_inside(l->work, low))
			die("work '%s' is inside lower '%s'", l->work, low);
		if (is_inside(low, l->work))
			die("lower '%s' is inside work '%s'", low, l->work);
	}
	if (stat(probe, &wst) != 0 || stat(up, &ust) != 0 || wst.st_dev != ust.st_dev)
		die("work '%s' is not on the upper's filesystem", l->work);
	free(probe);
	free(up);
	char *index = NULL;
	if (asprintf(&index, "%s/index", l->work) < 0)
		die("out of memory");
	if (lstat(index, &st) == 0 && !S_ISDIR(st.st_mode))
		die("work '%s': '%s' is not a directory", given, index);
	free(index);
}

/* The trace file: the library writes it with its own system calls, past
 * the union, so it must lie outside every layer and the mount (a trace in
 * a lower would change the lower).  Made empty here, before the command
 * runs, so that a bad name is said now rather than lost. */
static void check_trace(const struct launch_opts *o, struct launch_layers *l)
{
	const char *given = o->trace;
	if (!o->seen_trace)
		return;
	if (!*given)
		die("empty --trace");
	if (is_dir(given))
		die("trace '%s' is a directory", given);
	if (!(l->trace = canon_missing(given)))
		die("trace '%s' cannot be resolved", given);
	for (int i = 0; i <= l->nlowers + 1; i++) {
		const char *d = i < l->nlowers ? l->lower[i] : i == l->nlowers ? l->upper : l->mount;
		if (is_inside(l->trace, d))
			die("trace '%s' lies inside the union ('%s'): give a file outside it", given, d);
	}
	char *dir = strdup(l->trace);
	*strrchr(dir, '/') = '\0';
	if (!is_dir(*dir ? dir : "/"))
		die("trace '%s': no directory '%s'", given, *dir ? dir : "/");
	free(dir);
	int fd = open(l->trace, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		die("trace '%s' cannot be written", given);
	close(fd);
}

/* With / as a lower, these union paths stay the root filesystem's own:
 * the upper (the union must not copy itself into itself), and /proc, /sys
 * and /dev, whose files (devices, kernel settings) no copy-up can stand for. */
static void whole_root_passthrough(struct launch_layers *l)
{
	for (int i = 0; i < l->nlowers; i++) {
		if (strcmp(l->lower[i], "/"))
			continue;
		char *list[5] = { l->upper };
		int n = 1;
		if (l->work)
			list[n++] = l->work;
		static char *const pseudo[] = { "/proc", "/sys", "/dev" };
		for (int j = 0; j < 3; j++)
			if (is_dir(pseudo[j]))
				list[n++] = pseudo[j];
		l->passthrough = join_colon(list, n);
		if (strchr(l->upper, ':'))
			die("upper '%s' contains ':', which a whole-root union cannot pass through", l->upper);
		return;
	}
}

void check_layers(const struct launch_opts *o, struct launch_layers *l)
{
	memset(l, 0, sizeof *l);
	check_lowers(o->lower, l);
	check_upper(o->upper, l);
	check_mount(o, l);
	check_work(o, l);
	check_trace(o, l);
	whole_root_passthrough(l);
}

/* The launcher's rules on the layers (unionenv.sh), checked again by the
 * library in each process: its environment may have been written by hand
 * or changed by a program, and a union whose upper lies in a lower would
 * write that lower.  Costs four system calls per layer at start-up. */
#include "layercheck.h"
#include "config.h"
#include "layerpath.h"
#include "path.h"
#include "procfd.h"
#include "sys.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

struct seen {
	dev_t dev;
	ino_t ino;
};

/* A directory given by its canonical absolute name (as the launcher passes
 * every layer): 0, or why not in why. */
static int canonical_dir(const char *what, const char *path, struct seen *id, char *why, size_t size)
{
	char link[64], real[UE_PATH_MAX];
	struct stat st;
	const char *p = path[0] ? path : "/";
	int fd = sys_openat(AT_FDCWD, p, O_PATH | O_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, size, "%s '%s' does not exist", what, p);
		return -ENOENT;
	}
	int r = sys_fstat(fd, &st);
	ue_proc_fd(link, sizeof link, fd, NULL);
	long n = r < 0 ? -1 : sys_readlinkat(AT_FDCWD, link, real, sizeof real - 1);
	sys_close(fd);
	if (r < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, size, "%s '%s' is not a directory", what, p);
		return -ENOTDIR;
	}
	/* Without /proc the name cannot be checked: the string rules below
	 * still hold for what was given. */
	if (n > 0) {
		real[n] = '\0';
		if (strcmp(real, p)) {
			snprintf(why, size, "%s '%s' is not a canonical path (it is '%s')", what, p, real);
			return -EINVAL;
		}
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

static const char *name(const struct ue_layer *l)
{
	return l->len ? l->root : "/";
}

/* a is b or lies below it. */
static int inside(const struct ue_layer *a, const struct ue_layer *b)
{
	return ue_path_under(name(a), b->root, b->len) != NULL;
}

/* The work directory (UNIONENV_WORK, core/index.h): the index is written
 * there, so it must be what the launcher let through: a directory on the
 * upper's filesystem, apart from the upper, outside every lower. */
static int work_check(const struct seen *id, char *why, size_t size)
{
	struct ue_layer w = { .root = ue_cfg.work, .len = strlen(ue_cfg.work) };
	const struct ue_layer *upper = &ue_cfg.layer[UE_UPPER];
	struct seen wid;
	int r = canonical_dir("work", ue_cfg.work, &wid, why, size);
	if (r < 0)
		return r;
	if (wid.dev != id[0].dev) {
		snprintf(why, size, "work '%s' is not on the upper's filesystem", ue_cfg.work);
		return -EINVAL;
	}
	if (inside(&w, upper) || inside(upper, &w)) {
		snprintf(why, size, "work '%s' and upper '%s' must not hold one another", ue_cfg.work, name(upper));
		return -EINVAL;
	}
	for (int i = 1; i < ue_cfg.nlayers; i++) {
		const struct ue_layer *l = &ue_cfg.layer[i];
		if ((l->len && inside(&w, l)) || inside(l, &w)) {
			snprintf(why, size, "work '%s' and lower '%s' must not hold one another", ue_cfg.work, name(l));
			return -EINVAL;
		}
	}
	return 0;
}

int ue_layers_check(char *why, size_t size)
{
	struct seen id[UE_MAX_LAYERS], mount;
	const struct ue_layer *upper = &ue_cfg.layer[UE_UPPER];
	int r;
	if ((r = canonical_dir("upper", name(upper), &id[0], why, size)) < 0)
		return r;
	for (int i = 1; i < ue_cfg.nlayers; i++) {
		const struct ue_layer *l = &ue_cfg.layer[i];
		if ((r = canonical_dir("lower", name(l), &id[i], why, size)) < 0)
			return r;
		for (int j = 1; j < i; j++)
			if (id[j].dev == id[i].dev && id[j].ino == id[i].ino) {
				snprintf(why, size, "the same directory is given twice as a lower: '%s'", name(l));
				return -EINVAL;
			}
		if (id[0].dev == id[i].dev && id[0].ino == id[i].ino) {
			snprintf(why, size, "upper '%s' is the same directory as a lower", name(upper));
			return -EINVAL;
		}
		/* A whole-root union holds its upper, and passes it through. */
		if (l->len && inside(upper, l)) {
			snprintf(why, size, "upper '%s' is inside lower '%s'", name(upper), name(l));
			return -EINVAL;
		}
		if (inside(l, upper)) {
			snprintf(why, size, "lower '%s' is inside upper '%s'", name(l), name(upper));
			return -EINVAL;
		}
	}
	struct ue_layer m = { .root = ue_cfg.mount, .len = ue_cfg.mount_len };
	/* The mount is mostly the first lower (the launcher's default),
	 * checked a moment ago. */
	int checked = 0;
	for (int i = 1; i < ue_cfg.nlayers && !checked; i++)
		checked = !strcmp(name(&m), name(&ue_cfg.layer[i]));
	if (!checked && (r = canonical_dir("mount", name(&m), &mount, why, size)) < 0)
		return r;
	if (inside(&m, upper)) {
		snprintf(why, size, "mount '%s' is inside upper '%s'", name(&m), name(upper));
		return -EINVAL;
	}
	return ue_cfg.work ? work_check(id, why, size) : 0;
}

/* The launcher's rules on the layers (unionenv.sh), checked again by the
 * library in each process: its environment may have been written by hand
 * or changed by a program, and a union whose upper lies in a lower would
 * write that lower.  The full check costs four system calls per layer,
 * one of them a readlink in /proc that a new process pays dearly for (its
 * /proc entries are made at the first look): a process whose parent
 * checked the very same names and found the very same directories (the
 * token, UNIONENV_CHECKED) looks at each with one lstat, which the layer
 * probe has made already. */
#include "layercheck.h"
#include "config.h"
#include "layerpath.h"
#include "path.h"
#include "procfd.h"
#include "sys.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct seen {
	dev_t dev;
	ino_t ino;
};

/* One pass of the rules: quick (lstat, the parent's word for the names)
 * or full; the names and directories it saw, hashed for the token. */
struct pass {
	int quick;
	uint64_t hash;
};

static void mix(struct pass *p, const void *data, size_t n)
{
	const unsigned char *b = data;
	for (size_t i = 0; i < n; i++)
		p->hash = (p->hash ^ b[i]) * 0x100000001b3ull;  /* FNV-1a */
}

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

/* The directory at path, as the pass looks at it: -EAGAIN where a quick
 * look finds no directory (the full look says why). */
static int dir_seen(struct pass *p, const char *what, const char *path, const struct ue_layer *probed,
                    struct seen *id, char *why, size_t size)
{
	const char *name = path[0] ? path : "/";
	if (!p->quick) {
		int r = canonical_dir(what, path, id, why, size);
		if (r < 0)
			return r;
	} else if (probed && probed->probed_dir) {
		id->dev = probed->dev;
		id->ino = probed->ino;
	} else {
		struct stat st;
		if (sys_lstat(name, &st) < 0 || !S_ISDIR(st.st_mode))
			return -EAGAIN;
		id->dev = st.st_dev;
		id->ino = st.st_ino;
	}
	mix(p, name, strlen(name) + 1);
	mix(p, &id->dev, sizeof id->dev);
	mix(p, &id->ino, sizeof id->ino);
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
static int work_check(struct pass *p, const struct seen *id, char *why, size_t size)
{
	struct ue_layer w = { .root = ue_cfg.work, .len = strlen(ue_cfg.work) };
	const struct ue_layer *upper = &ue_cfg.layer[UE_UPPER];
	struct seen wid;
	int r = dir_seen(p, "work", ue_cfg.work, NULL, &wid, why, size);
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

static int check_pass(struct pass *p, char *why, size_t size)
{
	struct seen id[UE_MAX_LAYERS], mount;
	const struct ue_layer *upper = &ue_cfg.layer[UE_UPPER];
	int r;
	if ((r = dir_seen(p, "upper", name(upper), upper, &id[0], why, size)) < 0)
		return r;
	for (int i = 1; i < ue_cfg.nlayers; i++) {
		const struct ue_layer *l = &ue_cfg.layer[i];
		if ((r = dir_seen(p, "lower", name(l), l, &id[i], why, size)) < 0)
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
	if (!checked && (r = dir_seen(p, "mount", name(&m), NULL, &mount, why, size)) < 0)
		return r;
	if (inside(&m, upper)) {
		snprintf(why, size, "mount '%s' is inside upper '%s'", name(&m), name(upper));
		return -EINVAL;
	}
	return ue_cfg.work ? work_check(p, id, why, size) : 0;
}

#define FNV_OFFSET 0xcbf29ce484222325ull

/* One pass, and its token ("" where it failed). */
static int pass_token(struct pass *p, char *why, size_t size, char token[UE_LAYERS_TOKEN])
{
	int r = check_pass(p, why, size);
	snprintf(token, UE_LAYERS_TOKEN, "%016llx", (unsigned long long)p->hash);
	if (r < 0)
		token[0] = '\0';
	return r;
}

int ue_layers_check(const char *seen, char *why, size_t size, char token[UE_LAYERS_TOKEN])
{
	struct pass p = { .quick = seen && *seen, .hash = FNV_OFFSET };
	int r = pass_token(&p, why, size, token);
	if (p.quick && (r < 0 || strcmp(token, seen))) {
		/* Other names or other directories than the parent's, or a rule
		 * broken: the full look, which also gives the reason. */
		p = (struct pass){ .quick = 0, .hash = FNV_OFFSET };
		r = pass_token(&p, why, size, token);
	}
	return r;
}

int ue_layers_token(char *why, size_t size, char token[UE_LAYERS_TOKEN])
{
	struct pass p = { .quick = 1, .hash = FNV_OFFSET };
	return pass_token(&p, why, size, token);
}

#include "fixture.h"
#include "cache.h"
#include "config.h"
#include "resolve.h"
#include "tmpname.h"

#include <dirent.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static char root[256];
static char buf[4][4096];
static int nbuf;

static char *scratch(void) { return buf[nbuf++ % 4]; }

const char *fx_path(const char *layer, const char *rel)
{
	char *b = scratch();
	snprintf(b, 4096, "%s/%s%s%s", root, layer, *rel ? "/" : "", rel);
	return b;
}

const char *fx_mount(void) { return fx_path("L1", ""); }

struct ue_path *fx_at(struct ue_path *p, const char *rel)
{
	char v[4096];
	snprintf(v, sizeof v, "%s/%s", fx_mount(), rel);
	if (ue_resolve(AT_FDCWD, v, 0, p) < 0)
		p->where = -1;
	return p;
}

static void must(int ok, const char *what, const char *p)
{
	if (!ok) {
		perror(what);
		fprintf(stderr, "fixture: %s %s\n", what, p);
		exit(99);
	}
}

void fx_setup(int nlowers, const char *const spec[])
{
	char lowers[2048] = "", cmd[512];
	strcpy(root, "/tmp/ue-unit.XXXXXX");
	must(mkdtemp(root) != NULL, "mkdtemp", root);
	must(mkdir(fx_path("U", ""), 0755) == 0, "mkdir", "U");
	for (int i = 1; i <= nlowers; i++) {
		char name[16];
		snprintf(name, sizeof name, "L%d", i);
		must(mkdir(fx_path(name, ""), 0755) == 0, "mkdir", name);
		snprintf(lowers + strlen(lowers), sizeof lowers - strlen(lowers), "%s%s", i > 1 ? ":" : "", fx_path(name, ""));
	}
	for (const char *const *s = spec; s && *s; s++) {
		char layer[8], kind, name[256], arg[256] = "";
		must(sscanf(*s, "%7s %c %255s %255[^\n]", layer, &kind, name, arg) >= 3, "spec", *s);
		const char *p = fx_path(layer, name);
		if (kind == 'f') {
			FILE *f = fopen(p, "w");
			must(f != NULL, "fopen", p);
			fputs(arg, f);
			fclose(f);
		} else if (kind == 'd') {
			must(mkdir(p, 0755) == 0, "mkdir", p);
		} else if (kind == 'l') {
			must(symlink(arg, p) == 0, "symlink", p);
		} else if (kind == 'w') {
			must(mknod(p, S_IFCHR, makedev(0, 0)) == 0, "mknod", p);
		} else if (kind == 'o') {
			must(setxattr(p, "user.overlay.opaque", "y", 1, 0) == 0, "setxattr", p);
		} else if (kind == 'x') {
			char *eq = strchr(arg, '=');
			must(eq != NULL, "spec", *s);
			*eq = '\0';
			must(setxattr(p, arg, eq + 1, strlen(eq + 1), 0) == 0, "setxattr", p);
		}
	}
	(void)cmd;
	ue_cache_reset();
	must(ue_config_load(lowers, fx_path("U", ""), NULL) == 0, "config", lowers);
	ue_cache_init();
	ue_cwd_set("/");
}

void fx_teardown(void)
{
	char cmd[300];
	ue_cache_reset();
	ue_config_reset();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "fixture: cannot remove %s\n", root);
}

char fx_type(const char *layer, const char *rel)
{
	struct stat st;
	if (lstat(fx_path(layer, rel), &st) < 0)
		return 0;
	if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
		return 'w';
	return S_ISREG(st.st_mode) ? 'f' : S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : 'c';
}

const char *fx_read(const char *layer, const char *rel)
{
	char *b = scratch();
	int fd = open(fx_path(layer, rel), O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, b, 4095);
	if (fd >= 0)
		close(fd);
	b[n < 0 ? 0 : n] = '\0';
	return n < 0 ? NULL : b;
}

int fx_opaque(const char *layer, const char *rel)
{
	char v[4];
	return getxattr(fx_path(layer, rel), "user.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y';
}

int fx_tmp_names(const char *rel)
{
	DIR *d = opendir(fx_path("U", rel));
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += ue_is_tmp_name(e->d_name);
	if (d)
		closedir(d);
	return n;
}

const char *const fx_merged_tree[] = {
	"L1 f a one", "L2 f a two", "L2 f only2 x",
	"L1 d dir", "L1 f dir/y y", "L2 d dir", "L2 f dir/x x",
	"L2 f gone g", "U w gone",
	"U d opq", "U o opq", "U f opq/new n", "L2 d opq", "L2 f opq/hidden h",
	"L1 w wh", "L2 f wh w",
	"L2 l lnk a", "L2 l up ../outside", "L2 l loop1 loop2", "L2 l loop2 loop1",
	"L2 l abs /etc", "L1 f file f",
	NULL
};

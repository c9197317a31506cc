/* The current directory and canonical names, as the program sees them. */
#include "impl.h"
#include "layerpath.h"
#include "path.h"
#include "renames.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The union's name for p: the mount joined with rel. */
static int union_name(const struct ue_path *p, char *out, size_t size)
{
	if (p->rel[0] == '\0') {
		if (ue_cfg.mount_len + 2 > size)
			return -ENAMETOOLONG;
		strcpy(out, ue_cfg.mount_len ? ue_cfg.mount : "/");
		return 0;
	}
	return ue_path_join(out, size, ue_cfg.mount_len ? ue_cfg.mount : "/", p->rel);
}

/* P: READS | MARKS, the renames' mark taken before the lookup. */
long chdir_impl(struct ue_arg *P)
{
	const struct ue_path *p = &P->p;
	char v[UE_PATH_MAX];
	int r;
	if (p->where != UE_UNION) {
		if ((r = (int)UE_ERR(LIBC(chdir)(ue_arg_kpath(P)))) == 0)
			ue_cwd_reload();
		return r;
	}
	if (!S_ISDIR(p->node.type))
		return -ENOTDIR;
	/* The kernel sits in the top layer's directory; relative paths are
	 * resolved by us against the union's name. */
	if ((r = union_name(p, v, sizeof v)) < 0)
		return r;
	return ue_cwd_change(p->real, v, P->mark.renames);
}

long fchdir_impl(int fd)
{
	long r = UE_ERR(LIBC(fchdir)(fd));
	if (r == 0)
		ue_cwd_reload();
	return r;
}

char *getcwd_impl(char *buf, size_t n)
{
	char v[UE_PATH_MAX];
	int r = ue_cwd_get(v, sizeof v);
	if (r < 0)
		return ue_fail(r);
	if (!ue_path_under(v, ue_cfg.mount, ue_cfg.mount_len))
		return UE_PASS_PTR(LIBC(getcwd)(buf, n));
	size_t len = strlen(v) + 1;
	if (len > PATH_MAX)
		return ue_fail(-ENAMETOOLONG);  /* the kernel's getcwd gives no longer name */
	if (buf && n == 0)
		return ue_fail(-EINVAL);
	if (n && n < len)
		return ue_fail(-ERANGE);
	if (!buf && !(buf = malloc(n ? n : len)))
		return ue_fail(-ENOMEM);
	memcpy(buf, v, len);
	return buf;
}

/* P: READS | NULLABLE. */
char *realpath_impl(struct ue_arg *P, char *out)
{
	const struct ue_path *p = &P->p;
	char v[UE_PATH_MAX];
	int r;
	if (!P->path)
		return ue_fail(-EINVAL);
	if (p->where != UE_UNION) {
		char *r = UE_PASS_PTR(LIBC(realpath)(ue_arg_kpath(P), out));
		/* /proc/self/cwd and the like end in a layer: name it as the union. */
		if (r && ue_unreal(v, sizeof v, r) == 0 && strcmp(v, r) && strlen(v) < PATH_MAX) {
			if (out) {
				strcpy(out, v);
			} else {
				char *m = strdup(v);
				if (m) {
					free(r);
					r = m;
				}
			}
		}
		return r;
	}
	if ((r = union_name(p, v, sizeof v)) < 0)
		return ue_fail(r);
	if (strlen(v) >= PATH_MAX)
		return ue_fail(-ENAMETOOLONG);  /* out holds PATH_MAX bytes */
	if (!out && !(out = malloc(PATH_MAX)))
		return ue_fail(-ENOMEM);
	strcpy(out, v);
	return out;
}

#include "override.h"
#include "markers.h"
#include "sys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int number(const char **s, const char *end, int base, unsigned long *out)
{
	char tmp[24];
	size_t n = 0;
	while (*s + n < end && (*s)[n] != ':' && n < sizeof tmp - 1) {
		tmp[n] = (*s)[n];
		n++;
	}
	if (n == 0 || (*s + n < end && (*s)[n] != ':'))
		return -EINVAL;
	tmp[n] = '\0';
	char *e;
	*out = strtoul(tmp, &e, base);
	if (*e)
		return -EINVAL;
	*s += n + (*s + n < end);
	return 0;
}

int ue_override_parse(const char *v, size_t n, struct ue_override *o)
{
	const char *s = v, *end = v + n;
	unsigned long uid, gid, mode;
	if (number(&s, end, 10, &uid) < 0 || number(&s, end, 10, &gid) < 0 || number(&s, end, 8, &mode) < 0 ||
	    uid > (uid_t)-2 || gid > (gid_t)-2 || mode > 07777)
		return -EINVAL;
	o->uid = (uid_t)uid;
	o->gid = (gid_t)gid;
	o->mode = (mode_t)mode;
	return 0;
}

int ue_override_format(char *buf, size_t size, mode_t type, const struct ue_override *o)
{
	return snprintf(buf, size, "%u:%u:%04o:%s", (unsigned)o->uid, (unsigned)o->gid, (unsigned)(o->mode & 07777),
	                S_ISDIR(type) ? "dir" : "file");
}

int ue_override_get(const char *real, int fd, struct ue_override *o)
{
	return real ? ue_override_get_at(AT_FDCWD, real, o) : ue_override_get_at(fd, NULL, o);
}

int ue_override_get_at(int dfd, const char *name, struct ue_override *o)
{
	char v[128];
	long n = ue_xattr_get_at(dfd, name, UE_XATTR_OVERRIDE, v, sizeof v);
	if (n == -ENODATA || n == -ENOTSUP || n == -EOPNOTSUPP)
		return 0;
	if (n < 0)
		return (int)n;
	return ue_override_parse(v, (size_t)n, o) < 0 ? 0 : 1;  /* unreadable: none */
}

int ue_override_set(const char *real, int fd, mode_t type, const struct ue_override *o)
{
	char v[128];
	int n = ue_override_format(v, sizeof v, type, o);
	return real ? sys_lsetxattr(real, UE_XATTR_OVERRIDE, v, (size_t)n, 0)
	            : sys_fsetxattr(fd, UE_XATTR_OVERRIDE, v, (size_t)n, 0);
}

int ue_override_update(const char *real, uid_t uid, gid_t gid, mode_t mode)
{
	struct ue_override o;
	struct stat st;
	int r = ue_override_get(real, -1, &o);
	if (r <= 0)
		return r;
	if (uid != (uid_t)-1)
		o.uid = uid;
	if (gid != (gid_t)-1)
		o.gid = gid;
	if ((r = sys_lstat(real, &st)) < 0)
		return r;
	if (mode != (mode_t)-1)
		o.mode = mode & 07777;
	else  /* a chown clears the set-id bits as the kernel decides */
		o.mode = (o.mode & ~(mode_t)06000) | (st.st_mode & 06000);
	if (st.st_uid == o.uid && st.st_gid == o.gid && (st.st_mode & 07777) == o.mode)
		r = sys_lremovexattr(real, UE_XATTR_OVERRIDE);
	else
		r = ue_override_set(real, -1, st.st_mode, &o);
	return r < 0 ? r : 1;
}

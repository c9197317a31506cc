#include "path.h"

#include <errno.h>
#include <string.h>

int ue_path_join(char *out, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	while (la > 0 && a[la - 1] == '/')
		la--;
	if (la + 1 + lb + 1 > size)
		return -ENAMETOOLONG;
	memmove(out, a, la);
	out[la] = '/';
	memmove(out + la + 1, b, lb + 1);
	return 0;
}

int ue_path_normalize(char *out, size_t size, const char *in)
{
	size_t o = 0;
	const char *s = in;
	char tmp[4096];
	if (strlen(in) + 1 > sizeof tmp || size < 2)
		return -ENAMETOOLONG;
	if (out == in) {
		strcpy(tmp, in);
		s = tmp;
	}
	out[o++] = '/';
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);
		if (n == 0 || (n == 1 && s[0] == '.')) {
			/* nothing */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 1 && out[o - 1] != '/')
				o--;
			if (o > 1)
				o--;
		} else {
			if (o > 1)
				out[o++] = '/';
			if (o + n + 1 > size)
				return -ENAMETOOLONG;
			memcpy(out + o, s, n);
			o += n;
		}
		s = e;
	}
	out[o] = '\0';
	return (int)o;
}

/* At s, right after a slash (or at the start): a "." or ".." component,
 * or the second slash of a doubled one? */
static int dots_at(const char *s)
{
	if (s[0] == '/')
		return 1;
	if (s[0] != '.')
		return 0;
	const char *t = s[1] == '.' ? s + 2 : s + 1;
	return *t == '/' || *t == '\0';
}

/* This runs on every path a wrapper sees: only the slashes need a look. */
int ue_path_has_dots(const char *p)
{
	if (p[0] == '.' && dots_at(p))
		return 1;
	for (const char *s = p; *s; s++)
		if (*s == '/' && dots_at(s + 1))
			return 1;
	return 0;
}

int ue_path_last(const char *path)
{
	size_t n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	size_t b = n;
	while (b > 0 && path[b - 1] != '/')
		b--;
	if (n - b == 1 && path[b] == '.')
		return 1;
	return n - b == 2 && path[b] == '.' && path[b + 1] == '.' ? 2 : 0;
}

int ue_path_list_next(const char **list, char *buf, size_t size)
{
	const char *s = *list;
	while (s && *s) {
		const char *e = strchrnul(s, ':');
		size_t n = (size_t)(e - s);
		const char *elem = s;
		s = *e ? e + 1 : e;
		if (n && n < size) {
			memcpy(buf, elem, n);
			buf[n] = '\0';
			*list = s;
			return 1;
		}
	}
	*list = s;
	return 0;
}

int ue_path_is_dots(const char *name, size_t n)
{
	return (n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.');
}

/* The kernel's rules (fs/overlayfs: ovl_get_redirect_xattr, then the
 * lookup of each name): an absolute value is "/" and non-empty names
 * ("/" alone, "//" and a trailing "/" are malformed: EINVAL), a relative
 * one a single name (EINVAL with a "/"); "." and ".." pass that check but
 * no lookup takes them (EACCES).  0 for a value the kernel follows. */
int ue_path_redirect_check(const char *t)
{
	if (!*t)
		return -EINVAL;
	if (t[0] != '/')
		return strchr(t, '/') ? -EINVAL : ue_path_is_dots(t, strlen(t)) ? -EACCES : 0;
	int dots = 0;
	for (const char *s = t; *s == '/';) {
		const char *e = strchrnul(s + 1, '/');
		if (e == s + 1)
			return -EINVAL;
		dots |= ue_path_is_dots(s + 1, (size_t)(e - s - 1));
		s = e;
	}
	return dots ? -EACCES : 0;
}

/* unionenv import: each name checked before anything is written
 * (import.h). */
#include "import.h"
#include "progress.h"
#include "tar.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- names ------------------------------------------------------------- */

/* Normalise an archive name in place: drop "./" and doubled and trailing
 * slashes.  Returns an error message for names that could leave the upper. */
static const char *clean_name(char *s)
{
	if (s[0] == '/')
		return "absolute name";
	char *o = s;
	const char *p = s;
	while (*p) {
		while (*p == '/')
			p++;
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		if (n == 0)
			break;
		if (n == 1 && p[0] == '.') {
			p = e;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return "name with '..'";
		if (o != s)
			*o++ = '/';
		memmove(o, p, n);
		o += n;
		p = e;
	}
	*o = 0;
	return NULL;
}

static const char *base_of(const char *s)
{
	const char *b = strrchr(s, '/');
	return b ? b + 1 : s;
}

/* ---- checking ----------------------------------------------------------- */

/* Check one entry against what the archive made before it; records it.
 * Returns an error message or NULL. */
const char *check_entry(struct ictx *c, struct tar_ent *e, char **why_name)
{
	const char *err = clean_name(e->name);
	*why_name = NULL;
	if (err)
		return err;
	/* every proper prefix must be a directory, if the archive made it */
	for (char *p = e->name; (p = strchr(p, '/')); p++) {
		*p = 0;
		unsigned char *t = nset_get(&c->seen, e->name, 0);
		unsigned char tv = t ? *t : T_NONE;
		if (tv == T_LINK)
			err = "path goes through a symbolic link of the archive";
		else if (tv == T_FILE || tv == T_OTHER)
			err = "path goes through a non-directory of the archive";
		if (err)
			*why_name = xstrdup(e->name);
		*p = '/';
		if (err)
			return err;
	}
	const char *b = base_of(e->name);
	if (ue_aufs_is_marker(b)) {
		if (e->type != '0')
			return "whiteout that is not a regular file";
		if (!strcmp(b, UE_AUFS_OPAQUE))
			return NULL;
		if (!*ue_aufs_hidden(b) || !strcmp(ue_aufs_hidden(b), ".") || !strcmp(ue_aufs_hidden(b), ".."))
			return "malformed whiteout name";
		return NULL;
	}
	if (!*e->name && e->type != '5')
		return "empty name";
	if (e->type == '1') {
		const char *le = clean_name(e->linkname);
		if (le)
			return le[0] == 'a' ? "hard link to an absolute name" : "hard link with '..'";
		unsigned char *t = nset_get(&c->seen, e->linkname, 0);
		if (!t || (*t != T_FILE && *t != T_OTHER && *t != T_LINK))
			return "hard link to a name the archive has not made";
	}
	if ((e->type == '3' || e->type == '4') && !c->is_root &&
	    !(e->type == '3' && e->devmajor == 0 && e->devminor == 0))
		return "device node (needs root)";
	unsigned char type = e->type == '5' ? T_DIR : e->type == '2' ? T_LINK :
	                     e->type == '0' || e->type == '1' ? T_FILE : T_OTHER;
	if (*e->name)
		*nset_get(&c->seen, e->name, 1) = type;
	return NULL;
}

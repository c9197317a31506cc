/* The growable path buffer the walks print from (layer.h). */
#include "layer.h"
#include "markers.h"
#include "override.h"
#include "progress.h"
#include "tmpname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- path buffer -------------------------------------------------------- */

void pb_init(struct pbuf *p, const char *s)
{
	p->len = strlen(s);
	p->cap = p->len + 256;
	p->s = xmalloc(p->cap);
	memcpy(p->s, s, p->len + 1);
}

size_t pb_push(struct pbuf *p, const char *name)
{
	size_t old = p->len, n = strlen(name);
	if (p->len + n + 2 > p->cap) {
		p->cap = (p->len + n + 2) * 2;
		p->s = xrealloc(p->s, p->cap);
	}
	if (p->len)
		p->s[p->len++] = '/';
	memcpy(p->s + p->len, name, n + 1);
	p->len += n;
	return old;
}

void pb_pop(struct pbuf *p, size_t oldlen)
{
	p->len = oldlen;
	p->s[oldlen] = 0;
}

void pb_free(struct pbuf *p)
{
	free(p->s);
	p->s = NULL;
}

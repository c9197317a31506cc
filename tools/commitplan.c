/* unionenv commit: the plan, one operation a line in the journal, written
 * once staging is done and read back by --continue and --rollback. */
#include "commit.h"
#include "markers.h"
#include "progress.h"
#include "tmpname.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* ---- plan --------------------------------------------------------------- */

struct op *add_op(struct cctx *c, char type, const char *path)
{
	if (c->nops == c->capops) {
		c->capops = c->capops ? c->capops * 2 : 256;
		c->ops = xrealloc(c->ops, c->capops * sizeof *c->ops);
	}
	struct op *o = &c->ops[c->nops++];
	memset(o, 0, sizeof *o);
	o->type = type;
	o->path = xstrdup(*path ? path : ".");
	return o;
}

static void put_hex(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", (unsigned char)s[i]);
}

static char *unhex(const char *s, size_t n, size_t *len)
{
	char *o = xmalloc(n / 2 + 1);
	for (size_t i = 0; i + 1 < n + 1 && i < n; i += 2) {
		unsigned v;
		sscanf(s + i, "%2x", &v);
		o[i / 2] = (char)v;
	}
	*len = n / 2;
	o[n / 2] = 0;
	return o;
}

/* The inverse of put_escaped. */
static char *unescape(const char *s)
{
	char *o = xmalloc(strlen(s) + 1), *p = o;
	while (*s) {
		if (*s != '\\') {
			*p++ = *s++;
			continue;
		}
		s++;
		if (*s == 'n') { *p++ = '\n'; s++; }
		else if (*s == 't') { *p++ = '\t'; s++; }
		else if (*s == '\\') { *p++ = '\\'; s++; }
		else if (*s >= '0' && *s <= '7') {
			int v = 0;
			for (int i = 0; i < 3 && *s >= '0' && *s <= '7'; i++)
				v = v * 8 + (*s++ - '0');
			*p++ = (char)v;
		} else if (*s) {
			*p++ = *s++;
		}
	}
	*p = 0;
	return o;
}

void write_plan(struct cctx *c)
{
	int fd = openat(c->jfd, "plan.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		ue_die("cannot write the plan: %s", strerror(errno));
	for (size_t i = 0; i < c->nops; i++) {
		struct op *o = &c->ops[i];
		fprintf(f, "%c\t", o->type);
		put_escaped(f, o->path);
		if (o->type == OP_M || o->type == OP_T) {
			fprintf(f, "\t%o\t%u\t%u\t%lld.%09ld\t%lld.%09ld\t", o->mode, o->uid, o->gid,
			        (long long)o->atime.tv_sec, o->atime.tv_nsec,
			        (long long)o->mtime.tv_sec, o->mtime.tv_nsec);
			for (size_t j = 0; j < o->x.n; j++) {
				if (j)
					fputc(',', f);
				put_hex(f, o->x.v[j].name, strlen(o->x.v[j].name));
				fputc(':', f);
				put_hex(f, o->x.v[j].value, o->x.v[j].len);
			}
		}
		fputc('\n', f);
	}
	if (fflush(f) != 0 || fsync(fd) != 0 || fclose(f) != 0)
		ue_die("cannot write the plan: %s", strerror(errno));
	if (renameat(c->jfd, "plan.tmp", c->jfd, "plan") < 0)
		ue_die("cannot write the plan: %s", strerror(errno));
}

static void parse_ts(const char *s, struct timespec *t)
{
	long long sec = 0;
	long ns = 0;
	sscanf(s, "%lld.%ld", &sec, &ns);
	t->tv_sec = sec;
	t->tv_nsec = ns;
}

void read_plan(struct cctx *c)
{
	int fd = openat(c->jfd, "plan", O_RDONLY | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f)
		ue_die("the interrupted commit has no plan: %s", strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = 0;
		char *fields[8] = { 0 };
		int nf = 0;
		for (char *s = line, *save = NULL; nf < 8 && (s = strtok_r(nf ? NULL : s, "\t", &save)); nf++)
			fields[nf] = s;
		if (nf < 2 || (fields[0][0] != OP_R && fields[0][0] != OP_D && fields[0][0] != OP_M &&
		               fields[0][0] != OP_T))
			ue_die("the interrupted commit's plan is damaged");
		char *path = unescape(fields[1]);
		struct op *o = add_op(c, fields[0][0], path);
		free(path);
		if (o->type == OP_M || o->type == OP_T) {
			if (nf < 6)
				ue_die("the interrupted commit's plan is damaged");
			o->mode = (unsigned)strtoul(fields[2], NULL, 8);
			o->uid = (unsigned)strtoul(fields[3], NULL, 10);
			o->gid = (unsigned)strtoul(fields[4], NULL, 10);
			parse_ts(fields[5], &o->atime);
			parse_ts(fields[6] ? fields[6] : "0.0", &o->mtime);
			if (nf >= 8 && fields[7][0]) {
				char *save = NULL;
				for (char *s = strtok_r(fields[7], ",", &save); s; s = strtok_r(NULL, ",", &save)) {
					char *colon = strchr(s, ':');
					if (!colon)
						break;
					size_t l1, l2;
					o->x.v = xrealloc(o->x.v, (o->x.n + 1) * sizeof *o->x.v);
					o->x.v[o->x.n].name = unhex(s, (size_t)(colon - s), &l1);
					o->x.v[o->x.n].value = unhex(colon + 1, strlen(colon + 1), &l2);
					o->x.v[o->x.n].len = l2;
					o->x.n++;
				}
			}
		}
	}
	free(line);
	fclose(f);
}

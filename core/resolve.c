#include "resolve.h"
#include "cache.h"
#include "config.h"
#include "index.h"
#include "fdnames.h"
#include "hideseq.h"
#include "layerpath.h"
#include "lookup.h"
#include "lowermap.h"
#include "path.h"
#include "procfd.h"
#include "renames.h"
#include "perm.h"
#include "sys.h"
#include "trace.h"
#include "userptr.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define MAX_SYMLINKS 40

static int unreal(char *out, size_t size, const char *real, int *moved)
{
	char rest[UE_PATH_MAX];
	int best = ue_layer_of(real), m = 0;
	if (moved)
		*moved = 0;
	if (best < 0) {
		if (strlen(real) + 1 > size)
			return -ENAMETOOLONG;
		strcpy(out, real);
		return 0;
	}
	const char *under = ue_path_under(real, ue_cfg.layer[best].root, ue_cfg.layer[best].len);
	if (*under == '\0') {
		if (ue_cfg.mount_len + 2 > size)
			return -ENAMETOOLONG;
		memcpy(out, ue_cfg.mount, ue_cfg.mount_len);
		strcpy(out + ue_cfg.mount_len, ue_cfg.mount_len ? "" : "/");
		return 0;
	}
	if (strlen(under) + 1 > sizeof rest)
		return -ENAMETOOLONG;
	strcpy(rest, under);
	/* A lower directory that a rename left behind is named where the
	 * rename took it; the kernel moved an upper one itself. */
	if (best != UE_UPPER)
		m = ue_lowermap_find(rest, sizeof rest);
	if (moved)
		*moved = m;
	return ue_path_join(out, size, ue_cfg.mount_len ? ue_cfg.mount : "/", rest);
}

int ue_unreal_moved(char *out, size_t size, const char *real, int *moved)
{
	return unreal(out, size, real, moved);
}

int ue_unreal(char *out, size_t size, const char *real)
{
	return unreal(out, size, real, NULL);
}

int ue_fd_vpath_keep(int fd, char *out, size_t size, int keep)
{
	char link[64], real[UE_PATH_MAX];
	if (ue_fdname_get(fd, out, size))
		return 0;
	uint64_t mark = ue_fdname_mark();
	ue_proc_fd(link, sizeof link, fd, NULL);
	long n = sys_readlinkat(AT_FDCWD, link, real, sizeof real - 1);
	if (n < 0)
		return n == -ENOENT ? -EBADF : (int)n;
	real[n] = '\0';
	if (real[0] != '/')
		return -ENOTDIR;
	int r = ue_unreal(out, size, real);
	/* A removed directory's name is the kernel's to tell each time. */
	if (r == 0 && keep && !ue_proc_fd_deleted(real, (size_t)n))
		ue_fdname_put(fd, out, mark);
	return r;
}

int ue_fd_vpath(int fd, char *out, size_t size)
{
	return ue_fd_vpath_keep(fd, out, size, 0);
}

int ue_path_refresh(struct ue_path *p)
{
	if (p->where != UE_UNION)
		return 0;
	int layer = ue_node_exists(&p->node) ? p->node.layer : 0;
	int r = ue_node_real(p->real, sizeof p->real, &p->node, layer, p->rel);
	/* A lower name of a file whose copy is in the index: that copy. */
	if (r == 0 && p->node.indexed) {
		char lower[UE_PATH_MAX];
		memcpy(lower, p->real, strlen(p->real) + 1);
		r = ue_index_path(lower, p->real, sizeof p->real);
	}
	if (ue_trace_on)
		ue_trace_resolved(p, NULL, r);
	return r;
}

static const char *under_mount(const char *abs)
{
	return ue_path_under(abs, ue_cfg.mount, ue_cfg.mount_len);
}

/* An absolute path that has left the union; it may re-enter lexically. */
static int leave(const char *abs, struct ue_path *p, const char **reenter, char *buf)
{
	if (strlen(abs) + 1 > UE_PATH_MAX)
		return -ENAMETOOLONG;
	if (ue_path_has_dots(abs)) {
		int r = ue_path_normalize(buf, UE_PATH_MAX, abs);
		if (r < 0)
			return r;
		if ((*reenter = under_mount(buf)))
			return 1;
	}
	strcpy(p->real, abs);
	p->where = UE_OUTSIDE;
	return 0;
}

/* rel is a pass-through path and after the rest of the path: the root
 * filesystem's own path goes to the kernel (0), unless dot-dots lead back
 * into the union, whose part is then in todo to walk again (1). */
static int pass_through(const char *rel, const char *after, struct ue_path *p, char *todo)
{
	char abs[UE_PATH_MAX], norm[UE_PATH_MAX];
	const char *in;
	int r = ue_path_join(abs, sizeof abs, ue_cfg.mount_len ? ue_cfg.mount : "/", rel);
	if (r < 0)
		return r;
	if (strlen(abs) + strlen(after) + 1 > sizeof abs)
		return -ENAMETOOLONG;
	strcat(abs, after);
	if (ue_path_has_dots(abs)) {
		if ((r = ue_path_normalize(norm, sizeof norm, abs)) < 0)
			return r;
		if (!(in = under_mount(norm))) {
			/* A last "." or ".." stays for the kernel to refuse (rename,
			 * rmdir), rather than naming the directory it leads to. */
			strcpy(p->real, ue_path_last(abs) ? abs : norm);
			p->where = UE_OUTSIDE;
			return 0;
		}
		if (!ue_config_passes(in)) {
			memmove(todo, in, strlen(in) + 1);
			return 1;
		}
	} else {
		in = under_mount(abs);
	}
	if (strlen(in) + 2 > sizeof p->real)
		return -ENAMETOOLONG;
	p->real[0] = '/';
	strcpy(p->real + 1, in);
	p->where = UE_OUTSIDE;
	return 0;
}

/* May the walk go on below dir (at rel)?  As the kernel's may_lookup. */
static int may_step(const struct ue_caller *c, const struct ue_node *dir, const char *rel)
{
	return S_ISDIR(dir->type) ? ue_may_search(c, dir, rel) : -ENOTDIR;
}

/* Whether c may pass every directory above a cached node without the walk
 * asking each: all of them let everyone search, or c is root, who searches
 * anything (ue_may_search; tar, run as root, makes its directories 0700
 * until the end). */
static int passes_above(const struct ue_caller *c, const struct ue_node *n)
{
	return n->open_above || ue_caller_uid(c) == 0;
}

/* A name that parent's directory can hold only as an entry of the upper's
 * own directory at that place, which an O_EXCL create there meets: a file,
 * a directory, a symlink or a whiteout of the kernel's forms.  Not the aufs
 * form, whose whiteout is a marker beside the name; not below a redirect,
 * where the upper's directory is not at rel. */
static int new_name_only_upper(const struct ue_node *parent)
{
	return parent->stack == 1 && !parent->redirect && !(parent->aufs & 1) && ue_cfg.upper_form != UE_FORM_AUFS;
}

/* UE_NEW: the last name, which the caller found unknown to the cache, in
 * such a directory: taken as missing (1), with no look. */
static int guess_new(const struct ue_node *dir, struct ue_node *child)
{
	if (!S_ISDIR(dir->type) || !new_name_only_upper(dir))
		return 0;
	memset(child, 0, sizeof *child);
	child->layer = -1;
	child->open_above = dir->open_above && ue_node_search_all(dir);
	return 1;
}

/* Walk rest (relative to the mount) component by component. */
static UE_OWN_FRAME int walk(const char *rest, int flags, struct ue_path *p)
{
	char todo[UE_PATH_MAX], next[UE_PATH_MAX], tgt[PATH_MAX], norm[UE_PATH_MAX];  /* tgt: a symlink's target, PATH_MAX at most */
	size_t rl = 0;
	int links = 0, r;
	struct ue_node cur;

	if (strlen(rest) + 1 > sizeof todo)
		return -ENAMETOOLONG;
	strcpy(todo, rest);
	size_t tl = strlen(todo);
	p->trailing_slash = tl > 0 && todo[tl - 1] == '/';
restart:
	rl = 0;
	p->rel[0] = '\0';
	p->top_st_valid = 0;
	if ((r = ue_node_at("", &cur)) < 0)
		return r;
	for (char *s = todo;;) {
		while (*s == '/')
			s++;
		if (!*s)
			break;
		char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);
		const char *after = e;
		while (*after == '/')
			after++;
		int last = *after == '\0';
		if (n == 1 && s[0] == '.') {
			if ((r = may_step(p->caller, &cur, p->rel)) < 0)
				return r;
			s = e;
			continue;
		}
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			if ((r = may_step(p->caller, &cur, p->rel)) < 0)
				return r;
			if (rl == 0) {
				/* Above the mount: the kernel's business, unless it comes back. */
				const char *re;
				char up[UE_PATH_MAX];
				if ((r = ue_path_join(up, sizeof up, ue_cfg.mount_len ? ue_cfg.mount : "/", "..")) < 0)
					return r;
				if ((r = ue_path_join(up, sizeof up, up, after)) < 0)
					return r;
				if (++links > MAX_SYMLINKS)
					return -ELOOP;
				if ((r = leave(up, p, &re, norm)) <= 0)
					return r;
				memmove(todo, re, strlen(re) + 1);
				goto restart;
			}
			while (rl > 0 && p->rel[rl - 1] != '/')
				rl--;
			if (rl > 0)
				rl--;
			p->rel[rl] = '\0';
			if ((r = ue_node_at(p->rel, &cur)) < 0)
				return r;
			s = e;
			continue;
		}
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		if ((r = may_step(p->caller, &cur, p->rel)) < 0)
			return r;
		size_t save = rl;
		if (rl + 1 + n + 1 > sizeof p->rel)
			return -ENAMETOOLONG;
		if (rl)
			p->rel[rl++] = '/';
		memcpy(p->rel + rl, s, n);
		rl += n;
		p->rel[rl] = '\0';
		if (ue_cfg.npassthrough && ue_config_passes(p->rel)) {
			if (++links > MAX_SYMLINKS)
				return -ELOOP;
			if ((r = pass_through(p->rel, e, p, todo)) <= 0)
				return r;
			goto restart;
		}
		struct ue_node child;
		int asked = 0;
		if (ue_cache_find(p->rel, &child))
			;
		else if (last && (flags & UE_NEW) && guess_new(&cur, &child))
			p->guessed = 1;
		else if ((r = ue_node_child_new_st(p->rel, &cur, NULL, &child, &p->top_st, &p->top_stx, &asked)) < 0)
			return r;
		p->top_st_valid = last && asked;
		/* About to change something below a name the cache says is missing:
		 * another process may have just made it, ask the layers. */
		if (!ue_node_exists(&child) && !last && (flags & UE_RECHECK) &&
		    (r = ue_node_child_fresh(p->rel, &cur, &child)) < 0)
			return r;
		if (!ue_node_exists(&child)) {
			if (!last)
				return -ENOENT;
			cur = child;
			break;
		}
		if (S_ISLNK(child.type) && (!last || (flags & UE_FOLLOW) || *e == '/')) {
			p->top_st_valid = 0;
			if (++links > MAX_SYMLINKS)
				return -ELOOP;
			char real[UE_PATH_MAX];
			if ((r = ue_node_real(real, sizeof real, &child, child.layer, p->rel)) < 0)
				return r;
			long tn = sys_readlinkat(AT_FDCWD, real, tgt, sizeof tgt - 1);
			if (tn < 0)
				return (int)tn;
			if (tn == 0)
				return -ENOENT;
			tgt[tn] = '\0';
			if ((size_t)tn + strlen(e) + 1 > sizeof next)
				return -ENAMETOOLONG;
			memcpy(next, tgt, (size_t)tn);
			strcpy(next + tn, e);
			rl = save;
			p->rel[rl] = '\0';
			if (next[0] == '/') {
				const char *in = under_mount(next);
				if (!in) {
					if ((r = leave(next, p, &in, norm)) <= 0)
						return r;
				}
				memmove(todo, in, strlen(in) + 1);
				goto restart;
			}
			strcpy(todo, next);
			s = todo;
			continue;
		}
		cur = child;
		s = e;
	}
	if (p->trailing_slash && ue_node_exists(&cur) && !S_ISDIR(cur.type))
		return -ENOTDIR;
	p->node = cur;
	p->where = UE_UNION;
	return ue_path_refresh(p);
}

/* The next fastest: rest's directory known whole, its last name new (du,
 * tar and rm -rf meet each name once).  The walk from the root looked up
 * every directory above it in the cache again, hashing ever longer
 * prefixes: a tenth of du's time.  0 done, 1 walk instead, or -errno as
 * the walk would say. */
static int last_name_only(const struct ue_caller *c, const char *rest, size_t n, const struct ue_dir_at *at, int flags,
                          struct ue_path *p)
{
	struct ue_node parent, child;
	const char *slash = memrchr(rest, '/', n);
	if (!slash || n - (size_t)(slash - rest) - 1 > NAME_MAX)
		return 1;
	/* The directory's name is rel cut at the slash: no buffer of its
	 * own, whose page each new thread and each fork child would touch. */
	size_t dn = (size_t)(slash - rest);
	memcpy(p->rel, rest, n + 1);
	p->rel[dn] = '\0';
	int passes = ue_cache_find(p->rel, &parent) && passes_above(c, &parent) && ue_node_exists(&parent) &&
	             S_ISDIR(parent.type) && may_step(c, &parent, p->rel) == 0;
	p->rel[dn] = '/';
	if (!passes)
		return 1;
	int asked, r;
	if ((flags & UE_NEW) && guess_new(&parent, &p->node)) {
		p->guessed = 1;
		p->where = UE_UNION;
		return ue_path_refresh(p);
	}
	if (at && parent.redirect)
		at = NULL;
	if ((r = ue_node_child_new_st(p->rel, &parent, at, &child, &p->top_st, &p->top_stx, &asked)) < 0)
		return r;
	if (S_ISLNK(child.type) && (flags & UE_FOLLOW))
		return 1;
	p->top_st_valid = asked;
	p->node = child;
	p->where = UE_UNION;
	return ue_path_refresh(p);
}

static int resolve_path(const struct ue_caller *c, int dirfd, const char *path, int flags, struct ue_path *p)
{
	char abs[UE_PATH_MAX], norm[UE_PATH_MAX];
	const char *rest;
	size_t n = 0;  /* strlen(rest), when known */
	struct ue_dir_at at = { -1, -1 };

	p->caller = c;
	p->where = UE_PASS;
	p->trailing_slash = 0;
	p->top_st_valid = 0;
	p->guessed = 0;
	p->last = UE_LAST_NAME;
	if (!ue_config_active())
		return 0;
	/* A path read for the caller is our own copy, made absolute and
	 * already held to the kernel's limit on what the program named: it
	 * may pass PATH_MAX, which ue_user_path would call ENAMETOOLONG
	 * wherever it starts on a page boundary. */
	long len = c->paths_read ? (long)strlen(path) : ue_user_path(path);
	if (len < 0)
		return (int)len;  /* the kernel's EFAULT, where reading would crash */
	if (len >= PATH_MAX && !c->paths_read)
		return -ENAMETOOLONG;  /* the kernel's limit on what a program names, however deep it leads */
	if (path[0] == '\0')
		return 0;  /* "" (AT_EMPTY_PATH or an error): the kernel decides */
	if (path[0] == '/') {
		rest = under_mount(path);
		if (rest) {
			n = (size_t)(path + len - rest);
		} else {
			if (!ue_path_has_dots(path))
				return 0;
			if (ue_path_normalize(norm, sizeof norm, path) < 0 || !(rest = under_mount(norm)))
				return 0;
		}
	} else {
		/* This process's current directory, the common case, costs no
		 * call more than before the caller was an argument. */
		int r;
		/* "./d/f" (tar's names) is "d/f": searching the base directory
		 * is asked of either, and a name without dots takes the fast
		 * paths below. */
		while (path[0] == '.' && path[1] == '/' && path[2] && path[2] != '/')
			path += 2;
		/* A name in a directory fd this process opened: its lookup may
		 * start at the fd (fdnames.h). */
		if (dirfd >= 0 && !c->fd_vpath && !strchr(path, '/') &&
		    ue_fdname_get_layer(dirfd, abs, sizeof abs, &at.layer)) {
			at.fd = dirfd;
			r = 0;
		} else {
			r = dirfd == AT_FDCWD && !c->cwd ? ue_cwd_get(abs, sizeof abs) : ue_caller_base(c, dirfd, abs, sizeof abs);
		}
		if (r < 0)
			return 0;  /* not a directory fd we know: the kernel says why */
		if ((r = ue_path_join(abs, sizeof abs, abs, path)) < 0)
			return r;
		rest = under_mount(abs);
		if (!rest) {
			if (!ue_path_has_dots(abs))
				return 0;
			if (ue_path_normalize(norm, sizeof norm, abs) < 0 || !(rest = under_mount(norm)))
				return 0;
		}
	}
	/* Fast path: a canonical path that the cache knows whole (so its last
	 * component is a name). */
	if (!n)
		n = strlen(rest);
	if (n > 0 && n < sizeof p->rel && rest[n - 1] != '/' && !ue_path_has_dots(rest) &&
	    !(ue_cfg.npassthrough && ue_config_passes(rest))) {
		struct ue_node node;
		/* ... and whose directories let everyone search them (or the
		 * caller is root). */
		int found = ue_cache_find(rest, &node);
		if (found && passes_above(c, &node) && !(S_ISLNK(node.type) && (flags & UE_FOLLOW))) {
			memcpy(p->rel, rest, n + 1);
			p->node = node;
			p->where = UE_UNION;
			return ue_path_refresh(p);
		}
		p->last = ue_path_last(path);
		int r = found ? 1 : last_name_only(c, rest, n, at.layer >= 0 ? &at : NULL, flags, p);
		if (r <= 0)
			return r;
	}
	p->last = ue_path_last(path);
	return walk(rest, flags, p);
}

int ue_resolve_as(const struct ue_caller *c, int dirfd, const char *path, int flags, struct ue_path *p)
{
	p->hide_mark = ue_hide_snapshot();
	int r = resolve_path(c, dirfd, path, flags, p);
	if (ue_trace_on)
		ue_trace_resolved(p, path, r);
	return r;
}

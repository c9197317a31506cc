/* Opening files: open and its many entry points, fopen, the mkstemp family
 * (whose libc versions open the file internally, out of the wrappers' sight). */
#include "lowerdirs.h"
#include "fdtab.h"
#include "fdnames.h"
#include "calls.h"
#include "impl.h"
#include "layerpath.h"
#include "lookup.h"
#include "ops.h"
#include "sys.h"

#include <string.h>
#include <sys/random.h>

/* Prepare p (resolved by the table's OPEN_FOLLOW and OPEN_MODE: args.h)
 * for an open with flags: copy-up or create in the upper.  Returns 1 when
 * the open will create the name. */
static long open_prepare(struct ue_path *p, int *flags, mode_t mode)
{
	int r;
	if (p->where != UE_UNION)
		return 0;
	if ((*flags & O_TMPFILE) == O_TMPFILE) {
		if (!ue_node_exists(&p->node))
			return -ENOENT;
		if (!S_ISDIR(p->node.type))
			return -ENOTDIR;
		return ue_op_change_prepare(p, 0);
	}
	r = ue_op_open_prepare(p, flags, mode);
	/* A metadata-only copy-up (the kernel's metacopy) reads its data from
	 * below; an open that writes has completed the copy-up by now. */
	if (r == 0 && p->node.data_layer && !(*flags & O_PATH))
		r = ue_node_data_real(p->real, sizeof p->real, &p->node, p->rel);
	return r;
}

/* An fd opened read-only on a file of a lower (or on the lower data of an
 * upper metacopy file) follows its copy-up. */
static void track_if_lower(long fd, int flags, const struct ue_path *p, struct ue_fd_mark mark)
{
	if (fd >= 0 && p->where == UE_UNION && S_ISREG(p->node.type) && !ue_open_changes(flags) && !(flags & O_PATH) &&
	    (p->node.layer > UE_UPPER || (p->node.layer == UE_UPPER && ue_layer_of(p->real) > UE_UPPER)))
		ue_fdtab_track((int)fd, p->rel, mark);
}

/* The kernel opened an absolute path that names nothing of the union's:
 * outside the mount, every layer and the index.  (A symbolic link there
 * into a layer leads around the union anyway.) */
static int outside_all(const struct ue_path *p, const char *path)
{
	const char *abs = p->where == UE_OUTSIDE ? p->real : path;
	return abs && abs[0] == '/' && !ue_path_has_dots(abs) && !ue_path_under(abs, ue_cfg.mount, ue_cfg.mount_len) &&
	       ue_layer_of(abs) < 0 &&
	       !(ue_cfg.work && ue_path_under(abs, ue_cfg.work, strlen(ue_cfg.work))) &&
	       !(ue_cfg.index && ue_path_under(abs, ue_cfg.index, strlen(ue_cfg.index)));
}

/* A directory of the union opened: its name kept for the calls relative
 * to it (core/fdnames.h); any other fd of that number had been closed. */
static void name_if_dir(long fd, const struct ue_path *p, struct ue_fd_mark mark, long created, const char *path)
{
	if (fd < 0)
		return;
	if (p->where == UE_UNION && S_ISDIR(p->node.type) && ue_node_exists(&p->node))
		ue_fdname_put_rel((int)fd, p->rel, p->real, mark.ring);
	else
		ue_fdname_drop((int)fd);
	/* Opened on the upper's file (not a metacopy's lower data). */
	if (p->where == UE_UNION && ue_layer_of(p->real) == UE_UPPER)
		ue_fd_set_upper((int)fd, created > 0);
	else if (p->where != UE_UNION && outside_all(p, path))
		ue_fd_set_outside((int)fd);
}

static long open_resolved(struct ue_arg *P, int flags, mode_t mode)
{
	struct ue_path *p = &P->p;
	long created = open_prepare(p, &flags, mode);
	if (created < 0)
		return created;
	/* Under a held directory only what opens at once: a fifo or a device
	 * may wait for ever, and a held directory is let go only between
	 * calls. */
	struct ue_kname k = { ue_arg_kfd(P), ue_arg_kpath(P), -1 };
	if (p->where == UE_UNION && (S_ISREG(p->node.type) || S_ISDIR(p->node.type)))
		ue_arg_kname(P, &k);
	long fd = UE_ERR(LIBC(openat)(k.fd, k.name, flags, mode));
	ue_lowerdir_done(&k);
	/* Out of fds, perhaps for the directories held: they go, and the
	 * program has every fd it would have had without them. */
	if (fd == -EMFILE && ue_lowerdirs_held()) {
		ue_lowerdirs_release();
		fd = UE_ERR(LIBC(openat)(ue_arg_kfd(P), ue_arg_kpath(P), flags, mode));
	}
	track_if_lower(fd, flags, p, P->mark);
	name_if_dir(fd, p, P->mark, created, P->path);
	/* Created, or found made by another process whose announcement we
	 * had not seen yet (O_EXCL): either way every cache must hear. */
	if ((fd >= 0 && created) || (fd == -EEXIST && p->where == UE_UNION && !p->guessed))
		ue_changed(p->rel, 0);
	return fd;
}

long open_impl(struct ue_arg *P, int flags, mode_t mode)
{
	long fd = open_resolved(P, flags, mode);
	/* The name taken as missing is there: a file, or a whiteout that the
	 * create must replace.  Looked up now, as any other open would. */
	if (fd == -EEXIST && P->p.guessed)
		fd = ue_arg_look_again(P) ?: open_resolved(P, flags, mode);
	return fd;
}

long ue_open_kernel_path(int dirfd, const char *path, int flags, mode_t mode, char *out, size_t size)
{
	struct ue_arg P_, *const P = &P_;
	long r = ue_arg_resolve(P, dirfd, path, OPEN_FOLLOW(flags), 0, OPEN_MODE(flags));
	if (r < 0 || (r = open_prepare(&P->p, &flags, mode)) < 0)
		return r;
	const char *k = ue_arg_kpath(P);
	if (ue_arg_kfd(P) != AT_FDCWD || k[0] != '/')
		return -ENOSYS;  /* outside the union, relative: the caller's own call is the kernel's */
	if (strlen(k) >= size)
		return -ENAMETOOLONG;
	strcpy(out, k);
	return 0;
}

int ue_fopen_flags(const char *mode)
{
	int acc = O_RDONLY, fl = 0;
	switch (mode[0]) {
	case 'w': acc = O_WRONLY; fl = O_CREAT | O_TRUNC; break;
	case 'a': acc = O_WRONLY; fl = O_CREAT | O_APPEND; break;
	}
	for (const char *m = mode + 1; *m && *m != ','; m++) {
		if (*m == '+')
			acc = O_RDWR;
		else if (*m == 'x')
			fl |= O_EXCL;
	}
	return acc | fl;
}

/* The mode string without 'x' once the file was made here (over a whiteout). */
static const char *mode_without_excl(const char *mode, int flags, char *buf, size_t size)
{
	if (!strchr(mode, 'x') || (flags & O_EXCL) || strlen(mode) + 1 > size)
		return mode;
	char *o = buf;
	for (const char *m = mode; *m; m++)
		if (*m != 'x')
			*o++ = *m;
	*o = '\0';
	return buf;
}

/* P: NULLABLE, freopen(NULL, mode, f) changes the stream's mode. */
FILE *freopen_impl(struct ue_arg *P, const char *mode, FILE *f, FILE *(*libc)(const char *, const char *, FILE *))
{
	char mbuf[32];
	/* libc closes the stream's fd inside, and opens anew (often at the
	 * same number), where no wrapper sees either. */
	ue_fd_closed(ue_file_fd(f));
	if (!P->path)
		return UE_PASS_PTR(libc(NULL, mode, f));
	int flags = ue_fopen_flags(mode);
	long created = open_prepare(&P->p, &flags, 0666);
	if (created < 0)
		return ue_fail(created);
	FILE *r = UE_PASS_PTR(libc(ue_arg_kpath(P), mode_without_excl(mode, flags, mbuf, sizeof mbuf), f));
	if (r)
		track_if_lower(fileno(r), flags, &P->p, P->mark);
	if (r && created)
		ue_changed(P->p.rel, 0);
	return r;
}

FILE *fopen_impl(struct ue_arg *P, const char *mode, FILE *(*libc)(const char *, const char *))
{
	char mbuf[32];
	int flags = ue_fopen_flags(mode);
	long created = open_prepare(&P->p, &flags, 0666);
	if (created < 0)
		return ue_fail(created);
	FILE *r = UE_PASS_PTR(libc(ue_arg_kpath(P), mode_without_excl(mode, flags, mbuf, sizeof mbuf)));
	if (r)
		track_if_lower(fileno(r), flags, &P->p, P->mark);
	if (r && created)
		ue_changed(P->p.rel, 0);
	return r;
}

/* Fill the six X before the suffix with random letters and try, as glibc's
 * __gen_tempname does, through our own open/mkdir so the name is made in
 * union terms. */
long gen_tempname_with(char *tmpl, int suffixlen, long (*try)(char *, int), int arg)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t len = strlen(tmpl);
	if (suffixlen < 0 || len < 6 + (size_t)suffixlen)
		return -EINVAL;
	char *x = tmpl + len - suffixlen - 6;
	if (strncmp(x, "XXXXXX", 6))
		return -EINVAL;
	for (int attempt = 0; attempt < 62 * 62 * 62; attempt++) {
		unsigned char rnd[6];
		if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != sizeof rnd) {
			unsigned long v = (unsigned long)attempt * 2654435761UL ^ (unsigned long)getpid();
			memcpy(rnd, &v, sizeof rnd);
		}
		for (int i = 0; i < 6; i++)
			x[i] = letters[rnd[i] % 62];
		long r = try(tmpl, arg);
		if (r != -EEXIST)
			return r;
	}
	return -EEXIST;
}

static long try_open(char *name, int flags)
{
	return ue_call_openat(AT_FDCWD, name, (flags & ~O_ACCMODE) | O_RDWR | O_CREAT | O_EXCL, 0600);
}

static long try_mkdir(char *name, int unused)
{
	return ue_call_mkdir(name, 0700);
}

long mkstemp_impl(char *tmpl, int suffixlen, int flags)
{
	return gen_tempname_with(tmpl, suffixlen, try_open, flags);
}

char *mkdtemp_impl(char *tmpl)
{
	long r = gen_tempname_with(tmpl, 0, try_mkdir, 0);
	return r < 0 ? ue_fail(r) : tmpl;
}

#include "ociwalk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct owalk {
	oci_cb cb;
	void *ctx;
	struct pbuf path;
	size_t leftovers;
};

static void walk_dir(struct owalk *w, int fd, const struct mdir *low)
{
	struct ldir d;
	int r = ldir_read(fd, &d);
	if (r < 0)
		ue_die("%s: %s", w->path.len ? w->path.s : ".", strerror(-r));
	w->leftovers += d.ntmp;
	for (size_t i = 0; i < d.n; i++) {
		struct lent *e = &d.e[i];
		struct oci_item it = { .dfd = fd, .raw = e->raw, .dtype = e->dtype };
		if (e->kind == K_WHITEOUT) {
			if (low && mdir_lookup(low, e->name, NULL) < 0)
				continue;   /* hides nothing */
			char *wn = xmalloc(strlen(e->name) + sizeof UE_AUFS_PREFIX);
			strcpy(wn, UE_AUFS_PREFIX);
			strcat(wn, e->name);
			size_t old = pb_push(&w->path, wn);
			free(wn);
			it.kind = OI_WHITEOUT;
			it.path = w->path.s;
			w->cb(w->ctx, &it);
			pb_pop(&w->path, old);
			continue;
		}
		size_t old = pb_push(&w->path, e->name);
		it.kind = OI_ENTRY;
		it.path = w->path.s;
		w->cb(w->ctx, &it);
		if (e->dtype == DT_DIR) {
			int cfd = open_dir(fd, e->raw);
			if (cfd < 0)
				ue_die("%s: %s", w->path.s, strerror(-cfd));
			unsigned forms = dir_xattr_forms(cfd, NULL);
			int opaque = (forms & (F_OPQ_USER | F_OPQ_TRUSTED | F_OPQ_FUSE)) ||
			             faccessat(cfd, UE_AUFS_OPAQUE, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
			if (opaque) {
				size_t o2 = pb_push(&w->path, UE_AUFS_OPAQUE);
				struct oci_item op = { .kind = OI_OPAQUE, .path = w->path.s,
				                       .dfd = cfd, .dtype = DT_DIR };
				w->cb(w->ctx, &op);
				pb_pop(&w->path, o2);
			}
			struct mdir child = { 0 };
			if (low && !opaque) {
				r = mdir_child(low, e->name, &child);
				if (r < 0)
					ue_die("%s (lower): %s", w->path.s, strerror(-r));
			}
			walk_dir(w, cfd, low ? &child : NULL);
			mdir_free(&child);
			close(cfd);
		}
		pb_pop(&w->path, old);
	}
	ldir_free(&d);
}

size_t oci_walk(int ufd, const struct mdir *lowers, oci_cb cb, void *ctx)
{
	struct owalk w = { .cb = cb, .ctx = ctx };
	pb_init(&w.path, "");
	walk_dir(&w, ufd, lowers);
	pb_free(&w.path);
	return w.leftovers;
}

struct listctx {
	FILE *out;
	int n;
};

static void list_cb(void *ctx, const struct oci_item *it)
{
	struct listctx *l = ctx;
	put_escaped(l->out, it->path);
	if (it->kind == OI_ENTRY && it->dtype == DT_DIR)
		fputc('/', l->out);
	fputc('\n', l->out);
	l->n++;
}

int oci_list(int ufd, const struct mdir *lowers, FILE *out)
{
	struct listctx l = { out, 0 };
	oci_walk(ufd, lowers, list_cb, &l);
	return l.n;
}

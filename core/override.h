/* The owner and mode a copy-up could not give, recorded as rootless
 * container tools record them (containers/storage, fuse-overlayfs):
 * user.containers.override_stat = "UID:GID:MODE:TYPE", MODE in octal with
 * the set-id and sticky bits, TYPE "file" or "dir" (the only types that
 * take user xattrs).  An ordinary user's copy-up cannot chown to root; the
 * union shows, and checks permissions against, the recorded owner. */
#ifndef UE_OVERRIDE_H
#define UE_OVERRIDE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "markers.h"   /* UE_XATTR_OVERRIDE */

struct ue_override {
	uid_t uid;
	gid_t gid;
	mode_t mode;    /* 07777 */
};

/* The xattr's value: 0 or -EINVAL.  Readers take "UID:GID:MODE" with or
 * without the type, as containers/storage and fuse-overlayfs do. */
int ue_override_parse(const char *v, size_t n, struct ue_override *o);
/* The value for a file of type (S_IFMT bits) in buf; its length. */
int ue_override_format(char *buf, size_t size, mode_t type, const struct ue_override *o);

/* Read the record of the file at real (or fd, when real is NULL):
 * 1 found, 0 none, -errno. */
int ue_override_get(const char *real, int fd, struct ue_override *o);
/* The same of the entry name in directory dfd (not followed; name NULL:
 * the file dfd is open on): core/markers.h's ue_xattr_get_at. */
int ue_override_get_at(int dfd, const char *name, struct ue_override *o);
/* Record o on the file at real (or fd); type as for format. */
int ue_override_set(const char *real, int fd, mode_t type, const struct ue_override *o);

/* After a chmod (mode) or chown (uid, gid; -1 each: unchanged) of real
 * succeeded: carry the change into the record, and drop the record once
 * the real file says the same.  1 when there was a record, 0 none. */
int ue_override_update(const char *real, uid_t uid, gid_t gid, mode_t mode);

/* What the union shows: st with the recorded owner and mode. */
static inline void ue_override_apply(const struct ue_override *o, struct stat *st)
{
	st->st_uid = o->uid;
	st->st_gid = o->gid;
	st->st_mode = (st->st_mode & S_IFMT) | o->mode;
}

#endif

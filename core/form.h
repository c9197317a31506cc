/* The forms of the upper's markers (enum ue_form, config.h): which one a
 * filesystem can hold. */
#ifndef UE_FORM_H
#define UE_FORM_H

/* The first form, of device, xattr, aufs, that the filesystem of dir takes,
 * found by making and removing a temporary entry in dir (its times are put
 * back); or -errno when dir cannot be read, or when the filesystem is full
 * or read-only (ENOSPC, EDQUOT, EROFS: then nothing is known of the forms
 * it takes). */
int ue_form_probe(const char *dir);

/* The same in parts, for a caller that does more under the probe's lock:
 * the lock on dir (an fd to close, or -1: waited for a second at most),
 * and the probe made while it is held. */
int ue_form_lock(const char *dir);
int ue_form_probe_locked(const char *dir);

/* Whether err says "this filesystem does not take that": EPERM (overlayfs'
 * mknod of a whiteout), EOPNOTSUPP (no xattrs), EINVAL (no RENAME_WHITEOUT),
 * ENOSYS. */
int ue_form_refused(int err);

/* Without the launcher's word, the form that the filesystem of dir takes
 * when it refused err becomes the process's: 1 when that is a later form
 * (the caller tries again), else 0. */
int ue_form_next(const char *dir, int err);

const char *ue_form_name(int form);   /* "device", "xattr", "aufs" */
/* "device", "xattr", "aufs" (also "oci"): the enum ue_form, or -1. */
int ue_form_parse(const char *name);

#endif

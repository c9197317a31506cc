/* The layers of one union: where they live and where the union appears. */
#ifndef UE_CONFIG_H
#define UE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define UE_MAX_LAYERS 64          /* the upper and up to 63 lowers: a uint64_t stack mask */
#define UE_UPPER 0                /* layer 0 is always the upper */
#define UE_MAX_PASSTHROUGH 16

#include <sys/types.h>

struct ue_layer {
	char *root;                 /* canonical absolute path, no trailing slash */
	size_t len;
	/* What the last probe's lstat found at root: a directory, and which
	 * (core/layercheck.c reuses it at start-up). */
	int probed_dir;
	dev_t dev;
	ino_t ino;
};

/* The form of the markers written in the upper (docs/design.md, "Upper
 * formats"): the kernel's char 0/0 whiteouts, its xattr whiteouts where the
 * upper's filesystem holds no device nodes, aufs/OCI .wh. files where it
 * holds no user xattrs either. */
enum ue_form { UE_FORM_DEVICE, UE_FORM_XATTR, UE_FORM_AUFS };

struct ue_config {
	char *mount;                /* where the union appears to programs */
	size_t mount_len;
	int nlayers;                /* 1 + number of lowers */
	struct ue_layer layer[UE_MAX_LAYERS];
	int one_dev;                /* every layer on one filesystem: inode numbers comparable */
	/* Union paths left to the kernel as the root filesystem's own (a
	 * whole-root union's /proc, /sys, /dev and its upper): relative to the
	 * mount, canonical, no trailing slash. */
	int npassthrough;
	char *passthrough[UE_MAX_PASSTHROUGH];
	int upper_form;             /* enum ue_form */
	/* The kernel's index (index=on; core/index.h): WORK/index, where WORK
	 * is the work directory given (--work, UNIONENV_WORK); NULL: none. */
	char *work;
	char *index;
	int upper_form_given;       /* UNIONENV_UPPER_FORMAT set it: never changed, else
	                               learned from the first refused marker */
};

/* The configuration of this process; zeroed when no union is active. */
extern struct ue_config ue_cfg;

/* Load from the launcher's strings: colon-separated lowers (highest first),
 * the upper, the mount (NULL or "" = first lower).  Returns 0 or -errno
 * (-EINVAL for a malformed value: relative path, empty element). */
int ue_config_load(const char *lowers, const char *upper, const char *mount);
void ue_config_reset(void);
/* Add the colon-separated absolute union paths of list to the pass-through
 * set (UNIONENV_PASSTHROUGH).  -EINVAL for a relative or empty element. */
int ue_config_passthrough(const char *list);
/* Whether the canonical relative union path rel is, or lies below, a
 * pass-through path. */
int ue_config_passes(const char *rel);
void ue_config_probe(void);    /* layers' devices; at load, and again when they may have changed */
static inline int ue_config_active(void) { return ue_cfg.nlayers > 0; }
/* Layer i is the lowest: nothing below it merges, a whiteout there hides
 * nothing. */
static inline int ue_layer_is_bottom(int i) { return i == ue_cfg.nlayers - 1; }

#endif

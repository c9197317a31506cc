/* Layers on disk for the unit tests: a temporary directory with lowers
 * and an upper, built from a compact description, and the core pointed at
 * it.  Reset between tests, so no state leaks from one to the next. */
#ifndef UE_FIXTURE_H
#define UE_FIXTURE_H

/* spec lines: "L1 f name content", "L2 d name", "L1 l name target",
 * "U w name" (whiteout), "U o name" (opaque dir), "U x name key=value"
 * (an xattr). */
void fx_setup(int nlowers, const char *const spec[]);
void fx_teardown(void);
const char *fx_path(const char *layer, const char *rel);   /* "U", "L1"... */
const char *fx_mount(void);
/* Resolve the union's rel (not followed) into p; p->where -1 when that fails. */
struct ue_path;
struct ue_path *fx_at(struct ue_path *p, const char *rel);
/* The entry type at layer/rel: 'f' 'd' 'l' 'w' (whiteout) 'c' or 0. */
char fx_type(const char *layer, const char *rel);
/* How many temporary names (core/tmpname.h) the upper directory rel holds. */
int fx_tmp_names(const char *rel);
const char *fx_read(const char *layer, const char *rel);
int fx_opaque(const char *layer, const char *rel);

/* Two lowers and an upper with every kind of entry and marker: merged
 * directories, whiteouts in the upper and in a lower, an opaque directory,
 * symlinks (relative, absolute, looping, leaving the mount).  The lookup,
 * resolve and readdir tests walk it. */
extern const char *const fx_merged_tree[];

#endif

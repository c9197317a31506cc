/* The launcher's rules on the layers, checked by the library itself. */
#ifndef UE_LAYERCHECK_H
#define UE_LAYERCHECK_H

#include <stddef.h>

#define UE_LAYERS_TOKEN 17  /* 16 hex digits and the NUL */

/* Every layer and the mount an existing directory named canonically, no
 * lower twice, the upper neither a lower nor inside one (but a lower of
 * "/"), no lower inside the upper, the mount not inside the upper: 0, or
 * -errno with the reason, one line, in why.  After ue_config_load (its
 * probe).  seen: the token of a check passed before (a parent's), or
 * NULL; where it names these layers, no layer is read through /proc.
 * token: this check's, for children ("" where it failed). */
int ue_layers_check(const char *seen, char *why, size_t size, char token[UE_LAYERS_TOKEN]);

/* The token of the layers in ue_cfg for a caller that has made their names
 * canonical itself (the launcher, readlink by readlink): the same rules,
 * with no layer read through /proc, so that the command's library takes
 * its parent's word for the names and need not either.  0, or -errno with
 * the reason in why and token "". */
int ue_layers_token(char *why, size_t size, char token[UE_LAYERS_TOKEN]);

#endif

/* The launcher's rules on the layers, checked by the library itself. */
#ifndef UE_LAYERCHECK_H
#define UE_LAYERCHECK_H

#include <stddef.h>

/* Every layer and the mount an existing directory named canonically, no
 * lower twice, the upper neither a lower nor inside one (but a lower of
 * "/"), no lower inside the upper, the mount not inside the upper: 0, or
 * -errno with the reason, one line, in why. */
int ue_layers_check(char *why, size_t size);

#endif

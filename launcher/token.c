/* The layers' token for the command's library (core/layercheck.h,
 * UNIONENV_CHECKED).  Every name the launcher exports it has made
 * canonical itself, readlink by readlink, so the library in the first
 * process takes the launcher's word for them, as each process after it
 * takes its parent's: none reads /proc to check them again (an open, a
 * readlink in the new process's /proc and a close a layer).  Where no
 * token can be made, none is passed: the library makes the full check and
 * refuses with its own reason. */
#include "launcher.h"
#include "config.h"
#include "layercheck.h"

#include <stdlib.h>

void set_layers_token(void)
{
	char why[256], token[UE_LAYERS_TOKEN];
	if (ue_config_load(getenv("UNIONENV_LOWER"), getenv("UNIONENV_UPPER"), getenv("UNIONENV_MOUNT")) == 0 &&
	    ue_layers_token(why, sizeof why, token) == 0)
		setenv("UNIONENV_CHECKED", token, 1);
	else
		unsetenv("UNIONENV_CHECKED");
	ue_config_reset();
}

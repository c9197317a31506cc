/* The form a process writes its markers in moves on where the upper's
 * filesystem refuses one (core/form.h); its own file, as form.c serves
 * tools that have no configuration. */
#include "form.h"
#include "config.h"

int ue_form_next(const char *dir, int err)
{
	if (ue_cfg.upper_form_given || !ue_form_refused(err))
		return 0;
	int form = ue_form_probe(dir);
	if (form <= ue_cfg.upper_form)
		return 0;
	ue_cfg.upper_form = form;
	return 1;
}

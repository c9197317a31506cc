/* unionenv-upperform UPPER [auto|device|xattr|aufs]: the form of markers the
 * launcher tells the library to write in UPPER (UNIONENV_UPPER_FORMAT), for
 * scripts and older launchers: the launcher itself calls ue_form_pick
 * (formpick.h).  Prints the form's name; status 1 (with one line on
 * stderr) when UPPER cannot hold it. */
#include "form.h"
#include "formpick.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: unionenv-upperform UPPER [auto|device|xattr|aufs]\n");
		return 2;
	}
	int form = ue_form_pick(argv[1], argc > 2 ? argv[2] : "auto");
	if (form < 0)
		return 1;
	puts(ue_form_name(form));
	return 0;
}

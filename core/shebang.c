/* The #! line: see shebang.h. */
#include "shebang.h"

#include <errno.h>
#include <string.h>

int ue_shebang_parse(char *line, char **interp, char **arg)
{
	if (line[0] != '#' || line[1] != '!')
		return -ENOEXEC;
	char *s = line + 2, *nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	s += strspn(s, " \t");
	*interp = s;
	s += strcspn(s, " \t");
	*arg = NULL;
	if (*s) {
		*s++ = '\0';
		s += strspn(s, " \t");
		char *e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*s)
			*arg = s;
	}
	return **interp ? 0 : -ENOEXEC;
}

/* Handing a child the preload cannot follow to the seccomp supervisor
 * (follow.h; docs/design.md, "Children the preload cannot follow"). */
#include "follow.h"
#include "impl.h"

#include <stdlib.h>

int ue_handoff_build(struct ue_handoff *h, const char *supervisor, const char *real, char *const argv[],
                     char *const envp[])
{
	size_t argc = 0;
	while (argv && argv[argc])
		argc++;
	h->env = ue_env_for_supervisor(envp);
	/* supervisor --exec REAL -- ARGV... NULL; an empty argv gets REAL as
	 * its argv[0] (the supervisor needs a command) */
	h->argv = calloc(argc + 6, sizeof *h->argv);
	if (!h->env || !h->argv) {
		ue_handoff_free(h);
		return -ENOMEM;
	}
	size_t k = 0;
	if (ue_gated) {
		/* the tree is filtered already: the program itself, as given */
		if (!argc)
			h->argv[k++] = (char *)real;
		for (size_t i = 0; i < argc; i++)
			h->argv[k++] = argv[i];
		h->argv[k] = NULL;
		return 0;
	}
	h->argv[k++] = (char *)supervisor;
	h->argv[k++] = "--exec";
	h->argv[k++] = (char *)real;
	h->argv[k++] = "--";
	if (!argc)
		h->argv[k++] = (char *)real;
	for (size_t i = 0; i < argc; i++)
		h->argv[k++] = argv[i];
	h->argv[k] = NULL;
	return 0;
}

void ue_handoff_free(struct ue_handoff *h)
{
	if (h->env)
		ue_env_free(h->env, NULL);
	free(h->argv);
	h->env = NULL;
	h->argv = NULL;
}

/* The unit tests' system-call gate: the racer of racer.h around the real
 * gate.  core/ calls ue_syscall6, a weak name of the gate (core/gate.c):
 * this definition takes its place in the test program. */
#include "racer.h"
#include "gate.h"

static racer_fn *racer;
static int acted;

void racer_set(racer_fn *fn)
{
	racer = fn;
	acted = 0;
}

int racer_acted(void)
{
	return acted;
}

/* A racer's own calls through core/ come here too: it is cleared before
 * it acts. */
static void maybe_act(int after, long nr, const long a[6], long ret)
{
	racer_fn *fn = racer;
	racer = 0;
	if (fn(after, nr, a, ret))
		acted = 1;
	else
		racer = fn;
}

long ue_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	const long a[6] = { a1, a2, a3, a4, a5, a6 };
	if (racer)
		maybe_act(0, nr, a, 0);
	long ret = ue_gate_syscall6(nr, a1, a2, a3, a4, a5, a6);
	if (racer)
		maybe_act(1, nr, a, ret);
	return ret;
}

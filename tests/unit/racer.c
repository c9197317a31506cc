/* The unit tests' syscall(2): the racer of racer.h, then the C library's. */
#include "racer.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>

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

long syscall(long nr, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (racer)
		maybe_act(0, nr, a, 0);
	long ret = real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (racer) {
		int e = errno;
		maybe_act(1, nr, a, ret < 0 ? -e : ret);
		errno = e;
	}
	return ret;
}

#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One tool, one walk: the state of its line.  progress_start resets it. */
static struct {
	int on, drawn, ended;
	const char *what;
	uint64_t entries, bytes;
	double start, last;
} pg;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void progress_start(const char *what, int quiet)
{
	memset(&pg, 0, sizeof pg);
	pg.what = what;
	pg.on = !quiet && isatty(STDERR_FILENO);
	pg.start = pg.last = now();
}

/* 12,345 */
static void put_count(char *buf, size_t size, uint64_t n)
{
	char digits[32];
	int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
	size_t o = 0;
	for (int i = 0; i < len && o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

/* 1.2 GiB */
static void put_size(char *buf, size_t size, double n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	while (n >= 1024 && u < 4) {
		n /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", n, unit[u]);
}

static void draw(int final)
{
	char entries[40], bytes[32], rate[32];
	double t = now() - pg.start;
	put_count(entries, sizeof entries, pg.entries);
	put_size(bytes, sizeof bytes, (double)pg.bytes);
	put_size(rate, sizeof rate, t > 0.001 ? (double)pg.bytes / t : 0);
	unsigned secs = (unsigned)t;
	/* \r and erase-to-end: the line shrinks as well as grows. */
	fprintf(stderr, "\r\033[K%s: %s entr%s, %s, %s/s, %u:%02u%s", pg.what, entries,
	        pg.entries == 1 ? "y" : "ies", bytes, rate, secs / 60, secs % 60, final ? "\n" : "");
	fflush(stderr);
	pg.drawn = !final;
	pg.last = now();
}

/* clock_gettime is read through the vDSO: no system call per name. */
static void maybe_draw(void)
{
	if (pg.on && !pg.ended && now() - pg.last >= 0.1)
		draw(0);
}

void progress_entry(uint64_t bytes)
{
	pg.entries++;
	pg.bytes += bytes;
	maybe_draw();
}

void progress_bytes(uint64_t bytes)
{
	pg.bytes += bytes;
	maybe_draw();
}

void progress_clear(void)
{
	if (pg.on && pg.drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		pg.drawn = 0;
	}
}

void progress_end(void)
{
	if (pg.on && !pg.ended)
		draw(1);
	pg.ended = 1;
}

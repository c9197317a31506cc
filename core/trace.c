#include "trace.h"
#include "config.h"
#include "layerpath.h"
#include "path.h"
#include "resolve.h"
#include "sys.h"

#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>

int ue_trace_on;

/* The file: its name, and the fd with the identity of what it opened, so
 * that a program that closed the fd (closefrom) and got the number again
 * for a file of its own is never written into. */
static struct {
	char name[PATH_MAX];
	int fd;
	dev_t dev;
	ino_t ino;
} out = { .fd = -1 };

#define TRACE_PATHS 2
#define TRACE_EVENTS 1024

/* The call under way in this thread: filled by the core while it works,
 * written at the wrapper's end. */
struct record {
	const char *call;
	int pid;                       /* 0: this process */
	int npaths;
	struct {
		const struct ue_path *p;   /* which resolution: the same struct looked at again updates */
		int where, layer;
		char given[PATH_MAX];
		char real[UE_PATH_MAX];
	} path[TRACE_PATHS];
	/* The supervisor's: the paths it made absolute (abs) from the
	 * program's strings (given), which the line shows instead. */
	int nshown;
	struct {
		char abs[UE_PATH_MAX];
		char given[PATH_MAX];
	} shown[TRACE_PATHS];
	size_t nevents;
	char events[TRACE_EVENTS];
	char line[2 * PATH_MAX + 2 * UE_PATH_MAX + TRACE_EVENTS + 256];   /* written at the end: off the caller's stack */
	size_t len;
};

/* Allocated the first time a thread traces: nothing when off. */
static __thread struct record *rec;

/* s in double quotes into buf (size bytes, *len used), with \", \\ and
 * \ooo for what is not printable; cut where it does not fit. */
static void put_quoted(char *b, size_t size, size_t *len, const char *s)
{
	static const char oct[] = "01234567";
	size_t o = *len, end = size - 6;   /* room for one escape, the quote and the NUL */
	if (size < 8 || o >= end)
		return;
	b[o++] = '"';
	for (; *s && o < end; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			b[o++] = '\\';
			b[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			b[o++] = '\\';
			b[o++] = oct[c >> 6];
			b[o++] = oct[(c >> 3) & 7];
			b[o++] = oct[c & 7];
		} else {
			b[o++] = (char)c;
		}
	}
	b[o++] = '"';
	b[o] = '\0';
	*len = o;
}

/* The trace is written past the union, with our own system calls: a file
 * in a layer or under the mount would change a lower behind the union's
 * back.  The launcher refuses such a name; set by hand, each process says
 * so once and does not trace. */
static int inside_union(const char *file)
{
	int in = ue_config_active() && ue_path_under(file, ue_cfg.mount, ue_cfg.mount_len) != NULL;
	for (int i = 0; !in && i < ue_cfg.nlayers; i++)
		in = ue_path_under(file, ue_cfg.layer[i].root, ue_cfg.layer[i].len) != NULL;
	if (in) {
		static const char msg[] = "unionenv: UNIONENV_TRACE lies inside the union: not tracing\n";
		sys_write(2, msg, sizeof msg - 1);
	}
	return in;
}

void ue_trace_init(const char *file)
{
	if (out.fd >= 0)
		sys_close(out.fd);
	out.fd = -1;
	ue_trace_on = file && file[0] == '/' && strlen(file) < sizeof out.name && !inside_union(file);
	if (ue_trace_on)
		strcpy(out.name, file);
}

void ue_trace_begin(const char *call)
{
	if (!rec) {
		long m = UE_SYS(SYS_mmap, NULL, sizeof *rec, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m < 0 && m > -4096)
			return;
		rec = (struct record *)m;
	}
	rec->call = call;
	rec->pid = 0;
	rec->npaths = 0;
	rec->nshown = 0;
	rec->nevents = 0;
	rec->events[0] = '\0';
}

void ue_trace_resolved(const struct ue_path *p, const char *given, int r)
{
	if (!rec || !rec->call || (r < 0 && !given) || (r >= 0 && p->where == UE_PASS))
		return;
	int i = 0;
	while (i < rec->npaths && rec->path[i].p != p)
		i++;
	if (i == TRACE_PATHS)
		return;
	if (i == rec->npaths) {
		rec->npaths++;
		rec->path[i].p = p;
		rec->path[i].given[0] = '\0';
	}
	for (int j = 0; given && j < rec->nshown; j++)
		if (!strcmp(rec->shown[j].abs, given)) {
			given = rec->shown[j].given;
			break;
		}
	if (given && !rec->path[i].given[0]) {
		strncpy(rec->path[i].given, given, PATH_MAX - 1);
		rec->path[i].given[PATH_MAX - 1] = '\0';
	}
	if (r < 0) {
		rec->path[i].where = -1;
		rec->path[i].real[0] = '\0';
		return;
	}
	rec->path[i].where = p->where;
	rec->path[i].layer = p->where == UE_UNION && ue_node_exists(&p->node) ? p->node.layer : -1;
	strcpy(rec->path[i].real, p->real);
}

void ue_trace_given(const char *abs, const char *given)
{
	if (!rec || !rec->call || rec->nshown == TRACE_PATHS || strlen(abs) >= UE_PATH_MAX || strlen(given) >= PATH_MAX)
		return;
	strcpy(rec->shown[rec->nshown].abs, abs);
	strcpy(rec->shown[rec->nshown].given, given);
	rec->nshown++;
}

void ue_trace_event(const char *what, const char *path)
{
	if (!rec || !rec->call)
		return;
	const char *real = path;
	const char *rel = path[0] != '/' ? path : ue_path_under(real, ue_cfg.layer[UE_UPPER].root, ue_cfg.layer[UE_UPPER].len);
	size_t room = sizeof rec->events - rec->nevents;
	int n = snprintf(rec->events + rec->nevents, room, "; %s ", what);
	if (n <= 0 || (size_t)n >= room) {
		rec->events[rec->nevents] = '\0';   /* too many: the line keeps those that fit */
		return;
	}
	size_t start = rec->nevents + (size_t)n, len = start;
	put_quoted(rec->events, sizeof rec->events, &len, rel ? (*rel ? rel : ".") : real);
	if (len == start)
		rec->events[rec->nevents] = '\0';
	else
		rec->nevents = len;
}

/* Append to the record's line; what does not fit is cut. */
static void addf(const char *fmt, ...)
{
	size_t room = sizeof rec->line - rec->len;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(rec->line + rec->len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		rec->len += (size_t)n < room ? (size_t)n : room - 1;
}

/* s in double quotes, with \", \\ and \ooo for what is not printable. */
static void add_quoted(const char *s)
{
	put_quoted(rec->line, sizeof rec->line, &rec->len, s);
}

static int file_ok(void)
{
	struct stat st;
	if (out.fd >= 0 && sys_fstat(out.fd, &st) == 0 && st.st_dev == out.dev && st.st_ino == out.ino)
		return 1;
	/* Opened (again): high, out of the way of programs that dup2 onto low numbers. */
	int fd = sys_openat(AT_FDCWD, out.name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return 0;
	int high = (int)UE_SYS(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 700);
	if (high >= 0) {
		sys_close(fd);
		fd = high;
	}
	if (sys_fstat(fd, &st) < 0) {
		sys_close(fd);
		return 0;
	}
	out.fd = fd;
	out.dev = st.st_dev;
	out.ino = st.st_ino;
	return 1;
}

/* The line of the call under way, with its result (words, or r). */
static void finish(const char *words, long r, int ptr, int err)
{
	if (!rec || !rec->call)
		return;
	const char *call = rec->call;
	rec->call = NULL;
	if (!rec->npaths && !rec->nevents)
		return;   /* nothing of the union's: the kernel had it alone */
	rec->len = 0;
	addf(rec->pid ? "%d syscall:%s" : "%d %s", rec->pid ? rec->pid : (int)UE_SYS(SYS_getpid), call);
	for (int i = 0; i < rec->npaths; i++) {
		int w = rec->path[i].where, l = rec->path[i].layer;
		addf("%s", i ? ", " : " ");
		add_quoted(rec->path[i].given);
		if (w < 0)
			addf(" -> failed ");
		else if (w == UE_OUTSIDE)
			addf(" -> outside ");
		else if (l < 0)
			addf(" -> new ");
		else if (l == UE_UPPER)
			addf(" -> upper ");
		else
			addf(" -> lower%d ", l);
		add_quoted(rec->path[i].real);
	}
	addf("%s", rec->events);
	if (words) {
		addf(" = %s", words);
	} else if (ptr && r) {
		addf(" = ok");
	} else if (ptr || r < 0) {
		const char *name = strerrorname_np(ptr ? err : (int)-r);
		addf(" = -1 %s", name ? name : "E?");
	} else {
		addf(" = %ld", r);
	}
	/* The newline always: a line cut short still ends. */
	rec->line[rec->len < sizeof rec->line - 1 ? rec->len++ : rec->len - 1] = '\n';
	if (file_ok())
		sys_write(out.fd, rec->line, rec->len);
}

void ue_trace_end(long r, int ptr, int err)
{
	finish(NULL, r, ptr, err);
}

void ue_trace_begin_for(const char *call, int pid)
{
	ue_trace_begin(call);
	if (rec)
		rec->pid = pid;
}

void ue_trace_end_words(const char *result)
{
	finish(result, 0, 0, 0);
}

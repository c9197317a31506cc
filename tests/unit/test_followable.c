/* The verdict of core/followable.c on programs made here from /bin/true:
 * as it is, with its PT_INTERP removed (statically linked), damaged in
 * every way a header can be (never a crash), and the verdict cache: a hit,
 * a program changed in place, and cache files that must not be trusted
 * (garbage, a FIFO, a symlink, a hard link). */
#include "followable.h"
#include "tap.h"
#include "tests.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static int no_open(void *ctx, const char *p) { (void)ctx; (void)p; return -ENOENT; }
static const struct ue_follow_finder finder = { no_open, NULL, NULL };

static unsigned char *image;
static size_t image_size;

static void load_true(void)
{
	int fd = open("/bin/true", O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return;
	image = malloc(st.st_size);
	if (image && read(fd, image, st.st_size) == st.st_size)
		image_size = st.st_size;
	close(fd);
}

static void put_file(const char *path, const void *b, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd >= 0) {
		if (write(fd, b, n) != (ssize_t)n)
			perror("write");
		close(fd);
	}
}

static struct ue_verdict judge(const char *path)
{
	struct ue_verdict v = { UE_CANNOT_RUN, "could not open", 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ue_followable_fd(fd, &finder, &v);
		close(fd);
	}
	return v;
}

/* /bin/true with its PT_INTERP turned into PT_NULL: no loader. */
static void strip_interp(unsigned char *b)
{
	ElfW(Ehdr) eh;
	memcpy(&eh, b, sizeof eh);
	for (int i = 0; i < eh.e_phnum; i++) {
		ElfW(Phdr) ph;
		memcpy(&ph, b + eh.e_phoff + i * sizeof ph, sizeof ph);
		if (ph.p_type == PT_INTERP) {
			ph.p_type = PT_NULL;
			memcpy(b + eh.e_phoff + i * sizeof ph, &ph, sizeof ph);
		}
	}
}

static void damaged(void)
{
	char path[128];
	unsigned char *b = malloc(image_size);
	ElfW(Ehdr) eh;
	int crashed = 0;
	snprintf(path, sizeof path, "%s/damaged", dir);
	memcpy(&eh, image, sizeof eh);
	/* cut short at every interesting length */
	size_t cuts[] = { 4, 20, sizeof eh - 1, sizeof eh, eh.e_phoff + 10, 4096, image_size / 2 };
	for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
		put_file(path, image, cuts[i] < image_size ? cuts[i] : image_size);
		struct ue_verdict v = judge(path);
		crashed |= v.v == UE_FOLLOWED && cuts[i] < sizeof eh;
	}
	ok(!crashed, "a truncated program is judged without a crash, and never followed when its header is cut");
	/* hostile header fields */
	struct { size_t off, size; unsigned long long value; } pokes[] = {
		{ offsetof(ElfW(Ehdr), e_phoff), sizeof eh.e_phoff, ~0ull },
		{ offsetof(ElfW(Ehdr), e_phoff), sizeof eh.e_phoff, 1ull << 40 },
		{ offsetof(ElfW(Ehdr), e_phnum), sizeof eh.e_phnum, 0xffff },
		{ offsetof(ElfW(Ehdr), e_phentsize), sizeof eh.e_phentsize, 1 },
		{ offsetof(ElfW(Ehdr), e_shoff), sizeof eh.e_shoff, ~0ull - 8 },
		{ offsetof(ElfW(Ehdr), e_shnum), sizeof eh.e_shnum, 0xffff },
		{ offsetof(ElfW(Ehdr), e_shstrndx), sizeof eh.e_shstrndx, 0xfffe },
	};
	int judged = 0;
	for (size_t i = 0; i < sizeof pokes / sizeof *pokes; i++) {
		memcpy(b, image, image_size);
		memcpy(b + pokes[i].off, &pokes[i].value, pokes[i].size);
		put_file(path, b, image_size);
		judge(path);
		judged++;
	}
	is_int(judged, sizeof pokes / sizeof *pokes, "hostile offsets and counts in the file header: no crash");
	/* every program header field, and the dynamic section, scribbled */
	srand(9);
	for (int round = 0; round < 300; round++) {
		memcpy(b, image, image_size);
		for (int k = 0; k < 16; k++) {
			size_t at = (size_t)rand() % (eh.e_phoff + eh.e_phnum * sizeof(ElfW(Phdr)) + 2048);
			if (at >= EI_NIDENT && at < image_size)
				b[at] = (unsigned char)rand();
		}
		put_file(path, b, image_size);
		judge(path);
	}
	ok(1, "300 programs with scribbled program headers judged without a crash");
	free(b);
}

static void cache(void)
{
	char path[128], cfile[128], other[128];
	struct stat st;
	snprintf(path, sizeof path, "%s/prog", dir);
	snprintf(cfile, sizeof cfile, "%s/cache", dir);
	setenv("UNIONENV_FOLLOW_CACHE", cfile, 1);

	put_file(path, image, image_size);
	is_int(judge(path).v, UE_FOLLOWED, "a dynamic glibc program is followed");
	ok(stat(cfile, &st) < 0 || st.st_size == 0, "a program changed in the last seconds is not cached");
	sleep(3);
	is_int(judge(path).v, UE_FOLLOWED, "a program at rest is followed");
	ok(stat(cfile, &st) == 0 && st.st_size > 0 && (st.st_mode & 0777) == 0600,
	   "its verdict is kept in a 0600 cache file");
	is_int(judge(path).v, UE_FOLLOWED, "and read back from it");

	/* the same inode rewritten as a static program: its times change */
	unsigned char *b = malloc(image_size);
	memcpy(b, image, image_size);
	strip_interp(b);
	int fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (pwrite(fd, b, image_size, 0) != (ssize_t)image_size)
			perror("pwrite");
		close(fd);
	}
	struct ue_verdict v = judge(path);
	is_int(v.v, UE_NOT_FOLLOWED, "the program rewritten in place as a static one: the cache does not hide it");
	is_str(v.reason, "statically linked", "and the reason says so");

	/* garbage in every slot: misses, never a wrong verdict */
	unsigned char junk[4096];
	memset(junk, 0xff, sizeof junk);
	fd = open(cfile, O_WRONLY);
	for (int i = 0; fd >= 0 && i < 64; i++)
		if (write(fd, junk, sizeof junk) < 0)
			break;
	if (fd >= 0)
		close(fd);
	is_int(judge(path).v, UE_NOT_FOLLOWED, "a cache file full of 0xff: the verdict is still right");
	is_int(judge("/bin/true").v, UE_FOLLOWED, "and another program's too");

	/* names that must not be trusted: a FIFO (no hang), a symlink (not
	 * followed, its target unchanged), a hard link (two links) */
	unlink(cfile);
	mkfifo(cfile, 0600);
	is_int(judge("/bin/true").v, UE_FOLLOWED, "a FIFO at the cache's name: no hang, the verdict is computed");
	unlink(cfile);
	snprintf(other, sizeof other, "%s/target", dir);
	put_file(other, "keep", 4);
	if (symlink(other, cfile) < 0)
		perror("symlink");
	judge("/bin/true");
	ok(stat(other, &st) == 0 && st.st_size == 4, "a symlink at the cache's name: its target is not written");
	unlink(cfile);
	if (link(other, cfile) < 0)
		perror("link");
	chmod(other, 0600);
	judge("/bin/true");
	ok(stat(other, &st) == 0 && st.st_size == 4, "a hard link at the cache's name: the linked file is not written");
	unlink(cfile);
	setenv("UNIONENV_FOLLOW_CACHE", "", 1);
	is_int(judge("/bin/true").v, UE_FOLLOWED, "no cache at all (UNIONENV_FOLLOW_CACHE empty): the same verdict");
	ok(stat(cfile, &st) < 0, "and no file made");
	unsetenv("UNIONENV_FOLLOW_CACHE");
	free(b);
}

void test_followable(void)
{
	char path[128];
	snprintf(dir, sizeof dir, "/tmp/ue-followable.XXXXXX");
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	load_true();
	if (!image_size) {
		ok(0, "read /bin/true");
		return;
	}
	setenv("UNIONENV_FOLLOW_CACHE", "", 1);
	snprintf(path, sizeof path, "%s/static", dir);
	unsigned char *b = malloc(image_size);
	memcpy(b, image, image_size);
	strip_interp(b);
	put_file(path, b, image_size);
	struct ue_verdict v = judge(path);
	is_int(v.v, UE_NOT_FOLLOWED, "a program without PT_INTERP is not followed");
	is_str(v.reason, "statically linked", "because it is statically linked");
	ok(v.supervise, "the supervisor can follow it");
	/* set-id: refused, never supervised (under the filter's no_new_privs
	 * it would run without its privileges); only root can make a file
	 * set-id to another user */
	if (geteuid() == 0 && chown(path, 12345, 12345) == 0 && chmod(path, 04755) == 0) {
		v = judge(path);
		ok(v.v == UE_NOT_FOLLOWED && !v.supervise && !strcmp(v.reason, "setuid to uid 12345"),
		   "a static program setuid to another user: refused for that, not supervised");
	} else {
		ok(1, "a static setuid program is not supervised # SKIP needs root");
	}
	v = judge("/bin/true");
	ok(v.v == UE_FOLLOWED && !v.supervise, "a glibc program: followed by the preload, not supervised");
	free(b);
	snprintf(path, sizeof path, "%s/script", dir);
	put_file(path, "echo hi\n", 8);
	v = judge(path);
	ok(v.v == UE_CANNOT_RUN && !strcmp(v.reason, "no #!"), "a file without #! nor ELF: left to the caller (sh runs it)");
	put_file(path, "#!/nonexistent/sh\n", 18);
	v = judge(path);
	ok(v.v == UE_CANNOT_RUN && strstr(v.reason, "does not exist"), "a script whose interpreter is missing: cannot run");
	unsetenv("UNIONENV_FOLLOW_CACHE");
	damaged();
	cache();
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		perror("rm");
	free(image);
}

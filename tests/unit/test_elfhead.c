/* core/elfhead.c: the little of an ELF program that says whether the
 * preload can follow it, read with pread; a damaged file is ENOEXEC,
 * never a crash nor a big read. */
#include "elfhead.h"
#include "tap.h"
#include "tests.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

/* A file of n bytes: the first n of data, changed by fix. */
static int file_of(const char *data, size_t n, void (*fix)(unsigned char *), long long *size)
{
	char p[128];
	unsigned char *b = malloc(n);
	memcpy(b, data, n);
	if (fix)
		fix(b);
	snprintf(p, sizeof p, "%s/f", dir);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (write(fd, b, n) != (ssize_t)n)
		n = 0;
	free(b);
	*size = (long long)n;
	return fd;
}

static void big_endian(unsigned char *b)
{
	b[EI_DATA] = ELFDATA2MSB;
	b[EI_NIDENT + 2] = 0;
	b[EI_NIDENT + 3] = EM_S390;
}

static void many_headers(unsigned char *b)
{
	((Elf64_Ehdr *)b)->e_phnum = 0xffff;
}

static void far_headers(unsigned char *b)
{
	((Elf64_Ehdr *)b)->e_phoff = 1ULL << 40;
}

void test_elfhead(void)
{
	struct ue_elfhead h;
	int fd = open("/proc/self/exe", O_RDONLY);
	struct stat st;
	fstat(fd, &st);
	is_int(ue_elfhead_read(fd, st.st_size, &h), 0, "elfhead: this test program is read");
	ok(h.native && h.elfclass == (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32), "elfhead: native, of this class");
	ok(h.has_interp && h.interp[0] == '/', "elfhead: a dynamic program has its loader (%s)", h.interp);
	int libc = 0;
	for (int i = 0; i < h.nneeded; i++)
		libc |= !strncmp(h.needed[i], "libc.so", 7);
	ok(libc, "elfhead: it needs libc (%d names)", h.nneeded);
	ok(!h.go_note && !h.go_section && !h.fpc_section, "elfhead: neither Go nor Free Pascal");

	char *data = malloc((size_t)st.st_size);
	ssize_t got = pread(fd, data, (size_t)st.st_size, 0);
	close(fd);
	snprintf(dir, sizeof dir, "/tmp/ue-unit-elf.XXXXXX");
	if (got != st.st_size || !mkdtemp(dir)) {
		ok(0, "elfhead: a copy to damage");
		free(data);
		return;
	}
	long long size;
	fd = file_of(data, (size_t)st.st_size, NULL, &size);
	is_int(ue_elfhead_read(fd, size, &h), 0, "elfhead: a copy reads the same");
	close(fd);
	fd = file_of(data, (size_t)st.st_size, big_endian, &size);
	is_int(ue_elfhead_read(fd, size, &h), 0, "elfhead: another machine's program is read");
	ok(!h.native && h.machine == EM_S390 && h.nneeded == 0, "elfhead: ... not native, its machine, nothing more read");
	close(fd);
	fd = file_of("#!/bin/sh\necho\n", 15, NULL, &size);
	is_int(ue_elfhead_read(fd, size, &h), -ENOEXEC, "elfhead: a script is no ELF: ENOEXEC");
	close(fd);
	fd = file_of(data, 40, NULL, &size);
	is_int(ue_elfhead_read(fd, size, &h), -ENOEXEC, "elfhead: cut inside the file header: ENOEXEC");
	close(fd);
	fd = file_of(data, sizeof(Elf64_Ehdr) + 8, NULL, &size);
	is_int(ue_elfhead_read(fd, size, &h), -ENOEXEC, "elfhead: cut inside the program headers: ENOEXEC");
	close(fd);
	if (sizeof(void *) == 8) {
		fd = file_of(data, (size_t)st.st_size, many_headers, &size);
		is_int(ue_elfhead_read(fd, size, &h), -ENOEXEC, "elfhead: 65535 program headers: ENOEXEC, not a big read");
		close(fd);
		fd = file_of(data, (size_t)st.st_size, far_headers, &size);
		is_int(ue_elfhead_read(fd, size, &h), -ENOEXEC, "elfhead: program headers past the end: ENOEXEC");
		close(fd);
	}
	free(data);
	is_str(ue_elf_machine(EM_AARCH64), "aarch64", "elf_machine: a machine's name");
	is_str(ue_elf_machine(EM_386), "i386", "elf_machine: i386");
	is_str(ue_elf_machine(0xfff0), "another machine", "elf_machine: one it does not know");
	char p[128];
	snprintf(p, sizeof p, "%s/f", dir);
	unlink(p);
	rmdir(dir);
}

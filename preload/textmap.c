/* The library's code mapped whole, first thing in each process.  Start-up,
 * fork and exec run code spread over every 64 KiB window of the library's
 * text, and the kernel maps a file's pages a window at a page fault: a
 * fault each, 10 to 40 us on the machines measured (issue 12, a process's
 * start-up).  One MADV_POPULATE_READ maps them all from the page cache
 * instead.  A kernel before 5.14 says EINVAL and the faults come as before. */
#include "gate.h"

#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* The ELF header at the start of the library's first segment (GNU ld). */
extern const ElfW(Ehdr) __ehdr_start;

/* Before the other constructors, whose code is the first to fault. */
__attribute__((constructor(101))) static void map_text(void)
{
	const uintptr_t base = (uintptr_t)&__ehdr_start, page = 4096;
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(base + __ehdr_start.e_phoff);
	for (int i = 0; i < __ehdr_start.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_X))
			continue;
		uintptr_t start = base + ph[i].p_vaddr, end = start + ph[i].p_memsz;
		start &= ~(page - 1);
		end = (end + page - 1) & ~(page - 1);
		UE_SYSCALL(SYS_madvise, start, end - start, MADV_POPULATE_READ);
	}
}

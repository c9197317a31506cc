/* elfnative: the ELF header values of the machine we were built for.
 * One place, so that the loader check in core/ (elfhead.c) and the tools'
 * scanner (tools/elfscan.c) cannot disagree on what "native" means. */
#ifndef UE_ELFNATIVE_H
#define UE_ELFNATIVE_H

#include <elf.h>

#if defined(__x86_64__)
#define UE_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define UE_MACHINE EM_AARCH64
#elif defined(__i386__)
#define UE_MACHINE EM_386
#elif defined(__riscv)
#define UE_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#define UE_MACHINE EM_PPC64
#elif defined(__s390x__)
#define UE_MACHINE EM_S390
#elif defined(__arm__)
#define UE_MACHINE EM_ARM
#else
#error "elfnative: add this machine's EM_ value"
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define UE_DATA ELFDATA2LSB
#else
#define UE_DATA ELFDATA2MSB
#endif

#define UE_CLASS (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)

#endif

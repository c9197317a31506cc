/* Where the library's large zeroed arrays go: apart from its small
 * variables.  The first touch of each page of .bss costs the process a
 * page fault (about 45 us on a virtual machine whose faults go through the
 * hypervisor, some forty system calls' worth), and every process touches
 * its small variables (locks, flags, the table of libc's functions) at
 * start-up: with arrays of several KiB among them, they lay on seven
 * pages.  On x86-64 the linker puts .lbss (the large-data section) after
 * .bss, so the arrays leave the small variables two or three pages. */
#ifndef UE_APART_H
#define UE_APART_H

#if defined(__x86_64__)
#define UE_APART __attribute__((section(".lbss")))
#else
#define UE_APART
#endif

#endif

/* elfhead: the little of an ELF program that says whether the preload can
 * follow it, read with pread from an open file.
 *
 * The preloaded library links nothing but libc, so this is not libelf: it
 * reads the file header, the program headers (PT_INTERP, PT_DYNAMIC,
 * PT_NOTE: what the kernel and the loader read, present even in a stripped
 * program), the dynamic section's DT_NEEDED and DT_SONAME names, and the
 * section names.  Every size and offset comes from the file and is checked
 * against the file's size and against small caps before it is used: a
 * damaged or hostile file gives -ENOEXEC, never a crash nor a big read. */
#ifndef UE_ELFHEAD_H
#define UE_ELFHEAD_H

#include <stddef.h>

#define UE_ELF_MAX_NEEDED 64

struct ue_elfhead {
	unsigned char elfclass;     /* EI_CLASS: ELFCLASS32 or ELFCLASS64 */
	unsigned char data;         /* EI_DATA: byte order */
	unsigned machine;           /* e_machine */
	unsigned type;              /* e_type: ET_EXEC, ET_DYN... */
	int native;                 /* class, byte order and machine of this build */
	/* Read only for a native file: */
	int has_interp;             /* PT_INTERP: the kernel runs a loader */
	char interp[256];           /* its path, cut to fit */
	char soname[64];            /* DT_SONAME, cut to fit; "" without */
	char needed[UE_ELF_MAX_NEEDED][32];  /* DT_NEEDED names, cut to fit */
	int nneeded;
	int go_note;                /* a PT_NOTE with owner "Go" (the Go build id) */
	int go_section;             /* .note.go.buildid or .go.buildinfo */
	int fpc_section;            /* .fpcdata: a Free Pascal program */
};

/* Read FD's headers.  0, -ENOEXEC (not ELF, or too damaged to read), or
 * another -errno of pread.  SIZE is the file's size (from fstat). */
int ue_elfhead_read(int fd, long long size, struct ue_elfhead *out);

/* Name of an e_machine value for messages ("aarch64", "i386"...). */
const char *ue_elf_machine(unsigned machine);

#endif

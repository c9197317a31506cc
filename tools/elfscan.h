/* elfscan: the little ELF reading that `unionenv-check` and
 * `unionenv-coverage` share, on top of libelf.
 *
 * Both tools only read: a file is mapped once (ELF_C_READ_MMAP), and
 * strings returned point into that mapping, valid until ue_elf_close.
 * Functions return 0 or -errno; -ENOEXEC means "not an ELF file" or "an
 * ELF file too damaged to read".  The preloaded library never links this
 * (it must link nothing but libc): tools only. */
#ifndef UE_ELFSCAN_H
#define UE_ELFSCAN_H

#include <gelf.h>
#include <stddef.h>

struct ue_elf {
	int fd;
	Elf *elf;
	GElf_Ehdr eh;
	const char *raw;        /* the whole file, mapped by libelf */
	size_t size;
};

/* Open PATH as an ELF file.  -ENOEXEC if it is not one. */
int ue_elf_open(struct ue_elf *e, const char *path);
void ue_elf_close(struct ue_elf *e);

/* What the dynamic loader would look at, read from the program headers
 * (as the kernel and ld.so do: section headers may be stripped). */
struct ue_elf_dyninfo {
	const char *interp;     /* PT_INTERP, or NULL: statically linked */
	const char *soname;     /* DT_SONAME, or NULL */
	const char *needed[64]; /* DT_NEEDED, in order */
	int nneeded;
	int dynamic;            /* has a PT_DYNAMIC segment */
};

/* Only for a file of the tool's own class and byte order (check that
 * first with ue_elf_native). */
int ue_elf_dyninfo(struct ue_elf *e, struct ue_elf_dyninfo *out);

/* 1 if the file is of this machine's class, byte order and e_machine,
 * the kind of ELF this build's preload library can be loaded into. */
int ue_elf_native(const struct ue_elf *e);

/* One exported symbol of the dynamic symbol table, with its version:
 * `version` is NULL for an unversioned symbol, `hidden` is 1 for a
 * non-default version ("name@VER", a compat symbol new programs cannot
 * link against) and 0 for the default ("name@@VER"). */
struct ue_elf_sym {
	const char *name;
	const char *version;
	int hidden;
	int type;               /* STT_FUNC, STT_GNU_IFUNC, STT_OBJECT... */
};

/* Call fn for every defined, global or weak, default-visibility symbol
 * of the dynamic symbol table; stop and return fn's value if non-zero. */
int ue_elf_dynsyms(struct ue_elf *e,
                   int (*fn)(void *ctx, const struct ue_elf_sym *sym), void *ctx);

/* 1 if the file has a section of that name (".note.go.buildid"...). */
int ue_elf_has_section(struct ue_elf *e, const char *name);

/* How many places in the executable sections look like a system call
 * made directly, not through libc: on x86-64 a `syscall` instruction
 * (0f 05) shortly after loading a small constant into eax/rax, which is
 * how inline system calls are compiled (a bare 0f 05 also turns up
 * inside other instructions' bytes, so it alone would be noise); on
 * aarch64 an aligned `svc #0`.  A heuristic: it can miss a call whose
 * number comes from a register. -ENOTSUP on other machines. */
long ue_elf_raw_syscalls(struct ue_elf *e);

#endif

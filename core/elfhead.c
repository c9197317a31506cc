/* elfhead: see elfhead.h. */
#include "elfhead.h"
#include "elfnative.h"
#include "sys.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <string.h>


/* Caps on what is read: far above any real program, small enough that a
 * hostile header cannot make us read much. */
#define MAX_PHDRS 64
#define MAX_DYN 2048
#define MAX_SHDRS 512
#define MAX_NOTES 1024

const char *ue_elf_machine(unsigned machine)
{
	switch (machine) {
	case EM_X86_64: return "x86-64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_RISCV: return "riscv";
	case EM_PPC64: return "ppc64";
	case EM_PPC: return "ppc";
	case EM_S390: return "s390";
	case EM_MIPS: return "mips";
	default: return "another machine";
	}
}

struct file {
	int fd;
	unsigned long long size;
};

/* Exactly LEN bytes at OFF, all inside the file: 0 or -ENOEXEC. */
static int read_at(const struct file *f, void *buf, unsigned long long len, unsigned long long off)
{
	if (off > f->size || len > f->size - off)
		return -ENOEXEC;
	long n = sys_pread(f->fd, buf, (size_t)len, (off_t)off);
	if (n < 0)
		return (int)n;
	return (unsigned long long)n == len ? 0 : -ENOEXEC;
}

/* A NUL-terminated string at OFF, cut to SIZE-1 bytes. */
static void read_string(const struct file *f, char *out, size_t size, unsigned long long off)
{
	long n = off < f->size ? sys_pread(f->fd, out, size - 1, (off_t)off) : 0;
	out[n > 0 ? n : 0] = '\0';
	out[strnlen(out, size - 1)] = '\0';
}

/* The file offset of virtual address VADDR, through the PT_LOAD segments. */
static int vaddr_offset(const ElfW(Phdr) *ph, int n, unsigned long long vaddr, unsigned long long *off)
{
	for (int i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && vaddr >= ph[i].p_vaddr && vaddr - ph[i].p_vaddr < ph[i].p_filesz) {
			*off = ph[i].p_offset + (vaddr - ph[i].p_vaddr);
			return 0;
		}
	return -ENOEXEC;
}

/* DT_STRTAB, DT_STRSZ, then the names; the dynamic section is read in
 * small pieces (this may run on a thread's small stack, or a vfork
 * child's). */
#define DYN_CHUNK 64
static void read_dynamic(const struct file *f, const ElfW(Phdr) *ph, int nph, const ElfW(Phdr) *dp,
                         struct ue_elfhead *out)
{
	ElfW(Dyn) dyn[DYN_CHUNK];
	unsigned long long n = dp->p_filesz / sizeof *dyn, strtab = 0, strsz = 0, stroff = 0;
	if (n > MAX_DYN)
		n = MAX_DYN;
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned long long base = 0; base < n; base += DYN_CHUNK) {
			unsigned long long m = n - base < DYN_CHUNK ? n - base : DYN_CHUNK;
			if (read_at(f, dyn, m * sizeof *dyn, dp->p_offset + base * sizeof *dyn) < 0)
				return;
			for (unsigned long long k = 0; k < m; k++) {
				unsigned long long v = dyn[k].d_un.d_val;
				if (dyn[k].d_tag == DT_NULL)
					goto next_pass;
				if (pass == 0) {
					if (dyn[k].d_tag == DT_STRTAB)
						strtab = dyn[k].d_un.d_ptr;
					else if (dyn[k].d_tag == DT_STRSZ)
						strsz = v;
				} else if (v < strsz && dyn[k].d_tag == DT_SONAME) {
					read_string(f, out->soname, sizeof out->soname, stroff + v);
				} else if (v < strsz && dyn[k].d_tag == DT_NEEDED && out->nneeded < UE_ELF_MAX_NEEDED) {
					read_string(f, out->needed[out->nneeded++], sizeof out->needed[0], stroff + v);
				}
			}
		}
	next_pass:
		if (pass == 0 && (!strtab || !strsz || vaddr_offset(ph, nph, strtab, &stroff) < 0))
			return;
	}
}

/* Go's linker writes its build id as a note of owner "Go", type 4, in a
 * PT_NOTE segment: present whether or not the sections were stripped. */
static void read_notes(const struct file *f, const ElfW(Phdr) *np, struct ue_elfhead *out)
{
	unsigned char buf[MAX_NOTES];
	unsigned long long len = np->p_filesz < sizeof buf ? np->p_filesz : sizeof buf;
	if (read_at(f, buf, len, np->p_offset) < 0)
		return;
	for (unsigned long long off = 0; off + sizeof(ElfW(Nhdr)) <= len;) {
		ElfW(Nhdr) nh;
		memcpy(&nh, buf + off, sizeof nh);
		unsigned long long name = off + sizeof nh;
		unsigned long long desc = name + ((nh.n_namesz + 3ull) & ~3ull);
		if (nh.n_namesz == 3 && name + 3 <= len && memcmp(buf + name, "Go", 3) == 0 && nh.n_type == 4)
			out->go_note = 1;
		off = desc + ((nh.n_descsz + 3ull) & ~3ull);
	}
}

/* Sections of toolchains whose runtimes make their system calls
 * themselves.  Section headers may be stripped; then this finds nothing,
 * and the notes above still find Go. */
#define SH_CHUNK 16
static void read_sections(const struct file *f, const ElfW(Ehdr) *eh, struct ue_elfhead *out)
{
	ElfW(Shdr) sh[SH_CHUNK], names;
	unsigned n = eh->e_shnum;
	if (!eh->e_shoff || n == 0 || n > MAX_SHDRS || eh->e_shentsize != sizeof names || eh->e_shstrndx >= n)
		return;
	if (read_at(f, &names, sizeof names, eh->e_shoff + (unsigned long long)eh->e_shstrndx * sizeof names) < 0)
		return;
	for (unsigned base = 0; base < n; base += SH_CHUNK) {
		unsigned m = n - base < SH_CHUNK ? n - base : SH_CHUNK;
		if (read_at(f, sh, (unsigned long long)m * sizeof *sh, eh->e_shoff + (unsigned long long)base * sizeof *sh) < 0)
			return;
		for (unsigned i = 0; i < m; i++) {
			char name[24];
			if (sh[i].sh_name >= names.sh_size)
				continue;
			read_string(f, name, sizeof name, names.sh_offset + sh[i].sh_name);
			if (!strcmp(name, ".note.go.buildid") || !strcmp(name, ".go.buildinfo"))
				out->go_section = 1;
			else if (!strcmp(name, ".fpcdata"))
				out->fpc_section = 1;
		}
	}
}

int ue_elfhead_read(int fd, long long size, struct ue_elfhead *out)
{
	struct file f = { fd, size > 0 ? (unsigned long long)size : 0 };
	unsigned char ident[EI_NIDENT + 4];
	ElfW(Ehdr) eh;
	ElfW(Phdr) ph[MAX_PHDRS];

	memset(out, 0, sizeof *out);
	if (read_at(&f, ident, EI_NIDENT + 4, 0) < 0 || memcmp(ident, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	out->elfclass = ident[EI_CLASS];
	out->data = ident[EI_DATA];
	/* e_type and e_machine are the first two half-words after e_ident, in
	 * the file's byte order, in both classes */
	if (out->data == ELFDATA2MSB) {
		out->type = (unsigned)ident[EI_NIDENT] << 8 | ident[EI_NIDENT + 1];
		out->machine = (unsigned)ident[EI_NIDENT + 2] << 8 | ident[EI_NIDENT + 3];
	} else {
		out->type = ident[EI_NIDENT] | (unsigned)ident[EI_NIDENT + 1] << 8;
		out->machine = ident[EI_NIDENT + 2] | (unsigned)ident[EI_NIDENT + 3] << 8;
	}
	out->native = out->elfclass == UE_CLASS && out->data == UE_DATA && out->machine == UE_MACHINE;
	if (!out->native)
		return 0;
	if (read_at(&f, &eh, sizeof eh, 0) < 0)
		return -ENOEXEC;
	if (eh.e_phentsize != sizeof *ph || eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS ||
	    read_at(&f, ph, (unsigned long long)eh.e_phnum * sizeof *ph, eh.e_phoff) < 0)
		return -ENOEXEC;
	const ElfW(Phdr) *dyn = NULL;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP) {
			out->has_interp = 1;
			read_string(&f, out->interp, sizeof out->interp, ph[i].p_offset);
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = &ph[i];
		} else if (ph[i].p_type == PT_NOTE) {
			read_notes(&f, &ph[i], out);
		}
	}
	if (dyn)
		read_dynamic(&f, ph, eh.e_phnum, dyn, out);
	read_sections(&f, &eh, out);
	return 0;
}

/* elfscan: see elfscan.h. */
#include "elfscan.h"
#include "elfnative.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


int ue_elf_open(struct ue_elf *e, const char *path)
{
	static int versioned;
	memset(e, 0, sizeof *e);
	e->fd = -1;
	if (!versioned) {
		if (elf_version(EV_CURRENT) == EV_NONE)
			return -ENOSYS;
		versioned = 1;
	}
	e->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (e->fd < 0)
		return -errno;
	e->elf = elf_begin(e->fd, ELF_C_READ_MMAP, NULL);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF || !gelf_getehdr(e->elf, &e->eh)) {
		ue_elf_close(e);
		return -ENOEXEC;
	}
	e->raw = elf_rawfile(e->elf, &e->size);
	if (!e->raw) {
		ue_elf_close(e);
		return -ENOEXEC;
	}
	return 0;
}

void ue_elf_close(struct ue_elf *e)
{
	if (e->elf)
		elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	e->elf = NULL;
	e->fd = -1;
}

int ue_elf_native(const struct ue_elf *e)
{
	return e->eh.e_ident[EI_CLASS] == UE_CLASS &&
	       e->eh.e_ident[EI_DATA] == UE_DATA && e->eh.e_machine == UE_MACHINE;
}

/* The file offset of LEN bytes at virtual address VADDR, or -1. */
static long vaddr_offset(struct ue_elf *e, GElf_Addr vaddr, size_t len)
{
	size_t n, i;
	GElf_Phdr ph;
	if (elf_getphdrnum(e->elf, &n) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(e->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr + len <= ph.p_filesz) {
			GElf_Off off = ph.p_offset + (vaddr - ph.p_vaddr);
			return off + len <= e->size ? (long)off : -1;
		}
	}
	return -1;
}

int ue_elf_dyninfo(struct ue_elf *e, struct ue_elf_dyninfo *out)
{
	size_t n, i, nd, k;
	GElf_Phdr ph;
	const ElfW(Dyn) *dyn = NULL;
	GElf_Addr strtab = 0;
	GElf_Xword strsz = 0;
	long stroff;

	memset(out, 0, sizeof *out);
	if (!ue_elf_native(e))
		return -ENOEXEC;
	if (elf_getphdrnum(e->elf, &n) != 0)
		return -ENOEXEC;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(e->elf, (int)i, &ph))
			return -ENOEXEC;
		if (ph.p_offset > e->size || ph.p_filesz > e->size - ph.p_offset)
			continue;
		if (ph.p_type == PT_INTERP && ph.p_filesz > 0) {
			const char *s = e->raw + ph.p_offset;
			if (memchr(s, '\0', ph.p_filesz))
				out->interp = s;
		} else if (ph.p_type == PT_DYNAMIC) {
			dyn = (const ElfW(Dyn) *)(e->raw + ph.p_offset);
			nd = ph.p_filesz / sizeof *dyn;
			out->dynamic = 1;
		}
	}
	if (!dyn)
		return 0;
	for (k = 0; k < nd && dyn[k].d_tag != DT_NULL; k++) {
		if (dyn[k].d_tag == DT_STRTAB)
			strtab = dyn[k].d_un.d_ptr;
		else if (dyn[k].d_tag == DT_STRSZ)
			strsz = dyn[k].d_un.d_val;
	}
	if (!strtab || !strsz || (stroff = vaddr_offset(e, strtab, strsz)) < 0)
		return 0;
	for (k = 0; k < nd && dyn[k].d_tag != DT_NULL; k++) {
		GElf_Xword v = dyn[k].d_un.d_val;
		const char *s;
		if (dyn[k].d_tag != DT_NEEDED && dyn[k].d_tag != DT_SONAME)
			continue;
		if (v >= strsz || !memchr(e->raw + stroff + v, '\0', strsz - v))
			continue;
		s = e->raw + stroff + v;
		if (dyn[k].d_tag == DT_SONAME)
			out->soname = s;
		else if (out->nneeded < (int)(sizeof out->needed / sizeof *out->needed))
			out->needed[out->nneeded++] = s;
	}
	return 0;
}

/* First section of type TYPE, or NULL. */
static Elf_Scn *find_section(Elf *elf, GElf_Word type, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, sh) && sh->sh_type == type)
			return scn;
	return NULL;
}

int ue_elf_dynsyms(struct ue_elf *e,
                   int (*fn)(void *ctx, const struct ue_elf_sym *sym), void *ctx)
{
	GElf_Shdr symsh, vssh, vdsh;
	Elf_Scn *symscn, *vsscn, *vdscn;
	Elf_Data *syms, *vs = NULL, *vd;
	const char **names = NULL;    /* version index -> name */
	size_t nnames = 0, i, count;
	int r = 0;

	symscn = find_section(e->elf, SHT_DYNSYM, &symsh);
	if (!symscn || !(syms = elf_getdata(symscn, NULL)) || !symsh.sh_entsize)
		return -ENOEXEC;
	vsscn = find_section(e->elf, SHT_GNU_versym, &vssh);
	if (vsscn)
		vs = elf_getdata(vsscn, NULL);
	vdscn = find_section(e->elf, SHT_GNU_verdef, &vdsh);
	if (vs && vdscn && (vd = elf_getdata(vdscn, NULL))) {
		size_t off = 0;
		GElf_Verdef def;
		GElf_Verdaux aux;
		for (i = 0; i < vdsh.sh_info && gelf_getverdef(vd, (int)off, &def); i++) {
			if (def.vd_ndx >= nnames) {
				size_t m = def.vd_ndx + 16;
				const char **p = realloc(names, m * sizeof *p);
				if (!p) {
					free(names);
					return -ENOMEM;
				}
				memset(p + nnames, 0, (m - nnames) * sizeof *p);
				names = p;
				nnames = m;
			}
			if (!(def.vd_flags & VER_FLG_BASE) && gelf_getverdaux(vd, (int)(off + def.vd_aux), &aux))
				names[def.vd_ndx] = elf_strptr(e->elf, vdsh.sh_link, aux.vda_name);
			if (!def.vd_next)
				break;
			off += def.vd_next;
		}
	}
	count = symsh.sh_size / symsh.sh_entsize;
	for (i = 1; i < count && !r; i++) {
		GElf_Sym sym;
		GElf_Versym v = 1;
		struct ue_elf_sym s;
		int bind;
		if (!gelf_getsym(syms, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
			continue;
		bind = GELF_ST_BIND(sym.st_info);
		if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE)
			continue;
		if (GELF_ST_VISIBILITY(sym.st_other) != STV_DEFAULT &&
		    GELF_ST_VISIBILITY(sym.st_other) != STV_PROTECTED)
			continue;
		if (vs && !gelf_getversym(vs, (int)i, &v))
			continue;
		if ((v & 0x7fff) == VER_NDX_LOCAL)
			continue;
		s.name = elf_strptr(e->elf, symsh.sh_link, sym.st_name);
		if (!s.name || !*s.name)
			continue;
		s.version = (v & 0x7fff) < nnames ? names[v & 0x7fff] : NULL;
		s.hidden = (v & 0x8000) != 0;
		s.type = GELF_ST_TYPE(sym.st_info);
		r = fn(ctx, &s);
	}
	free(names);
	return r;
}

int ue_elf_has_section(struct ue_elf *e, const char *name)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	if (elf_getshdrstrndx(e->elf, &shstrndx) != 0)
		return 0;
	while ((scn = elf_nextscn(e->elf, scn))) {
		const char *n;
		if (gelf_getshdr(scn, &sh) && (n = elf_strptr(e->elf, shstrndx, sh.sh_name)) &&
		    strcmp(n, name) == 0)
			return 1;
	}
	return 0;
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* x86-64: 0f 05 with `mov $n,%eax` (b8 imm32) or `mov $n,%rax`
 * (48 c7 c0 imm32) of a small n in the 16 bytes before it. */
static long scan_x86_64(const unsigned char *b, size_t n)
{
	long count = 0;
	size_t i, j;
	for (i = 5; i + 1 < n; i++) {
		if (b[i] != 0x0f || b[i + 1] != 0x05)
			continue;
		for (j = i >= 16 ? i - 16 : 0; j + 5 <= i; j++) {
			if ((b[j] == 0xb8 && le32(b + j + 1) < 1024) ||
			    (j + 7 <= i && b[j] == 0x48 && b[j + 1] == 0xc7 && b[j + 2] == 0xc0 &&
			     le32(b + j + 3) < 1024)) {
				count++;
				break;
			}
		}
	}
	return count;
}

/* aarch64: `svc #0` (d4000001), instructions are 4-byte aligned. */
static long scan_aarch64(const unsigned char *b, size_t n, GElf_Addr addr)
{
	long count = 0;
	size_t i = (4 - (addr & 3)) & 3;
	for (; i + 4 <= n; i += 4)
		if (le32(b + i) == 0xd4000001)
			count++;
	return count;
}

static long scan(struct ue_elf *e, GElf_Off off, GElf_Xword len, GElf_Addr addr)
{
	if (off > e->size || len > e->size - off)
		return 0;
	if (e->eh.e_machine == EM_X86_64)
		return scan_x86_64((const unsigned char *)e->raw + off, len);
	return scan_aarch64((const unsigned char *)e->raw + off, len, addr);
}

long ue_elf_raw_syscalls(struct ue_elf *e)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	long count = 0;
	int sections = 0;
	if (e->eh.e_machine != EM_X86_64 && e->eh.e_machine != EM_AARCH64)
		return -ENOTSUP;
	while ((scn = elf_nextscn(e->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		sections = 1;
		if (sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR))
			count += scan(e, sh.sh_offset, sh.sh_size, sh.sh_addr);
	}
	if (!sections) {        /* stripped of its section headers */
		size_t n, i;
		GElf_Phdr ph;
		if (elf_getphdrnum(e->elf, &n) != 0)
			return 0;
		for (i = 0; i < n; i++)
			if (gelf_getphdr(e->elf, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X))
				count += scan(e, ph.p_offset, ph.p_filesz, ph.p_vaddr);
	}
	return count;
}

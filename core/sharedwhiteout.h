/* Whiteout devices shared as the kernel's overlayfs shares them: one
 * whiteout inode, linked at each new whiteout's name (sharedwhiteout.c). */
#ifndef UE_SHAREDWHITEOUT_H
#define UE_SHAREDWHITEOUT_H

/* A char 0/0 whiteout at base in the directory dfd, as
 * mknodat(dfd, base, S_IFCHR | 0000, makedev(0, 0)) makes it: 0 or -errno
 * (-EEXIST when the name is taken, as mknodat says it). */
int ue_whiteout_device(int dfd, const char *base);

/* What a listing of one directory knows of the shared whiteout: its
 * entries that are links of it need no stat (ue_whiteout_listed). */
struct ue_shared_listed {
	int asked, known;
	unsigned long long ino;
};

/* Whether entry (d_ino, d_type) of the directory dfd, listed by
 * getdents64, is a link of the shared whiteout, told from the listing
 * alone: where dfd is on the shared one's filesystem and that
 * filesystem's listings give the inode numbers stat gives, an entry of
 * type DT_CHR and its inode number is.  Asked (two or three system calls)
 * at the listing's first such entry, l zeroed before it. */
int ue_whiteout_listed(struct ue_shared_listed *l, int dfd, unsigned long long d_ino, unsigned char d_type);

#endif

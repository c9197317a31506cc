/* Whiteout devices shared as the kernel's overlayfs shares them: one
 * whiteout inode, linked at each new whiteout's name (sharedwhiteout.c). */
#ifndef UE_SHAREDWHITEOUT_H
#define UE_SHAREDWHITEOUT_H

/* A char 0/0 whiteout at base in the directory dfd, as
 * mknodat(dfd, base, S_IFCHR | 0000, makedev(0, 0)) makes it: 0 or -errno
 * (-EEXIST when the name is taken, as mknodat says it). */
int ue_whiteout_device(int dfd, const char *base);

#endif

/* The merged listings getdents64 is served from, one for each open file
 * of a caller's that is part way through one (supervisor/listings.c).
 *
 * A listing is made when a directory is read from its start and kept
 * until its end is read, so that the entries a caller reads in several
 * calls are those of one listing, as the kernel's are of one open
 * directory (the file offset is the index of the next entry).  It is kept
 * for the open file, not for an fd number: the supervisor's copies of the
 * callers' fds (pidfd_getfd) take whatever number is free, so two callers,
 * or two workers, reading at once got one number, and a caller was served
 * the entries of another's older listing (a name just removed shown: 1
 * run in 3 of conformance --static with two workers).  The table holds
 * the supervisor's copy of each open file it keeps a listing for, which
 * keeps that open file alive: kcmp(KCMP_FILE) of a new copy with it is
 * equality of open files, never a later open that took a freed number,
 * or a freed file's place in the kernel's memory. */
#ifndef UE_SV_LISTINGS_H
#define UE_SV_LISTINGS_H

#include "resolve.h"

#include <stddef.h>

/* getdents64 of file, the supervisor's copy of a caller's fd open on the
 * union directory p, into buf (n bytes): the bytes given, or -errno.  The
 * call takes file: the table keeps it or closes it. */
long ue_listing_read(int file, const struct ue_path *p, void *buf, size_t n);

/* Forget every listing (tests; a restart of the table). */
void ue_listings_reset(void);

#endif

/* Sorting a listing's entries by name (core/namesort.c). */
#ifndef UE_NAMESORT_H
#define UE_NAMESORT_H

#include <stddef.h>

struct ue_dirent;

/* The n entries at ent in strcmp order of their names. */
void ue_sort_by_name(struct ue_dirent **ent, size_t n);

#endif

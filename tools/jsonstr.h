/* A JSON string writer for the tools that do not link layer.c (check).
 * The layer tools have the same in layer.c (put_json); one of the two can
 * go once the split of the big tools/ files has settled. */
#ifndef UE_TOOLS_JSONSTR_H
#define UE_TOOLS_JSONSTR_H

#include <stdio.h>

/* Write s to f as a JSON string, quotes included: ", \ and control bytes
 * escaped; other bytes as they are (names are bytes, not always UTF-8). */
void json_string(FILE *f, const char *s);

#endif

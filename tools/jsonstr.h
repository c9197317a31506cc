/* A JSON string writer, for check and the layer tools alike. */
#ifndef UE_TOOLS_JSONSTR_H
#define UE_TOOLS_JSONSTR_H

#include <stdio.h>

/* Write s to f as a JSON string, quotes included: ", \ and control bytes
 * escaped; other bytes as they are (names are bytes, not always UTF-8). */
void json_string(FILE *f, const char *s);

#endif

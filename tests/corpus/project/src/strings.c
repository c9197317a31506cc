#include <stdlib.h>
#include <string.h>
#include "app.h"

const char *app_name(void) { return PACKAGE_NAME; }

char *app_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *r = malloc(la + lb + 2);
    if (!r)
        return NULL;
    memcpy(r, a, la);
    r[la] = '-';
    memcpy(r + la + 1, b, lb + 1);
    return r;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "util.h"

int main(int argc, char **argv)
{
    char *j = app_join(app_name(), PACKAGE_VERSION);
    printf("%s: sum %d square %d sizeof(long) %d\n", j, app_sum(10), util_square(7), SIZEOF_LONG);
#ifdef HAVE_OPENAT
    puts("have openat");
#endif
#ifdef HAVE_NO_SUCH_HEADER_H
    puts("bogus header found");
#endif
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        puts(app_sum(4) == 10 ? "check: ok" : "check: FAILED");
    free(j);
    return 0;
}

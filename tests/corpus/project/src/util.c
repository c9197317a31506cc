#include "app.h"
#include "util.h"

int util_square(int x) { return x * x; }

int app_sum(int n)
{
    int s = 0;
    for (int i = 1; i <= n; i++)
        s += i;
    return s;
}

/* app.h - the public header of the corpus' sample program */
#ifndef APP_H
#define APP_H
#include "config.h"
int app_sum(int n);
const char *app_name(void);
char *app_join(const char *a, const char *b);
#endif

/* util.h - internal helpers */
#ifndef UTIL_H
#define UTIL_H
int util_square(int x);
#endif

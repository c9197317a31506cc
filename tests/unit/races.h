/* What the race tests share (tests/unit/test_races.c, test_races_aufs.c):
 * the union of their tree, its directories g and h in the upper, and the
 * paths the operations take. */
#ifndef UE_TEST_RACES_H
#define UE_TEST_RACES_H

#include "resolve.h"

extern struct ue_path A, B;
extern char gdir[1024], hdir[1024];

/* The union's path rel, resolved into p (where = -1 when it is not). */
struct ue_path *at(struct ue_path *p, const char *rel);
/* The last name of the path in a system call's argument. */
const char *base(long p);
/* A racer copies g whole (it is to move it): opaque, whiteouts dropped. */
void copy_g_whole(void);
/* A union of the fixture spec with its upper in form; and its end. */
void setup_tree(const char *form, const char *const *spec);
void teardown(void);

#endif

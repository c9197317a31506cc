/* A call on a directory through one fd of it (issue 9): a path-taking
 * call made twice on a directory's path (mark it, then list it) can reach
 * two directories when a racer moves it, or a directory above it, in
 * between; made on /proc/self/fd/N of one O_PATH fd, both reach the same
 * one, wherever it has moved. */
#ifndef UE_ONDIR_H
#define UE_ONDIR_H

/* fn(dir) with dir "/proc/self/fd/N/.", N an O_PATH fd on real_dir;
 * fn's result, or the open's error. */
int ue_on_dir(const char *real_dir, int (*fn)(const char *dir));

#endif

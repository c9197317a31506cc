/* The implementations behind the table, one group per file of preload/. */
#ifndef UE_IMPL_H
#define UE_IMPL_H

#include "args.h"
#include "wrap.h"

/* A libc call (LIBC()) that returns -1 with errno, as -errno. */
#define UE_ERR(call) ({ long _r = (long)(call); _r < 0 ? -(long)errno : _r; })
/* A libc call (LIBC()) that returns NULL with errno: keep its errno for the wrapper. */
#define UE_PASS_PTR(call) ({ errno = 0; __typeof__(call) _p = (call); if (!_p) ue_err = errno; _p; })

/* open.c */
FILE *fopen_impl(struct ue_arg *P, const char *mode, FILE *(*libc)(const char *, const char *));
FILE *freopen_impl(struct ue_arg *P, const char *mode, FILE *f, FILE *(*libc)(const char *, const char *, FILE *));
long mkstemp_impl(char *tmpl, int suffixlen, int flags);
char *mkdtemp_impl(char *tmpl);
/* For the supervisor, whose caller's open may wait (a fifo, a device) and
 * is made by the kernel: path prepared as open_impl prepares it (a lower's
 * fifo brought up) and the real path to open put in out; 0 or -errno. */
long ue_open_kernel_path(int dirfd, const char *path, int flags, mode_t mode, char *out, size_t size);

/* stat.c */
long stat_impl(struct ue_arg *P, struct stat *st, int fl);
long fstat_impl(int fd, struct stat *st);
long statx_impl(struct ue_arg *P, int fl, unsigned mask, struct statx *stx);
long statfs_impl(struct ue_arg *P, struct statfs *b, int (*libc)(const char *, struct statfs *));
long statvfs_impl(struct ue_arg *P, struct statvfs *b, int (*libc)(const char *, struct statvfs *));
long access_impl(struct ue_arg *P, int mode, int fl);
long readlink_impl(struct ue_arg *P, char *buf, size_t n);
long getxattr_impl(struct ue_arg *P, const char *name, void *v, size_t n, int follow);
long listxattr_impl(struct ue_arg *P, char *list, size_t n, int follow);

/* dir.c */
DIR *opendir_impl(struct ue_arg *P);
DIR *fdopendir_impl(int fd);
struct dirent *readdir_impl(DIR *d, struct dirent *(*libc)(DIR *));
long readdir_r_impl(DIR *d, struct dirent *e, struct dirent **res);
long closedir_impl(DIR *d);
long dirfd_impl(DIR *d);
void rewinddir_impl(DIR *d);
long telldir_impl(DIR *d);
void seekdir_impl(DIR *d, long loc);
long scandir_impl(struct ue_arg *P, struct dirent ***list,
                  int (*sel)(const struct dirent *), int (*cmp)(const struct dirent **, const struct dirent **));
long getdents64_impl(int fd, void *buf, size_t n);
/* fd closed or replaced (fdtab.c's ue_fd_closed and its siblings): the
 * listing getdents64_impl kept for the number goes.  Lock-free. */
void ue_getdents_fd_closed(int fd);
void ue_getdents_range_closed(unsigned first, unsigned last);
/* The entries of list from index *pos on, as getdents64 gives them, into
 * buf (n bytes; d_off: the next index), *pos moved past them: their
 * bytes, or -EINVAL when not even one fits.  (The supervisor keeps its
 * own listings: supervisor/listings.c.) */
struct ue_dirlist;
long ue_dirlist_getdents64(const struct ue_dirlist *list, long *pos, void *buf, size_t n);

/* walk.c, fts.c */
FTS *fts_open_impl(char *const *argv, int options, int (*cmp)(const FTSENT **, const FTSENT **));
FTSENT *fts_read_impl(FTS *sp);
FTSENT *fts_children_impl(FTS *sp, int options);
long fts_set_impl(FTS *sp, FTSENT *p, int instr);
long fts_close_impl(FTS *sp);

/* change.c */
long mknod_impl(struct ue_arg *P, mode_t mode, dev_t dev);
long symlink_impl(const char *target, int dirfd, const char *path);
long link_impl(struct ue_arg *P, struct ue_arg *Q, int fl);
long unlink_impl(struct ue_arg *P, int fl);
long remove_impl(const char *path);
long rename_impl(struct ue_arg *P, struct ue_arg *Q, unsigned fl);

/* attr.c */
long chmod_impl(struct ue_arg *P, mode_t mode, int fl);
long fchmod_impl(int fd, mode_t mode);
long chown_impl(struct ue_arg *P, uid_t u, gid_t g, int fl);
long fchown_impl(int fd, uid_t u, gid_t g);
long utime_impl(const char *path, const struct utimbuf *t);
long utimes_impl(struct ue_arg *P, const struct timeval t[2], int fl);
long futimes_impl(int fd, const struct timeval t[2]);
long utimensat_impl(struct ue_arg *P, const struct timespec t[2], int fl);
long futimens_impl(int fd, const struct timespec t[2]);
long truncate_impl(struct ue_arg *P, off_t len);
long setxattr_impl(struct ue_arg *P, const char *name, const void *v, size_t n, int fl, int follow);
long fsetxattr_impl(int fd, const char *name, const void *v, size_t n, int fl);
/* fd open on a file of a lower: its union path (1), else 0; -EEXIST when
 * its union name is gone (a change through it would reach the lower). */
int ue_fd_in_lower(int fd, struct ue_path *p);

/* fdtab.c: an fd closed, duplicated onto newfd, a range closed: the tables
 * of fds (fdtab.h, core/fdnames.h) follow. */
void ue_fd_closed(int fd);
void ue_fd_duped(int fd, int newfd);
void ue_fd_range_closed(unsigned first, unsigned last);

/* cwd.c */
long chdir_impl(struct ue_arg *P);
long fchdir_impl(int fd);
char *getcwd_impl(char *buf, size_t n);
char *realpath_impl(struct ue_arg *P, char *out);

/* exec.c */
long execve_impl(struct ue_arg *P, char *const argv[], char *const envp[]);
long execvpe_impl(const char *file, char *const argv[], char *const envp[]);

/* exec.c, names.c: the process and name surface */
long execveat_impl(struct ue_arg *P, char *const argv[], char *const envp[], int fl);
long fexecve_impl(int fd, char *const argv[], char *const envp[]);
long system_impl(const char *cmd);
FILE *popen_impl(const char *cmd, const char *mode);
long spawn_addopen_impl(posix_spawn_file_actions_t *fa, int fd, const char *path, int oflag, mode_t mode);
long spawn_addchdir_impl(posix_spawn_file_actions_t *fa, const char *path);
char *realpath_chk_impl(const char *path, char *out, size_t outlen);
long readlink_chk_impl(int dirfd, const char *path, char *buf, size_t n, size_t buflen);
char *getcwd_chk_impl(char *buf, size_t n, size_t buflen);
char *getwd_impl(char *buf);
long inotify_add_watch_impl(int fd, struct ue_arg *P, uint32_t mask);
long fanotify_mark_impl(int fd, unsigned flags, uint64_t mask, struct ue_arg *P);
long name_to_handle_at_impl(struct ue_arg *P, struct file_handle *h, int *mount_id, int fl);
long chroot_impl(const char *path);
void *dlopen_impl(struct ue_arg *P, int mode, void *(*libc)(const char *, int));
void *dlmopen_impl(Lmid_t lmid, struct ue_arg *P, int mode);
long bind_impl(int fd, const struct sockaddr *addr, socklen_t len);
long connect_impl(int fd, const struct sockaddr *addr, socklen_t len);
FILE *tmpfile_impl(void);
char *tempnam_impl(const char *dir, const char *pfx);
/* Fill the XXXXXX of tmpl and call try until it gives anything but -EEXIST. */
long gen_tempname_with(char *tmpl, int suffixlen, long (*try)(char *, int), int arg);
char *bindtextdomain_impl(const char *domain, struct ue_arg *P);
long catopen_impl(struct ue_arg *P, int flag);
long ftok_impl(const char *path, int id);
char *mktemp_impl(char *tmpl);
long getdirentries_impl(int fd, char *buf, size_t n, off64_t *basep);
long fgetxattr_impl(int fd, const char *name, void *v, size_t n);
long flistxattr_impl(int fd, char *list, size_t n);
long open_tree_impl(struct ue_arg *P, unsigned flags);

#endif

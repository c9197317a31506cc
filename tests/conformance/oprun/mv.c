/* oprun: a rename that failed with EXDEV, redone as mv(1) does it: copy the
 * tree with its metadata, remove the source (oprun.h). */
#include "oprun.h"

static int copy_xattrs(const char *src, const char *dst)
{
    char names[65536];
    ssize_t n = llistxattr(src, names, sizeof names);
    for (char *s = names; n > 0 && s < names + n; s += strlen(s) + 1) {
        char val[65536];
        ssize_t m = lgetxattr(src, s, val, sizeof val);
        if (m >= 0)
            lsetxattr(dst, s, val, m, 0);
    }
    return 0;
}

static int copy_tree(const char *src, const char *dst)
{
    struct stat st;
    if (lstat(src, &st) < 0)
        return -1;
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    if (S_ISDIR(st.st_mode)) {
        if (mkdir(dst, 0700) < 0)
            return -1;
        DIR *d = opendir(src);
        if (!d)
            return -1;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char s[PATH_MAX], t[PATH_MAX];
            snprintf(s, sizeof s, "%s/%s", src, de->d_name);
            snprintf(t, sizeof t, "%s/%s", dst, de->d_name);
            if (copy_tree(s, t) < 0) {
                int e = errno;
                closedir(d);
                errno = e;
                return -1;
            }
        }
        closedir(d);
    } else if (S_ISREG(st.st_mode)) {
        int in = open(src, O_RDONLY), out;
        if (in < 0)
            return -1;
        out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (out < 0) {
            close(in);
            return -1;
        }
        char b[65536];
        ssize_t n;
        while ((n = read(in, b, sizeof b)) > 0)
            if (write(out, b, n) != n)
                break;
        close(in);
        close(out);
    } else if (S_ISLNK(st.st_mode)) {
        char t[PATH_MAX + 1];
        ssize_t n = readlink(src, t, sizeof t - 1);
        if (n < 0)
            return -1;
        t[n] = 0;
        if (symlink(t, dst) < 0)
            return -1;
    } else {
        if (mknod(dst, st.st_mode, st.st_rdev) < 0)
            return -1;
    }
    copy_xattrs(src, dst);
    if (lchown(dst, st.st_uid, st.st_gid) < 0) { /* as mv: ignored */ }
    if (!S_ISLNK(st.st_mode))
        chmod(dst, st.st_mode & 07777);
    utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW);
    return 0;
}

static int remove_tree(const char *p)
{
    struct stat st;
    if (lstat(p, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(p);
    DIR *d = opendir(p);
    if (!d)
        return -1;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        char c[PATH_MAX];
        snprintf(c, sizeof c, "%s/%s", p, names[i]);
        if (remove_tree(c) < 0)
            return -1;
        free(names[i]);
    }
    free(names);
    return rmdir(p);
}

/* rename as mv does it after EXDEV: the same checks as rename(2), then a
 * copy under a temporary name beside B, renamed over B only once complete
 * (a copy that fails changes nothing), then the source removed */
static int dir_is_empty(const char *p)
{
    DIR *d = opendir(p);
    if (!d)
        return -1;
    struct dirent *de;
    int empty = 1;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            empty = 0;
    closedir(d);
    return empty;
}

static int mv_copy(const char *a, const char *b, int noreplace)
{
    struct stat sa, sb;
    if (lstat(a, &sa) < 0)
        return -1;
    if (lstat(b, &sb) == 0) {
        if (noreplace) {
            errno = EEXIST;
            return -1;
        }
        if (S_ISDIR(sb.st_mode) && !S_ISDIR(sa.st_mode)) {
            errno = EISDIR;
            return -1;
        }
        if (!S_ISDIR(sb.st_mode) && S_ISDIR(sa.st_mode)) {
            errno = ENOTDIR;
            return -1;
        }
        if (S_ISDIR(sb.st_mode)) {
            int e = dir_is_empty(b);
            if (e < 0)
                return -1;
            if (!e) {
                errno = ENOTEMPTY;
                return -1;
            }
        }
    }
    char tmp[PATH_MAX * 2 + 16];
    snprintf(tmp, sizeof tmp, "%s.oprun-mv", b);
    if (copy_tree(a, tmp) < 0) {
        int e = errno;
        remove_tree(tmp);
        errno = e;
        return -1;
    }
    if (rename(tmp, b) < 0) {
        int e = errno;
        remove_tree(tmp);
        errno = e;
        return -1;
    }
    return remove_tree(a);
}

/* Whether path's directory is on the mount (the filesystem of root). */
static int in_mount(const char *path)
{
    char d[PATH_MAX * 2];
    struct stat sd, sr;
    snprintf(d, sizeof d, "%s", path);
    char *slash = strrchr(d, '/');
    if (!slash)
        snprintf(d, sizeof d, ".");
    else if (slash == d)
        d[1] = 0;
    else
        *slash = 0;
    return stat(d, &sd) == 0 && stat(root, &sr) == 0 && sd.st_dev == sr.st_dev;
}

void do_rename(struct loc la, struct loc lb, unsigned flags)
{
    if (renameat2(la.dirfd, la.path, lb.dirfd, lb.path, flags) == 0) {
        ok();
        return;
    }
    if (errno != EXDEV || !opt_exdev)
        FAIL();
    /* (the kernel side only: no union to resolve /proc/self/fd/N in) */
    char pa[PATH_MAX * 2], pb[PATH_MAX * 2];
    if (la.dirfd == AT_FDCWD)
        snprintf(pa, sizeof pa, "%s", la.path);
    else
        snprintf(pa, sizeof pa, "/proc/self/fd/%d/%s", la.dirfd, la.path);
    if (lb.dirfd == AT_FDCWD)
        snprintf(pb, sizeof pb, "%s", lb.path);
    else
        snprintf(pb, sizeof pb, "/proc/self/fd/%d/%s", lb.dirfd, lb.path);
    const char *a = pa, *b = pb;
    int r;
    /* An EXDEV out of the mount (through a symlink that leaves it) is the
     * real answer on either side: only one inside is redone. */
    if (!in_mount(a) || !in_mount(b)) {
        errno = EXDEV;
        FAIL();
    }
    if (flags & RENAME_EXCHANGE) {
        char tmp[PATH_MAX * 2 + 16];
        snprintf(tmp, sizeof tmp, "%s.oprun-xchg", a);
        r = renameat2(AT_FDCWD, a, AT_FDCWD, tmp, RENAME_NOREPLACE);
        if (r < 0 && errno == EXDEV)
            r = mv_copy(a, tmp, 1);
        if (r == 0) {
            r = rename(b, a);
            if (r < 0 && errno == EXDEV)
                r = mv_copy(b, a, 0);
        }
        if (r == 0) {
            r = rename(tmp, b);
            if (r < 0 && errno == EXDEV)
                r = mv_copy(tmp, b, 0);
        }
    } else {
        r = mv_copy(a, b, flags & RENAME_NOREPLACE);
    }
    if (r == 0)
        bput(&res, "EXDEV->ok", 9);
    else
        bprintf(&res, "EXDEV->%s", errname(errno));
}

/* oprun: the operations, one libc call or a few each (README.md says
 * their language; oprun.h). */
#include "oprun.h"

void run_op(struct args *a)
{
    const char *op = a->v[0];
    res.len = 0;
    if (res.p)
        res.p[0] = 0;
#define NEED(k) do { if (a->n < (k) + 1) die("%s: needs %d arguments", op, k); } while (0)
#define P(i) xpath(a->v[i])   /* xattr calls: no *at() form */
#define L(i) locate(a->v[i])
#define D(i) (locate(a->v[i]).dirfd)
#define Q(i) (locate(a->v[i]).path)
    if (!strcmp(op, "create") || !strcmp(op, "create_excl")) {
        NEED(1);
        size_t n;
        char *d = data_of(a, 2, &n);
        int fd = openat(D(1), Q(1), O_WRONLY | O_CREAT | (op[6] ? O_EXCL : O_TRUNC), mode_of(a, 3, 0644));
        CHK(fd);
        if (n && write(fd, d, n) != (ssize_t)n) {
            int e = errno;
            close(fd);
            errno = e;
            FAIL();
        }
        CHK(close(fd));
        ok();
    } else if (!strcmp(op, "write")) {
        NEED(2);
        size_t n;
        char *d = data_of(a, 2, &n);
        int fd = openat(D(1), Q(1), O_WRONLY);
        CHK(fd);
        ssize_t w = pwrite(fd, d, n, num_of(a, 3, 0));
        int e = errno;
        close(fd);
        errno = e;
        CHK(w);
        ok();
    } else if (!strcmp(op, "append")) {
        NEED(2);
        size_t n;
        char *d = data_of(a, 2, &n);
        int fd = openat(D(1), Q(1), O_WRONLY | O_APPEND);
        CHK(fd);
        ssize_t w = write(fd, d, n);
        int e = errno;
        close(fd);
        errno = e;
        CHK(w);
        ok();
    } else if (!strcmp(op, "truncate")) {
        NEED(2);
        if (D(1) == AT_FDCWD) {
            CHK(truncate(Q(1), num_of(a, 2, 0)));
        } else {
            int fd = openat(D(1), Q(1), O_WRONLY);
            CHK(fd);
            int r = ftruncate(fd, num_of(a, 2, 0));
            int e = errno;
            close(fd);
            errno = e;
            CHK(r);
        }
        ok();
    } else if (!strcmp(op, "read")) {
        NEED(1);
        int fd = openat(D(1), Q(1), O_RDONLY);
        CHK(fd);
        unsigned char *p;
        size_t n;
        int r = read_all(fd, &p, &n, 0);
        int e = errno;
        close(fd);
        errno = e;
        CHK(r);
        show_bytes(p, n);
        free(p);
    } else if (!strcmp(op, "holes")) {
        NEED(1);
        int fd = openat(D(1), Q(1), O_RDONLY);
        CHK(fd);
        off_t end = lseek(fd, 0, SEEK_END), pos = 0;
        bput(&res, "ok", 2);
        while (pos < end) {
            off_t d = lseek(fd, pos, SEEK_DATA);
            if (d < 0)
                break;
            off_t h = lseek(fd, d, SEEK_HOLE);
            bprintf(&res, " %lld-%lld", (long long)d, (long long)h);
            pos = h;
        }
        close(fd);
    } else if (!strcmp(op, "sparse")) { /* "ok sparse" when fewer bytes are allocated than the size */
        NEED(1);
        struct stat st;
        CHK(fstatat(D(1), Q(1), &st, 0));
        bprintf(&res, "ok %s", (long long)st.st_blocks * 512 < (long long)st.st_size ? "sparse" : "dense");
    } else if (!strcmp(op, "unlink")) {
        NEED(1);
        CHK(unlinkat(D(1), Q(1), 0));
        ok();
    } else if (!strcmp(op, "mkdir")) {
        NEED(1);
        CHK(mkdirat(D(1), Q(1), mode_of(a, 2, 0755)));
        ok();
    } else if (!strcmp(op, "rmdir")) {
        NEED(1);
        CHK(unlinkat(D(1), Q(1), AT_REMOVEDIR));
        ok();
    } else if (!strcmp(op, "rename")) {
        NEED(2);
        do_rename(L(1), L(2), 0);
    } else if (!strcmp(op, "rename_noreplace")) {
        NEED(2);
        do_rename(L(1), L(2), RENAME_NOREPLACE);
    } else if (!strcmp(op, "rename_exchange")) {
        NEED(2);
        do_rename(L(1), L(2), RENAME_EXCHANGE);
    } else if (!strcmp(op, "link")) {
        NEED(2);
        CHK(linkat(D(1), Q(1), D(2), Q(2), 0));
        ok();
    } else if (!strcmp(op, "symlink")) {
        NEED(2);
        CHK(symlinkat(target_of(a->v[1]), D(2), Q(2)));
        ok();
    } else if (!strcmp(op, "mkfifo")) {
        NEED(1);
        CHK(mkfifoat(D(1), Q(1), mode_of(a, 2, 0644)));
        ok();
    } else if (!strcmp(op, "mknod")) { /* mknod P c|b MAJ MIN [MODE] */
        NEED(4);
        mode_t t = a->v[2][0] == 'b' ? S_IFBLK : S_IFCHR;
        CHK(mknodat(D(1), Q(1), t | mode_of(a, 5, 0644), makedev(num_of(a, 3, 0), num_of(a, 4, 0))));
        ok();
    } else if (!strcmp(op, "whiteout")) {
        NEED(1);
        CHK(mknod(P(1), S_IFCHR | 0, makedev(0, 0)));
        ok();
    } else if (!strcmp(op, "opaque")) { /* opaque DIR [user|trusted] */
        NEED(1);
        char name[64];
        snprintf(name, sizeof name, "%s.overlay.opaque", a->n > 2 ? a->v[2] : "user");
        CHK(lsetxattr(P(1), name, "y", 1, 0));
        ok();
    } else if (!strcmp(op, "chmod")) {
        NEED(2);
        CHK(fchmodat(D(1), Q(1), mode_of(a, 2, 0), 0));
        ok();
    } else if (!strcmp(op, "chown")) {
        NEED(3);
        CHK(fchownat(D(1), Q(1), num_of(a, 2, -1), num_of(a, 3, -1), 0));
        ok();
    } else if (!strcmp(op, "lchown")) {
        NEED(3);
        CHK(fchownat(D(1), Q(1), num_of(a, 2, -1), num_of(a, 3, -1), AT_SYMLINK_NOFOLLOW));
        ok();
    } else if (!strcmp(op, "utimes") || !strcmp(op, "lutimes")) {
        NEED(3);
        struct timespec ts[2] = {{num_of(a, 2, 0), 0}, {num_of(a, 3, 0), 0}};
        CHK(utimensat(D(1), Q(1), ts, op[0] == 'l' ? AT_SYMLINK_NOFOLLOW : 0));
        ok();
    } else if (!strcmp(op, "setxattr")) {
        NEED(3);
        size_t n;
        char *d = data_of(a, 3, &n);
        CHK(lsetxattr(P(1), a->v[2], d, n, 0));
        ok();
    } else if (!strcmp(op, "removexattr")) {
        NEED(2);
        CHK(lremovexattr(P(1), a->v[2]));
        ok();
    } else if (!strcmp(op, "getxattr")) {
        NEED(2);
        unsigned char v[65536];
        ssize_t n = lgetxattr(P(1), a->v[2], v, sizeof v);
        CHK(n);
        show_bytes(v, n);
    } else if (!strcmp(op, "listxattr")) {
        NEED(1);
        char names[65536];
        ssize_t n = llistxattr(P(1), names, sizeof names);
        CHK(n);
        char *v[1024];
        int nv = 0;
        for (char *s = names; s < names + n && nv < 1024; s += strlen(s) + 1)
            v[nv++] = s;
        qsort(v, nv, sizeof v[0], cmpstr);
        bput(&res, "ok", 2);
        for (int i = 0; i < nv; i++)
            bprintf(&res, " %s", v[i]);
    } else if (!strcmp(op, "stat") || !strcmp(op, "lstat")) {
        NEED(1);
        struct stat st;
        CHK(fstatat(D(1), Q(1), &st, op[0] == 'l' ? AT_SYMLINK_NOFOLLOW : 0));
        show_stat(&st);
    } else if (!strcmp(op, "ino")) {
        NEED(1);
        struct stat st;
        CHK(fstatat(D(1), Q(1), &st, AT_SYMLINK_NOFOLLOW));
        bprintf(&res, "ok i%d", ino_label(st.st_ino));
    } else if (!strcmp(op, "readdir")) {
        NEED(1);
        int dfd = openat(D(1), Q(1), O_RDONLY | O_DIRECTORY);
        CHK(dfd);
        DIR *d = fdopendir(dfd);
        if (!d)
            FAIL();
        struct dent *v = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            v = realloc(v, (n + 1) * sizeof *v);
            v[n].de = *de;
            v[n].name = strdup(de->d_name);
            n++;
        }
        closedir(d);
        qsort(v, n, sizeof *v, cmpdent);
        bput(&res, "ok", 2);
        for (size_t i = 0; i < n; i++) {
            bprintf(&res, " %s/%c", v[i].name, dtype_char(v[i].de.d_type));
            free(v[i].name);
        }
        free(v);
    } else if (!strcmp(op, "telldir_roundtrip")) {
        /* every telldir() position, seekdir()'d back to, gives the same next entry */
        NEED(1);
        struct loc l = L(1);
        int dfd = openat(l.dirfd, l.path, O_RDONLY | O_DIRECTORY);
        CHK(dfd);
        DIR *d = fdopendir(dfd);
        if (!d)
            FAIL();
        long pos[4096];
        char *names[4096];
        int n = 0, bad = 0;
        for (;;) {
            long p = telldir(d);
            struct dirent *de = readdir(d);
            if (!de || n == 4096)
                break;
            pos[n] = p;
            names[n++] = strdup(de->d_name);
        }
        for (int i = n - 1; i >= 0; i--) {
            seekdir(d, pos[i]);
            struct dirent *de = readdir(d);
            if (!de || strcmp(de->d_name, names[i]) != 0) {
                if (!bad++)
                    bprintf(&res, "MISMATCH at %s: %s", names[i], de ? de->d_name : "(end)");
            }
        }
        rewinddir(d);
        int again = 0;
        while (readdir(d))
            again++;
        closedir(d);
        if (!bad && again != n)
            bprintf(&res, "MISMATCH rewinddir: %d then %d entries", n, again), bad = 1;
        if (!bad)
            bprintf(&res, "ok %d entries", n);
        for (int i = 0; i < n; i++)
            free(names[i]);
    } else if (!strcmp(op, "readdir_concurrent")) {
        /* readdir_concurrent D NEW GONE: read half of D, create D/NEW and
         * remove D/GONE, read the rest: no name twice, every name that was
         * there throughout (all but NEW and GONE) exactly once */
        NEED(3);
        struct loc l = L(1);
        int dfd = openat(l.dirfd, l.path, O_RDONLY | O_DIRECTORY);
        CHK(dfd);
        DIR *d = fdopendir(dfd);
        if (!d)
            FAIL();
        char *before[4096], *seen[8192];
        int nb = 0, ns = 0;
        struct dirent *de;
        while ((de = readdir(d)) && nb < 4096)
            before[nb++] = strdup(de->d_name);
        rewinddir(d);
        for (int i = 0; i < nb / 2 && (de = readdir(d)); i++)
            seen[ns++] = strdup(de->d_name);
        char p[PATH_MAX * 2];
        snprintf(p, sizeof p, "%s/%s", l.path, a->v[2]);
        int fd = openat(l.dirfd, p, O_WRONLY | O_CREAT, 0644);
        int ecreate = fd < 0 ? errno : 0;
        if (fd >= 0)
            close(fd);
        snprintf(p, sizeof p, "%s/%s", l.path, a->v[3]);
        int eunlink = unlinkat(l.dirfd, p, 0) < 0 ? errno : 0;
        while ((de = readdir(d)) && ns < 8192)
            seen[ns++] = strdup(de->d_name);
        closedir(d);
        int bad = 0;
        for (int i = 0; i < ns && !bad; i++)
            for (int j = i + 1; j < ns; j++)
                if (!strcmp(seen[i], seen[j])) {
                    bprintf(&res, "MISMATCH %s twice", seen[i]);
                    bad = 1;
                    break;
                }
        for (int i = 0; i < nb && !bad; i++) {
            if (!strcmp(before[i], a->v[2]) || !strcmp(before[i], a->v[3]))
                continue;
            int found = 0;
            for (int j = 0; j < ns; j++)
                found += !strcmp(before[i], seen[j]);
            if (found != 1) {
                bprintf(&res, "MISMATCH %s seen %d times", before[i], found);
                bad = 1;
            }
        }
        if (!bad)
            bprintf(&res, "ok create %s unlink %s", ecreate ? errname(ecreate) : "ok", eunlink ? errname(eunlink) : "ok");
    } else if (!strcmp(op, "readlink")) {
        NEED(1);
        char t[PATH_MAX + 1];
        ssize_t n = readlinkat(D(1), Q(1), t, sizeof t - 1);
        CHK(n);
        t[n] = 0;
        bprintf(&res, "ok %s", t);
    } else if (!strcmp(op, "access")) { /* access P [rwxf] */
        NEED(2);
        int m = 0;
        for (const char *s = a->v[2]; *s; s++)
            m |= *s == 'r' ? R_OK : *s == 'w' ? W_OK : *s == 'x' ? X_OK : F_OK;
        CHK(faccessat(D(1), Q(1), m, 0));
        ok();
    } else if (!strcmp(op, "cd")) { /* cd P: the current directory */
        NEED(1);
        struct loc l = L(1);
        if (l.dirfd != AT_FDCWD && strcmp(l.path, ".") == 0) {
            CHK(fchdir(l.dirfd));
        } else if (l.dirfd != AT_FDCWD) {
            int fd = openat(l.dirfd, l.path, O_RDONLY | O_DIRECTORY);
            CHK(fd);
            int r = fchdir(fd);
            int e = errno;
            close(fd);
            errno = e;
            CHK(r);
        } else {
            CHK(chdir(l.path));
        }
        ok();
    } else if (!strcmp(op, "getcwd")) { /* the cwd, relative to ROOT */
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            FAIL();
        size_t rl = strlen(root);
        if (strcmp(cwd, root) == 0)
            bput(&res, "ok .", 4);
        else if (strncmp(cwd, root, rl) == 0 && cwd[rl] == '/')
            bprintf(&res, "ok %s", cwd + rl + 1);
        else
            bput(&res, "ok (outside)", 12);
    } else if (!strcmp(op, "opendir_fd")) { /* opendir_fd H D: a directory fd for H:rel */
        NEED(2);
        struct loc l = L(2);
        int fd = openat(l.dirfd, l.path, O_RDONLY | O_DIRECTORY);
        CHK(fd);
        struct handle *h = handle(a->v[1], 1);
        if (h->fd >= 0)
            close(h->fd);
        h->fd = fd;
        ok();
    } else if (!strcmp(op, "open")) { /* open H PATH FLAGS [MODE] */
        NEED(3);
        struct handle *h = handle(a->v[1], 1);
        if (h->fd >= 0)
            close(h->fd);
        h->fd = openat(D(2), Q(2), parse_flags(a->v[3]), mode_of(a, 4, 0644));
        CHK(h->fd);
        ok();
    } else if (!strcmp(op, "close")) {
        NEED(1);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        if (h->map)
            munmap(h->map, h->maplen), h->map = NULL;
        int r = close(h->fd);
        h->name[0] = 0;
        CHK(r);
        ok();
    } else if (!strcmp(op, "fread")) {
        NEED(1);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        unsigned char *p;
        size_t n;
        CHK(read_all(h->fd, &p, &n, 1));
        show_bytes(p, n);
        free(p);
    } else if (!strcmp(op, "readn")) { /* readn H N: up to N bytes from the fd's offset, read(2) */
        NEED(2);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        size_t want = (size_t)num_of(a, 2, 0);
        unsigned char *p = malloc(want + 1);
        ssize_t r = read(h->fd, p, want);
        if (r < 0) {
            free(p);
            FAIL();
        }
        show_bytes(p, (size_t)r);
        free(p);
    } else if (!strcmp(op, "dup")) { /* dup H NEW: NEW is a dup(2) of H */
        NEED(2);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        int fd = dup(h->fd);
        CHK(fd);
        struct handle *n = handle(a->v[2], 1);
        if (n->fd >= 0)
            close(n->fd);
        n->fd = fd;
        ok();
    } else if (!strcmp(op, "linkfd")) { /* linkfd H P: H's file named P, as O_TMPFILE's are */
        NEED(2);
        struct handle *h = handle(a->v[1], 0);
        char link[64];
        if (!h)
            die("no handle %s", a->v[1]);
        snprintf(link, sizeof link, "/proc/self/fd/%d", h->fd);
        CHK(linkat(AT_FDCWD, link, D(2), Q(2), AT_SYMLINK_FOLLOW));
        ok();
    } else if (!strcmp(op, "fwrite")) {
        NEED(2);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        size_t n;
        char *d = data_of(a, 2, &n);
        CHK(write(h->fd, d, n));
        ok();
    } else if (!strcmp(op, "fstat")) {
        NEED(1);
        struct handle *h = handle(a->v[1], 0);
        struct stat st;
        if (!h)
            die("no handle %s", a->v[1]);
        CHK(fstat(h->fd, &st));
        show_stat(&st);
    } else if (!strcmp(op, "fino")) {
        NEED(1);
        struct handle *h = handle(a->v[1], 0);
        struct stat st;
        if (!h)
            die("no handle %s", a->v[1]);
        CHK(fstat(h->fd, &st));
        bprintf(&res, "ok i%d", ino_label(st.st_ino));
    } else if (!strcmp(op, "ftruncate")) {
        NEED(2);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        CHK(ftruncate(h->fd, num_of(a, 2, 0)));
        ok();
    } else if (!strcmp(op, "fchmod")) {
        NEED(2);
        struct handle *h = handle(a->v[1], 0);
        if (!h)
            die("no handle %s", a->v[1]);
        CHK(fchmod(h->fd, mode_of(a, 2, 0)));
        ok();
    } else if (!strcmp(op, "mmap")) { /* mmap H: map the whole file read-only, shared */
        NEED(1);
        struct handle *h = handle(a->v[1], 0);
        struct stat st;
        if (!h)
            die("no handle %s", a->v[1]);
        CHK(fstat(h->fd, &st));
        h->maplen = st.st_size ? st.st_size : 1;
        h->map = mmap(NULL, h->maplen, PROT_READ, MAP_SHARED, h->fd, 0);
        if (h->map == MAP_FAILED) {
            h->map = NULL;
            FAIL();
        }
        ok();
    } else if (!strcmp(op, "mread")) {
        NEED(1);
        struct handle *h = handle(a->v[1], 0);
        if (!h || !h->map)
            die("no mapping %s", a->v[1]);
        show_bytes(h->map, h->maplen);
    } else if (!strcmp(op, "open_rdonly_then_copyup")) {
        /* open read-only, append "+" through another open (copy-up), read
         * through the first fd */
        NEED(1);
        int fd = openat(D(1), Q(1), O_RDONLY);
        CHK(fd);
        int w = openat(D(1), Q(1), O_WRONLY | O_APPEND);
        if (w < 0 || write(w, "+", 1) != 1) {
            int e = errno;
            close(fd);
            errno = e;
            FAIL();
        }
        close(w);
        unsigned char *p;
        size_t n;
        int r = read_all(fd, &p, &n, 1);
        int e = errno;
        close(fd);
        errno = e;
        CHK(r);
        show_bytes(p, n);
        free(p);
    } else {
        die("unknown operation: %s", op);
    }
#undef P
#undef L
#undef D
#undef Q
#undef NEED
}

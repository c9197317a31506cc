/* oprun - run a conformance scenario's file operations with plain libc calls,
 * and list a directory tree in a form that two unions can be compared by.
 *
 *   oprun run [-x] [-t TRACE] ROOT   operations on stdin, one per line;
 *                                    prints one result per operation
 *   oprun setup [-m MOUNT] ROOT      operations on stdin, into a plain
 *                                    directory (a layer); stops at the first
 *                                    failure (-k: goes on); then sets every
 *                                    time above 1500000000 to T0 (1000000000);
 *                                    -m: a symlink target @/x names x in
 *                                    MOUNT, not in ROOT (a lower below the
 *                                    mount names the union, not itself)
 *   oprun list [-u] ROOT             the listing of ROOT (see below); -u: a
 *                                    raw layer: overlay markers kept, link
 *                                    count replaced by link groups
 *
 * -x: a rename that fails with EXDEV is redone as mv(1) does it (copy the
 *     tree with its metadata, remove the source) and reported as
 *     "EXDEV->RESULT": the kernel's overlayfs refuses to rename a lower
 *     directory in userxattr mode, POSIX says it works.
 * -t: after every operation, append "## N" and the listing of ROOT to TRACE.
 *
 * The same program runs under unionenv (the preload wraps its libc calls)
 * and on a kernel overlayfs mount; the runner (tests/conformance/run)
 * compares what it prints.  The operation language is in README.md.
 *
 * Listing: one line per entry, sorted by path (bytewise), tab-separated:
 *   path type mode uid:gid nlink size mtime content xattrs flags
 * type: f d l c b p s; mode: octal permission bits; size "-" for a
 * directory; mtime: seconds[.ns] when below 1500000000 (set by the scenario
 * or kept from a layer), else "new"; content: FNV-1a 64 of a regular file,
 * "->TARGET" for a symlink, "dev:MAJ,MIN" for a device, "-" otherwise;
 * xattrs: "name=value" joined by ",", sorted, non-printable bytes as \xHH;
 * flags: "=PATH" when another entry is the same inode (PATH: the first such
 * entry), "dtype!" when readdir's d_type disagrees with lstat, "dino!" when
 * readdir's d_ino disagrees with lstat's st_ino.
 */
#include "oprun.h"

char root[PATH_MAX];
char mount_root[PATH_MAX];  /* what "@/" in a symlink target names: -m, else root */
int opt_exdev, opt_keep_going, opt_raw;
const char *trace_path;

/* ---- setup: fixed times --------------------------------------------------- */

static void fix_times(const char *p)
{
    struct stat st;
    if (lstat(p, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(p);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                    continue;
                char c[PATH_MAX];
                snprintf(c, sizeof c, "%s/%s", p, de->d_name);
                fix_times(c);
            }
            closedir(d);
        }
    }
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    if (ts[1].tv_sec < NEW_AFTER && ts[0].tv_sec < NEW_AFTER)
        return;
    if (ts[1].tv_sec >= NEW_AFTER)
        ts[1].tv_sec = T0, ts[1].tv_nsec = 0;
    if (ts[0].tv_sec >= NEW_AFTER)
        ts[0] = ts[1];
    utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

/* ---- main ------------------------------------------------------------------ */

static void usage(void)
{
    fputs("usage: oprun run [-x] [-t TRACE] ROOT < ops\n"
          "       oprun setup [-k] [-m MOUNT] ROOT < ops\n"
          "       oprun list [-u] ROOT\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    const char *mode = argv[1];
    int c;
    optind = 2;
    while ((c = getopt(argc, argv, "xt:kum:")) != -1) {
        switch (c) {
        case 'x': opt_exdev = 1; break;
        case 't': trace_path = optarg; break;
        case 'k': opt_keep_going = 1; break;
        case 'u': opt_raw = 1; break;
        case 'm': snprintf(mount_root, sizeof mount_root, "%s", optarg); break;
        default: usage();
        }
    }
    if (optind != argc - 1)
        usage();
    snprintf(root, sizeof root, "%s", argv[optind]);
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        root[--rl] = 0;
    if (!mount_root[0])
        snprintf(mount_root, sizeof mount_root, "%s", root);
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(0);

    if (!strcmp(mode, "list")) {
        struct buf out = {0};
        listing(&out);
        fwrite(out.p, 1, out.len, stdout);
        return 0;
    }
    int setup = !strcmp(mode, "setup");
    if (!setup && strcmp(mode, "run"))
        usage();
    FILE *trace = NULL;
    if (trace_path && !(trace = fopen(trace_path, "w")))
        die("cannot write %s: %s", trace_path, strerror(errno));
    /* "./x" paths start at ROOT, never wherever we were started */
    if (chdir(root) < 0)
        die("cannot change to %s: %s", root, strerror(errno));

    char *line = malloc(MAXLINE), *store = malloc(MAXLINE);
    int lineno = 0, status = 0;
    while (fgets(line, MAXLINE, stdin)) {
        lineno++;
        char copy[512];
        snprintf(copy, sizeof copy, "%s", line);
        copy[strcspn(copy, "\n")] = 0;
        struct args a;
        a.n = tokenize(line, store, a.v, a.len, MAXTOK);
        if (a.n < 0)
            die("line %d: cannot parse: %s", lineno, copy);
        if (a.n == 0)
            continue;
        run_op(&a);
        if (setup) {
            if (strncmp(res.p, "ok", 2) != 0) {
                fprintf(stderr, "oprun setup: line %d: %s: %s\n", lineno, copy, res.p);
                status = 1;
                if (!opt_keep_going)
                    return 1;
            }
        } else {
            /* the listing first: once the result is out, the runner may
             * have another process change the union */
            if (trace) {
                struct buf out = {0};
                listing(&out);
                fprintf(trace, "## %d\n", lineno);
                fwrite(out.p, 1, out.len, trace);
                fflush(trace);
                free(out.p);
            }
            printf("%s\n", res.p);
        }
    }
    if (setup)
        fix_times(root);
    if (trace)
        fclose(trace);
    return status;
}

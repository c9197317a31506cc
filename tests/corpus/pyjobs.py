"""pyjobs.py JOB [ARG...] - python3 jobs of the corpus (tests/scenarios/corpus-python3.sh).

Each job works relative to the current directory (the union's mount, or the
oracle's) and prints only what is deterministic: names sorted, no inode
numbers, no times of new files.
"""
import glob
import mmap
import os
import pathlib
import shutil
import stat
import sys
import tempfile


def kind(path):
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        return "l->" + os.readlink(path)
    if stat.S_ISDIR(st.st_mode):
        return "d"
    if stat.S_ISFIFO(st.st_mode):
        return "p"
    return "f%d" % st.st_size


def walk(top):
    """os.walk, top-down and bottom-up, sorted."""
    for root, dirs, files in os.walk(top):
        dirs.sort()
        print(root, "dirs=" + ",".join(dirs), "files=" + ",".join(sorted(files)))
    # bottom-up: every directory comes after its subdirectories
    seen = []
    for root, dirs, files in os.walk(top, topdown=False):
        assert all(os.path.join(root, d) in seen for d in dirs if not os.path.islink(os.path.join(root, d))), root
        seen.append(root)
    print("up", sorted(seen))
    # followlinks: tree/deep.link -> sub/deep is followed
    n = sum(len(f) for _, _, f in os.walk(top, followlinks=True))
    print("files with followlinks:", n)


def scandir(top):
    """os.scandir with its cached d_type answers, recursively; fd-based too."""
    def rec(path):
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            flags = "".join(c for c, b in (
                ("d", e.is_dir(follow_symlinks=False)),
                ("f", e.is_file(follow_symlinks=False)),
                ("l", e.is_symlink()),
                ("D", e.is_dir()),
            ) if b)
            size = e.stat(follow_symlinks=False).st_size if e.is_file(follow_symlinks=False) else "-"
            print(e.path, flags, size)
            if e.is_dir(follow_symlinks=False):
                rec(e.path)
    rec(top)
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        print("by fd:", sorted(e.name for e in os.scandir(fd)))
        print("listdir by fd:", sorted(os.listdir(fd)))
        print("stat by dir_fd:", kind_at(fd, "top.txt"), kind_at(fd, "sub"))
    finally:
        os.close(fd)
    print("glob:", sorted(glob.glob(top + "/**/*.txt", recursive=True)))
    print("rglob:", sorted(str(p) for p in pathlib.Path(top).rglob("*.dat")))
    print("exists:", [os.path.exists(p) for p in (top + "/dangling", top + "/top.link", top + "/nope")])


def kind_at(fd, name):
    st = os.stat(name, dir_fd=fd, follow_symlinks=False)
    return "%s:%o" % (name, stat.S_IMODE(st.st_mode))


def copytree(top, out, ext):
    """shutil.copytree within, out of and into the union; copy2; move."""
    shutil.copytree(top, "tree2", symlinks=True)
    shutil.copytree(top, os.path.join(out, "tree"), symlinks=True)
    shutil.copytree(os.path.join(ext, "src"), top, symlinks=True, dirs_exist_ok=True)
    shutil.copytree(top + "/sub", "subcopy", ignore=shutil.ignore_patterns("*.dat"))
    shutil.copy2(top + "/ro.txt", "ro.copy")
    shutil.copy(top + "/top.link", "deref.copy")
    shutil.move(top + "/leafy", "leafy.moved")
    shutil.move("only_a", os.path.join(out, "only_a"))
    for p in ("tree2", "subcopy", "leafy.moved", top):
        print(p, sorted(os.listdir(p)))
    print(kind("ro.copy"), oct(os.stat("ro.copy").st_mode), os.stat("ro.copy").st_mtime)


def rmtree(top):
    """shutil.rmtree of merged and lower-only directories (fd-based walk)."""
    print("fd-based:", shutil.rmtree.avoids_symlink_attacks)
    shutil.rmtree(top + "/sub")
    shutil.rmtree(top + "/leafy/x")
    shutil.rmtree("only_b")
    errors = []
    shutil.rmtree(top + "/nope", onerror=lambda f, p, e: errors.append((f.__name__, p, e[0].__name__)))
    print("errors:", errors)
    print(sorted(os.listdir(top)), sorted(os.listdir(top + "/leafy")), os.path.exists("only_b"))
    os.makedirs(top + "/sub/deep")
    with open(top + "/sub/deep/new.txt", "w") as f:
        f.write("recreated\n")
    print(sorted(os.listdir(top + "/sub")), sorted(os.listdir(top + "/sub/deep")))
    shutil.rmtree(top)
    print(sorted(os.listdir(".")))


def temp(top):
    """tempfile in the union: directories, named files, mkstemp, TMPDIR."""
    with tempfile.TemporaryDirectory(dir=top) as d:
        with open(os.path.join(d, "f"), "w") as f:
            f.write("x")
        os.mkdir(os.path.join(d, "sub"))
        print("tmpdir mode", oct(os.stat(d).st_mode & 0o777), sorted(os.listdir(d)))
    print("tmpdir gone", not os.path.exists(d))
    with tempfile.NamedTemporaryFile("w", dir=top + "/sub", delete=False, suffix=".txt") as f:
        f.write("named\n")
    os.replace(f.name, top + "/sub/named.txt")
    fd, name = tempfile.mkstemp(dir=top + "/leafy", prefix="ms.")
    os.write(fd, b"mkstemp\n")
    os.close(fd)
    print("mkstemp mode", oct(os.stat(name).st_mode & 0o777))
    os.replace(name, top + "/both.txt")
    d = tempfile.mkdtemp(dir=top)
    os.rename(d, top + "/mkdtemp.dir")
    tempfile.tempdir = None
    os.environ["TMPDIR"] = os.path.abspath(top + "/tmp")
    os.mkdir(top + "/tmp")
    print("gettempdir in union", tempfile.gettempdir() == os.environ["TMPDIR"])
    with tempfile.TemporaryFile() as f:
        f.write(b"anon")
        f.seek(0)
        print("TemporaryFile", f.read())
    with tempfile.SpooledTemporaryFile(max_size=10) as f:
        f.write(b"x" * 100)
        f.rollover()
        print("spooled rolled over", f._rolled)
    print(sorted(os.listdir(top)), os.listdir(top + "/tmp"))


def fileio(top):
    """open modes on lower files, mmap, os.* metadata calls."""
    with open(top + "/both.txt", "r+") as f:
        f.seek(0, 2)
        f.write("appended by r+\n")
    with open(top + "/top.txt", "a") as f:
        f.write("appended\n")
    with open(top + "/sub/d3.dat", "r+b") as f:
        m = mmap.mmap(f.fileno(), 0)
        m[0:4] = b"DATA"
        m.flush()
        m.close()
    os.truncate(top + "/sub/d2.dat", 3)
    os.chmod(top + "/ro.txt", 0o640)
    os.utime(top + "/private.txt", (1500000000, 1500000000))
    os.link(top + "/bottom.txt", top + "/bottom.hard")
    os.symlink("bottom.txt", top + "/bottom.link")
    os.rename(top + "/empty", top + "/renamed.empty")
    os.makedirs(top + "/sub/deep/a/b", exist_ok=True)
    os.makedirs(top + "/sub/deep", exist_ok=True)
    try:
        os.mkdir(top + "/sub")
    except FileExistsError:
        print("mkdir existing: FileExistsError")
    try:
        os.rmdir(top + "/leafy")
    except OSError as e:
        print("rmdir non-empty merged:", type(e).__name__)
    os.remove(top + "/fifo")
    for p in ("both.txt", "top.txt", "sub/d3.dat", "sub/d2.dat", "ro.txt", "bottom.hard", "bottom.link"):
        st = os.lstat(top + "/" + p)
        print(p, oct(st.st_mode), st.st_size, open(top + "/" + p, "rb").read()[:20])
    print("private mtime", os.stat(top + "/private.txt").st_mtime, "nlink", os.stat(top + "/bottom.hard").st_nlink)
    print("access", os.access(top + "/ro.txt", os.R_OK), os.access(top + "/tool.sh", os.X_OK))
    print("realpath", os.path.relpath(os.path.realpath(top + "/deep.link"), os.getcwd()))
    print("samefile", os.path.samefile(top + "/bottom.txt", top + "/bottom.hard"))


def procs(top):
    """subprocess (with cwd= too), os.system, os.popen running programs and scripts of the union."""
    import subprocess
    print(subprocess.run(["ls", top + "/leafy"], capture_output=True, text=True).stdout.split())
    print(subprocess.run("cat " + top + "/bottom.txt | tr a-z A-Z", shell=True, capture_output=True, text=True).stdout.strip())
    print(subprocess.run(["./" + top + "/tool.sh"], capture_output=True, text=True).stdout.strip())
    with open(top + "/from-child.txt", "w") as f:
        subprocess.run(["cat", top + "/top.txt", top + "/sub/deep/b.txt"], stdout=f, check=True)
    print(open(top + "/from-child.txt").read().split("\n")[:2])
    print(os.system("test -f " + top + "/sub/d3.dat && echo " + "child >" + top + "/by-system.txt"))
    print(os.popen("wc -c <" + top + "/by-system.txt").read().strip())
    p = subprocess.Popen(["sort"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    print(p.communicate("b\na\n")[0].split())
    # cwd=: the child changes directory (after vfork, in memory it shares
    # with the parent) and the parent's stays where it was; relative cwd=
    # one after the other, into merged, lower-only and upper directories
    os.mkdir(top + "/newdir")
    for d in (top + "/leafy", top + "/sub", "only_b", top + "/newdir", top + "/leafy/x"):
        print(d, subprocess.run(["ls", "-A"], cwd=d, capture_output=True, text=True).stdout.split())
    print(subprocess.run("cat f; ./../" + top + "/tool.sh", shell=True, cwd="only_a", capture_output=True, text=True).stdout.split("\n"))
    subprocess.run(["sh", "-c", "echo made in cwd >made.txt"], cwd=top + "/sub/deep", check=True)
    print(open(top + "/sub/deep/made.txt").read().strip(), open(top + "/top.txt").read().strip())
    print(os.getcwd() == os.environ.get("MNT"))


def main():
    job, args = sys.argv[1], sys.argv[2:]
    {"walk": walk, "scandir": scandir, "copytree": copytree, "rmtree": rmtree,
     "temp": temp, "fileio": fileio, "procs": procs}[job](*args)


if __name__ == "__main__":
    main()

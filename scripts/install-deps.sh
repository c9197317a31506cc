#!/usr/bin/env bash
# Install the Debian packages that building, testing and the demo need.
#
# `make test` and `make demo` call this every time, so it must be quiet and
# fast when everything is present, and touch apt only when something is
# missing (apt-get update is slow and needs the network).
set -u

PACKAGES=(
    gcc make libc6-dev uthash-dev libelf-dev   # build
    zlib1g-dev libzstd-dev                     # build: export/import compression
    bats attr coreutils findutils tar git sed diffutils rsync cpio patch strace
    python3 perl sqlite3 util-linux file       # tests and demo
    exfatprogs exfat-fuse                      # tests: an upper that holds no devices nor xattrs
    bash-completion                            # tests: completion/unionenv.bash uses its helpers
    golang-go                                  # tests: Go under the supervisor (scenario unfollowed);
                                               # 81 MB: ~15 s to fetch, ~35 s to unpack
    busybox-static valgrind                    # tests: programs only the supervisor follows
    dpkg-dev debhelper lintian                 # tests: the Debian package builds, lintian clean
    fuse-overlayfs fakechroot                  # make bench: the columns beside unionenv's
)

missing=()

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps: not a Debian system; make sure these are installed: ${PACKAGES[*]}" >&2
    exit 0
fi

for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
    [ "$status" = installed ] || missing+=("$p")
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: as root, run: apt-get install ${missing[*]}" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq </dev/null &&
    apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null; }; then
    echo "install-deps: apt-get failed for: ${missing[*]}" >&2
    exit 1
fi

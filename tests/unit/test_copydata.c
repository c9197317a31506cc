/* core/copydata.c: what a copy-up copies: data (holes kept), the xattrs
 * that are the file's own (not the overlay's markers), mode and times. */
#include "copydata.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static char dir[64];

static const char *at(const char *name)
{
	static char buf[2][128];
	static int n;
	char *b = buf[n++ % 2];
	snprintf(b, 128, "%s/%s", dir, name);
	return b;
}

void test_copydata(void)
{
	snprintf(dir, sizeof dir, "/tmp/ue-unit-cd.XXXXXX");
	if (!mkdtemp(dir)) {
		ok(0, "copy_data: mkdtemp");
		return;
	}
	/* 4 KiB of data, a 4 MiB hole, 4 KiB more */
	const off_t gap = 4 << 20, size = gap + 8192;
	char block[4096], back[4096];
	memset(block, 'q', sizeof block);
	int in = open(at("src"), O_RDWR | O_CREAT, 0640);
	ok(pwrite(in, block, sizeof block, 0) == (ssize_t)sizeof block &&
	   pwrite(in, block, sizeof block, gap + 4096) == (ssize_t)sizeof block, "copy_data: a sparse source");
	int out = open(at("dst"), O_RDWR | O_CREAT, 0600);
	is_int(ue_copy_data(in, out, size), 0, "copy_data: copied");
	struct stat si, so;
	fstat(in, &si);
	fstat(out, &so);
	is_int(so.st_size, size, "copy_data: the whole size");
	ok(pread(out, back, sizeof back, gap + 4096) == (ssize_t)sizeof back && !memcmp(back, block, sizeof back),
	   "copy_data: the data after the hole");
	ok(pread(out, back, sizeof back, gap / 2) == (ssize_t)sizeof back && back[0] == 0 && !memcmp(back, back + 1, sizeof back - 1),
	   "copy_data: the hole reads zeros");
	ok(so.st_blocks * 512 < gap, "copy_data: the hole stays a hole (%lld bytes allocated)", (long long)so.st_blocks * 512);
	close(out);
	out = open(at("empty"), O_RDWR | O_CREAT, 0600);
	is_int(ue_copy_data(in, out, 0), 0, "copy_data: nothing to copy");
	close(out);

	int xattrs = setxattr(at("src"), "user.k", "v", 1, 0) == 0;
	if (xattrs) {
		setxattr(at("src"), "user.overlay.origin", "o", 1, 0);
		is_int(ue_copy_xattrs(at("src"), at("dst"), -1), 0, "copy_xattrs: by path");
		char v[8] = "";
		ok(getxattr(at("dst"), "user.k", v, sizeof v) == 1 && v[0] == 'v', "copy_xattrs: the file's own xattr");
		ok(getxattr(at("dst"), "user.overlay.origin", v, sizeof v) < 0 && errno == ENODATA,
		   "copy_xattrs: not the overlay's markers");
		out = open(at("empty"), O_RDWR);
		is_int(ue_copy_xattrs(at("src"), NULL, out), 0, "copy_xattrs: by fd");
		ok(fgetxattr(out, "user.k", v, sizeof v) == 1, "copy_xattrs: ... there");
		close(out);
	} else {
		ok(1, "copy_xattrs # skip the filesystem takes no user xattrs");
	}

	struct timespec ts[2] = { { 100, 5 }, { 200, 7 } };
	futimens(in, ts);
	fstat(in, &si);
	is_int(ue_copy_meta(at("dst"), -1, &si), 0, "copy_meta: by path");
	stat(at("dst"), &so);
	is_int(so.st_mode & 07777, 0640, "copy_meta: the mode");
	ok(so.st_mtim.tv_sec == 200 && so.st_mtim.tv_nsec == 7 && so.st_atim.tv_sec == 100,
	   "copy_meta: the times, to the nanosecond");
	ok(so.st_uid == si.st_uid && so.st_gid == si.st_gid, "copy_meta: the owner");
	out = open(at("empty"), O_RDWR);
	is_int(ue_copy_meta(NULL, out, &si), 0, "copy_meta: by fd");
	fstat(out, &so);
	ok((so.st_mode & 07777) == 0640 && so.st_mtim.tv_sec == 200, "copy_meta: ... mode and times");
	close(out);
	struct stat other = si;
	other.st_uid = 12345;
	other.st_gid = 12345;
	is_int(ue_copy_meta(at("dst"), -1, &other), 0, "copy_meta: another user's file");
	stat(at("dst"), &so);
	if (geteuid() == 0) {
		ok(so.st_uid == 12345 && so.st_gid == 12345, "copy_meta: root gives it that owner");
	} else if (xattrs) {
		char rec[64] = "";
		ok(getxattr(at("dst"), "user.containers.override_stat", rec, sizeof rec - 1) > 0 && !strncmp(rec, "12345:12345:", 12),
		   "copy_meta: an ordinary user records the owner it cannot give (%s)", rec);
	} else {
		ok(1, "copy_meta: the owner record # skip the filesystem takes no user xattrs");
	}
	close(in);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "copydata: cannot remove %s\n", dir);
}

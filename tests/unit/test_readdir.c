/* core/readdir.c: the merged listing of a directory. */
#include "config.h"
#include "fixture.h"
#include "lookup.h"
#include "readdir.h"
#include "redirect.h"
#include "resolve.h"
#include "tap.h"
#include "tests.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "name:ino " for each entry of l, into out. */
static void listing_text(const struct ue_dirlist *l, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; i < l->n; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s:%llu ", l->ent[i]->name,
		         (unsigned long long)l->ent[i]->ino);
}

void test_readdir(void)
{
	fx_setup(2, fx_merged_tree);
	struct ue_node n;
	struct ue_dirlist l;
	char names[512] = "";
	ue_node_at("", &n);
	is_int(ue_dir_list("", &n, &l), 0, "list the root");
	for (size_t i = 0; i < l.n; i++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s ", l.ent[i]->name);
	is_str(names, ". .. a abs dir file lnk loop1 loop2 only2 opq up ",
	       "merged, deduplicated, whiteouts hidden, sorted");
	ue_dir_free(&l);
	ue_node_at("dir", &n);
	ue_dir_list("dir", &n, &l);
	is_int(l.n, 4, "dir merges x and y");
	ue_dir_free(&l);
	ue_node_at("opq", &n);
	ue_dir_list("opq", &n, &l);
	ok(l.n == 3 && !strcmp(l.ent[2]->name, "new"), "opaque dir lists the upper only");
	ue_dir_free(&l);
	fx_teardown();

	/* One layer's directory, listed through an fd the caller has open on
	 * it: the same names, the fd where it was; an fd on another directory
	 * is not read. */
	static const char *const one_layer[] = {
		"L1 d one", "L1 f one/b b", "L1 f one/a a",
		"L2 d deep", "L2 f deep/x x", "L2 f deep/.wh.z z", "L2 d other", "L2 f other/q q",
		"U d up", "U w up/gone", "L2 d up", "L2 f up/gone g",
		NULL
	};
	fx_setup(2, one_layer);
	char via_fd[512] = "", plain[512] = "";
	ue_node_at("deep", &n);
	is_int(ue_dir_list("deep", &n, &l), 0, "a bottom layer's directory lists");
	listing_text(&l, plain, sizeof plain);
	ue_dir_free(&l);
	int fd = open(fx_path("L2", "deep"), O_RDONLY | O_DIRECTORY);
	is_int(ue_dir_list_fd("deep", &n, fd, &l), 0, "listed through the caller's fd");
	listing_text(&l, via_fd, sizeof via_fd);
	ue_dir_free(&l);
	is_str(via_fd, plain, "through the fd: the same names and numbers, \".\" and \"..\" included");
	ok(strstr(plain, ".wh.z") == NULL && strstr(plain, " x:") != NULL, "the bottom layer's aufs marker is not shown");
	is_int((int)lseek(fd, 0, SEEK_CUR), 0, "the fd is left where it was");
	close(fd);
	fd = open(fx_path("L2", "other"), O_RDONLY | O_DIRECTORY);
	ue_dir_list_fd("deep", &n, fd, &l);
	ok(l.n == 3 && !strcmp(l.ent[2]->name, "x"), "an fd on another directory is not read");
	ue_dir_free(&l);
	close(fd);
	struct stat dst;
	stat(fx_path("L2", "deep"), &dst);
	ok(n.dir_ino == dst.st_ino && n.dir_dev == dst.st_dev, "the lookup keeps the directory's inode in its node");
	/* A node without it (another client's, or a statx without the mount
	 * flag): the path is asked, with the same result. */
	struct ue_node blind = n;
	blind.dir_ino = 0;
	fd = open(fx_path("L2", "deep"), O_RDONLY | O_DIRECTORY);
	is_int(ue_dir_list_fd("deep", &blind, fd, &l), 0, "listed through the fd with no inode in the node");
	listing_text(&l, via_fd, sizeof via_fd);
	ue_dir_free(&l);
	is_str(via_fd, plain, "the same names and numbers");
	close(fd);
	fd = open(fx_path("L2", "other"), O_RDONLY | O_DIRECTORY);
	ue_dir_list_fd("deep", &blind, fd, &l);
	ok(l.n == 3 && !strcmp(l.ent[2]->name, "x"), "an fd on another directory is not read, either way");
	ue_dir_free(&l);
	close(fd);
	struct ue_node wh;
	ue_node_at("deep/.wh.z", &wh);
	ok(!ue_node_exists(&wh), "a bottom layer's aufs marker is no name of the union");
	ue_node_at("up", &n);
	is_int(ue_dir_is_empty("up", &n), 1, "a directory of whiteouts only is empty");
	ue_node_at("one", &n);
	is_int(ue_dir_is_empty("one", &n), 0, "a directory with names is not");
	fx_teardown();
}

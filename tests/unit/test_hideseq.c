/* core/hideseq.c: the count of operations that hide lowers' names, taken
 * before a look and asked after: sure only when none was under way at the
 * look and none began since. */
#include "fixture.h"
#include "hideseq.h"
#include "shm.h"
#include "tap.h"
#include "tests.h"

void test_hideseq(void)
{
	fx_setup(1, NULL);
	if (ue_shm_attach() != 1) {
		ok(1, "hideseq # skip no segment can be shared here (/dev/shm)");
		fx_teardown();
		return;
	}
	uint64_t mark = ue_hide_snapshot();
	ok(mark != 0 && ue_hide_none_since(mark), "hideseq: a look with nothing under way is sure until one begins");
	ue_hide_begin();
	ok(!ue_hide_none_since(mark), "hideseq: an operation begun since: not sure");
	is_int((int)ue_hide_snapshot(), 0, "hideseq: a look while one is under way: unsure from the start");
	ue_hide_begin();  /* nested, or another thread's */
	ue_hide_end();
	is_int((int)ue_hide_snapshot(), 0, "hideseq: still unsure while the first is under way");
	ue_hide_end();
	ok(!ue_hide_none_since(mark), "hideseq: the operations done: the old look stays unsure");
	mark = ue_hide_snapshot();
	ok(mark != 0 && ue_hide_none_since(mark), "hideseq: a new look is sure again");
	ok(!ue_hide_none_since(0), "hideseq: an unsure mark is never sure");
	ue_shm_reset();
	is_int((int)ue_hide_snapshot(), 0, "hideseq: no shared segment: unsure (processes of another ring are not seen)");
	fx_teardown();
}

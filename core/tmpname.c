#include "tmpname.h"
#include "path.h"
#include "sys.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int ue_tmp_name(char *buf, size_t size, const char *real_dir)
{
	static _Atomic unsigned long counter;
	char name[64];
	snprintf(name, sizeof name, UE_TMP_PREFIX "%d.%lu", (int)getpid(),
	         atomic_fetch_add(&counter, 1));
	return ue_path_join(buf, size, real_dir, name);
}

int ue_is_tmp_name(const char *name)
{
	return strncmp(name, UE_TMP_PREFIX, sizeof UE_TMP_PREFIX - 1) == 0;
}

int ue_tmp_name_abandoned(const char *name)
{
	const char *p = name + sizeof UE_TMP_PREFIX - 1;
	long pid = 0;
	if (!ue_is_tmp_name(name))
		return 0;
	if (!strncmp(p, "probe.", 6))
		p += 6;
	for (; *p >= '0' && *p <= '9' && pid < 1L << 22; p++)
		pid = pid * 10 + (*p - '0');
	if (pid <= 0 || (*p != '.' && *p != '\0'))
		return 0;
	/* Signal 0 only asks: EPERM is another user's live process. */
	return UE_SYS(SYS_kill, pid, 0) == -ESRCH;
}

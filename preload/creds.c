/* The set*id family: the credentials that permission checks are made for
 * are kept per thread (core/caller.h), and every call that may change them
 * says so.  Whether it succeeded or not: a failure costs only a fresh look.
 * initgroups calls setgroups inside libc, where no wrapper sees it; its
 * reading of /etc/group stays libc's own (nss_files: a copy changed in
 * the upper is not seen, as before it was wrapped). */
#include "impl.h"

#include <grp.h>

#define CREDS(name, params, args)                  \
	UE_EXPORT int name params                  \
	{                                          \
		int ret_ = LIBC(name) args;        \
		int saved = errno;                 \
		ue_creds_changed();                \
		errno = saved;                     \
		return ret_;                       \
	}

CREDS(setuid, (uid_t u), (u))
CREDS(setgid, (gid_t g), (g))
CREDS(seteuid, (uid_t u), (u))
CREDS(setegid, (gid_t g), (g))
CREDS(setreuid, (uid_t ru, uid_t eu), (ru, eu))
CREDS(setregid, (gid_t rg, gid_t eg), (rg, eg))
CREDS(setresuid, (uid_t ru, uid_t eu, uid_t su), (ru, eu, su))
CREDS(setresgid, (gid_t rg, gid_t eg, gid_t sg), (rg, eg, sg))
CREDS(setgroups, (size_t n, const gid_t *list), (n, list))
CREDS(initgroups, (const char *user, gid_t g), (user, g))

/* The listener loop: receive a notification, serve it with its handler,
 * answer.  The preload's implementations act for the request's caller
 * while it is served (ue_serving, preload/wrap.h). */
#include "loop.h"
#include "fdswap.h"
#include "request.h"
#include "serve.h"
#include "syscalls.h"
#include "trace.h"
#include "wrap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

static int trace = -1;

int ue_loop_serve_one(int listener)
{
	struct seccomp_notif n;
	struct seccomp_notif_resp resp;
	struct ue_req q;
	memset(&n, 0, sizeof n);
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0)
		return errno == ENOENT || errno == EINTR ? 0 : -errno;  /* the caller died meanwhile */
	if (trace < 0)
		trace = getenv("UNIONENV_SUPERVISE_TRACE") != NULL;
	ue_req_init(&q, listener, &n);
	ue_sv_handler serve = ue_sv_handler_of(n.data.nr);
	/* The filter sends only the calls of the table; anything else would be
	 * a filter out of step with it: refused, never continued. */
	if (ue_trace_on)
		ue_trace_begin_for(ue_sv_call_name(n.data.nr), q.tid);
	/* The caller's fds on files another process copied up move before
	 * anything is served for it (fdswap.h). */
	ue_fdswap_check(&q);
	ue_serving = &q.who;
	long r = serve ? serve(&q) : -ENOSYS;
	ue_serving = NULL;
	ue_long_release();
	if (ue_trace_on) {
		if (r == UE_SV_SENT)
			ue_trace_end_words("fd");
		else if (r == UE_SV_RESTARTED)
			ue_trace_end_words("restarted");
		else if (r == UE_SV_CONTINUE)
			ue_trace_end_words("kernel");
		else
			ue_trace_end(r, 0, 0);
	}
	ue_req_done(&q);
	if (trace)
		fprintf(stderr, "unionenv-supervise: %d %s -> %s%ld\n", q.tid, ue_sv_call_name(n.data.nr),
		        r == UE_SV_CONTINUE ? "continue " : r == UE_SV_SENT ? "fd " : r == UE_SV_RESTARTED ? "restarted " : "",
		        r);
	if (r == UE_SV_SENT || r == UE_SV_RESTARTED)
		return 0;
	/* ...and those on files this very call copied up, before it returns
	 * (an answer sent with an fd did this in sv_inject). */
	ue_fdswap_check(&q);
	memset(&resp, 0, sizeof resp);
	resp.id = n.id;
	if (r == UE_SV_CONTINUE)
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (r < 0)
		resp.error = (int)(r < -4095 ? -EIO : r);
	else
		resp.val = r;
	/* ENOENT: the caller is gone (killed while waiting). */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * sd_notify(3) in a page: the protocol is one datagram of newline-separated
 * assignments to an AF_UNIX socket, so the daemon does not link libsystemd
 * (and, through it, the compression libraries it pulls in) for it.
 *
 * Correctness points that a naive version misses: an address starting
 * with '@' is in the abstract namespace (a leading NUL, and the length
 * passed to sendto must not include a trailing NUL); the path must fit in
 * sun_path; the socket is close-on-exec and writes never raise SIGPIPE;
 * $WATCHDOG_PID, when set, must be our pid or the watchdog is not ours.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "mashwatch/xmalloc.h"

#include "log.h"
#include "sdnotify.h"

struct sdnotify {
	int			 fd;		/* -1 when no manager listens */
	struct sockaddr_un	 sa;
	socklen_t		 salen;
	uint64_t		 watchdog_usec;
	struct event		*ev_watchdog;
	bool			 failing;	/* last send failed: log once */
	char			*last_status;
};

static int sdnotify_send(struct sdnotify *n, const char *state);

/*
 * Fill sa (a struct sockaddr_un) from a $NOTIFY_SOCKET value ("/path" or
 * "@abstract"); returns the address length to pass to sendto, or -1 if the
 * value is not usable.
 */
static int
sdnotify_address(const char *value, void *sap, size_t sasize)
{
	struct sockaddr_un *sa = sap;
	size_t len;

	if (value == NULL || sasize < sizeof(*sa))
		return -1;
	len = strlen(value);
	/* Only absolute paths and abstract names; vsock: is not supported. */
	if (len < 2 || (value[0] != '/' && value[0] != '@'))
		return -1;
	if (len > sizeof(sa->sun_path) - (value[0] == '/' ? 1 : 0))
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, value, len);
	if (value[0] == '@') {
		/* Abstract: a leading NUL, and exactly len bytes of name. */
		sa->sun_path[0] = '\0';
		return (int)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	return (int)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

static void
sdnotify_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sdnotify_send(arg, "WATCHDOG=1");
}

/* The watchdog period if it is set and meant for us, else 0. */
static uint64_t
watchdog_from_env(void)
{
	const char *s = getenv("WATCHDOG_USEC"), *p = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (s == NULL || *s == '\0')
		return 0;
	if (p != NULL && *p != '\0') {
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno != 0 || *end != '\0' || v != (unsigned long long)getpid())
			return 0;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0) {
		log_warnx("sd_notify: ignoring WATCHDOG_USEC=%s: not a number "
		    "of microseconds", s);
		return 0;
	}
	return (uint64_t)v;
}

struct sdnotify *
sdnotify_new(struct event_base *base)
{
	struct sdnotify *n = xcalloc(1, sizeof(*n));
	const char *path = getenv("NOTIFY_SOCKET");
	struct timeval tv;
	int len;

	n->fd = -1;
	if (path == NULL || *path == '\0')
		goto out;
	if ((len = sdnotify_address(path, &n->sa, sizeof(n->sa))) < 0) {
		log_warnx("sd_notify: NOTIFY_SOCKET=%s is not an absolute path "
		    "or @abstract name that fits a socket address", path);
		free(n);
		n = NULL;
		goto out;
	}
	n->salen = (socklen_t)len;
	if ((n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("sd_notify: socket");
		free(n);
		n = NULL;
		goto out;
	}
	n->watchdog_usec = watchdog_from_env();
	if (n->watchdog_usec > 0) {
		/* Half the period, as sd_watchdog_enabled(3) advises. */
		tv.tv_sec = (time_t)(n->watchdog_usec / 2 / 1000000);
		tv.tv_usec = (suseconds_t)(n->watchdog_usec / 2 % 1000000);
		n->ev_watchdog = event_new(base, -1, EV_PERSIST,
		    sdnotify_watchdog, n);
		event_add(n->ev_watchdog, &tv);
		log_info("sd_notify: watchdog every %" PRIu64 " ms",
		    n->watchdog_usec / 2000);
	}
out:
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return n;
}

void
sdnotify_free(struct sdnotify *n)
{
	if (n == NULL)
		return;
	if (n->ev_watchdog != NULL)
		event_free(n->ev_watchdog);
	if (n->fd != -1)
		close(n->fd);
	free(n->last_status);
	free(n);
}

/* Whether a service manager listens; false for NULL. */
static bool
sdnotify_enabled(const struct sdnotify *n)
{
	return n != NULL && n->fd != -1;
}

/*
 * Send state, one or more "KEY=VALUE" lines, as one datagram.  Returns 0,
 * or -1 when it could not be sent (logged once per failure run).  n may be
 * NULL (a no-op returning 0).
 */
static int
sdnotify_send(struct sdnotify *n, const char *state)
{
	ssize_t w;

	if (!sdnotify_enabled(n))
		return 0;
	w = sendto(n->fd, state, strlen(state), MSG_NOSIGNAL,
	    (const struct sockaddr *)&n->sa, n->salen);
	if (w < 0) {
		if (!n->failing)
			log_warn("sd_notify: cannot tell the service manager");
		n->failing = true;
		return -1;
	}
	if (n->failing)
		log_info("sd_notify: the service manager listens again");
	n->failing = false;
	return 0;
}

static int __attribute__((format(printf, 2, 3)))
sdnotify_sendf(struct sdnotify *n, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!sdnotify_enabled(n))
		return 0;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sdnotify_send(n, buf);
}

int
sdnotify_ready(struct sdnotify *n, const char *status)
{
	if (!sdnotify_enabled(n))
		return 0;
	if (status == NULL)
		return sdnotify_send(n, "READY=1");
	free(n->last_status);
	n->last_status = xstrdup(status);
	return sdnotify_sendf(n, "READY=1\nSTATUS=%s", status);
}

int
sdnotify_reloading(struct sdnotify *n)
{
	struct timespec ts;

	if (!sdnotify_enabled(n))
		return 0;
	/* systemd 253 ties the reload to this instant; older ones ignore it. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return sdnotify_sendf(n, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	    (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

int
sdnotify_stopping(struct sdnotify *n)
{
	return sdnotify_send(n, "STOPPING=1");
}

int
sdnotify_status(struct sdnotify *n, const char *text)
{
	if (!sdnotify_enabled(n))
		return 0;
	if (n->last_status != NULL && strcmp(n->last_status, text) == 0)
		return 0;
	free(n->last_status);
	n->last_status = xstrdup(text);
	return sdnotify_sendf(n, "STATUS=%s", text);
}

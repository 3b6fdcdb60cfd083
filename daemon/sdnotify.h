/*
 * The service manager's notification protocol (sd_notify(3)) without
 * libsystemd: one datagram of "KEY=VALUE\n" lines to the AF_UNIX socket
 * named by $NOTIFY_SOCKET, and the watchdog keep-alive from a loop timer.
 * When $NOTIFY_SOCKET is unset (not under systemd, or Type=simple) every
 * call is a silent no-op.
 */
#ifndef MASHWATCH_SDNOTIFY_H
#define MASHWATCH_SDNOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct sdnotify;

/*
 * Read $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID and remove them
 * from the environment, so that programs we start (sendmail) do not talk
 * to the service manager in our name.  When the watchdog is on, a timer
 * on base sends WATCHDOG=1 every half period: if the loop stalls, the
 * keep-alives stop and systemd restarts us.  Returns NULL only when
 * $NOTIFY_SOCKET is set but unusable (logged); the caller owns the result.
 */
struct sdnotify *sdnotify_new(struct event_base *base);
void sdnotify_free(struct sdnotify *n);

/* READY=1 once; STATUS= may follow. */
int sdnotify_ready(struct sdnotify *n, const char *status);
/* RELOADING=1 with MONOTONIC_USEC (the systemd 253 Type=notify-reload rule). */
int sdnotify_reloading(struct sdnotify *n);
int sdnotify_stopping(struct sdnotify *n);
/* STATUS=text, sent only when it differs from the last one sent. */
int sdnotify_status(struct sdnotify *n, const char *text);

#endif

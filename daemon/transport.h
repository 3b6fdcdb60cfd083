/*
 * Mail transports on the libevent loop: smtp (libcurl's multi interface,
 * driven by the loop's sockets and timers), sendmail (a child process fed
 * through a non-blocking pipe) and directory (one .eml file per message,
 * written atomically).  One message at a time; nothing blocks the loop.
 */
#ifndef MASHWATCH_TRANSPORT_H
#define MASHWATCH_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "mashwatch/config.h"

struct event_base;
struct mailer;

enum tx_outcome {
	TX_SENT,
	TX_RETRY,	/* 4xx, connection trouble, tempfail: try again later */
	TX_FAILED,	/* 5xx or a permanent error: never retried */
};

struct tx_result {
	enum tx_outcome	 outcome;
	int		 code;		/* SMTP reply code or exit status; 0 if none */
	char		 reply[512];	/* the server's last reply, or the error */
};

/*
 * A transport as cfg->notify says (cfg is borrowed; pass a reloaded one
 * with transport_reconfigure between messages).  Free with transport_free,
 * which abandons a message in flight without calling back.
 */
struct mailer *transport_new(struct event_base *base,
    const struct config *cfg);
void transport_free(struct mailer *t);
void transport_reconfigure(struct mailer *t, const struct config *cfg);
const char *transport_name(const struct mailer *t);

/*
 * Send message (CRLF line ends, copied) from `from` to the n recipients.
 * `name` names the .eml file of the directory transport.  cb(arg, result)
 * is called once, from the loop.  Returns -1 (nothing queued) when a
 * message is already in flight.
 */
int transport_send(struct mailer *t, const char *from,
    char *const *rcpts, size_t n, const char *name, const char *message,
    void (*cb)(void *arg, const struct tx_result *r), void *arg);

#endif

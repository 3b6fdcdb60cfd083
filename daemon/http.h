/*
 * The operations endpoints on evhttp (mashwatchd(8)):
 *   /healthz  200 while the loop runs
 *   /readyz   200 when both databases are reachable and this daemon knows
 *             whether it is the leader or a standby, else 503; one line why
 *   /metrics  Prometheus text format: counts per clock and team, polls,
 *             the outbox, emails, leader flag, invalid rows, the listener
 *   /board, /board.json, /board.js, /ack: the managers' board (board.h)
 * Nothing served names a child: clock names and team ids only.
 */
#ifndef MASHWATCH_HTTP_H
#define MASHWATCH_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"

struct event_base;
struct engine;
struct http_server;

/*
 * The loop's priorities (event_base_priority_init): every event is at the
 * default, 1, except the listener's clients, at HTTP_PRIORITY, which run
 * only when nothing else is ready, one callback per turn of the loop
 * (event_config_set_max_dispatch_interval), so that the timers and the
 * databases come first however many clients ask for the board at once.
 */
#define HTTP_PRIORITIES	3
#define HTTP_PRIORITY	2

/*
 * Listen on cfg->http.listen ("127.0.0.1:9187", "[::1]:9187"; port 0
 * picks one, which is logged) and serve e's figures, and the board when
 * http.board is on; cfg, cal and e are borrowed and must outlive the
 * server (see http_reconfigure).  Returns NULL with a message in err when
 * the address does not parse or cannot be bound; the caller owns the
 * result.
 */
struct http_server *http_new(struct event_base *base,
    const struct config *cfg, const struct calendar *cal, struct engine *e,
    char *err, size_t errlen);
void http_free(struct http_server *h);
/* A reloaded config (its http.listen unchanged: that needs a restart). */
void http_reconfigure(struct http_server *h, const struct config *cfg,
    const struct calendar *cal);
/* From now on /readyz answers 503 "stopping". */
void http_set_stopping(struct http_server *h);

#endif

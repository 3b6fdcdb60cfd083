/*
 * The managers' board (mashwatchd(8), BOARD): what is waiting, oldest due
 * first, per team, in a browser.
 *
 *   GET  /board       HTML, one section per team the user may see
 *   GET  /board.json  the same data; ?since=VERSION answers {"changed":false}
 *                     while nothing changed (what the page polls)
 *   POST /ack         acknowledge an alert, as `mashwatchctl ack` does, in
 *                     the user's name
 *
 * mashwatch does no passwords: the user is the email address in the header
 * http.user_header, believed only from http.trusted_proxies (401 otherwise).
 * A user sees the teams whose manager or escalation recipients include
 * them; routes.report and http.board_admins see every team; anyone else
 * gets 403.  A POST needs the CSRF token of the user's page and an Origin
 * (or Referer) of this site.  Case references only, never names;
 * everything escaped.
 */
#ifndef MASHWATCH_BOARD_H
#define MASHWATCH_BOARD_H

#include <stdint.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"

struct event_base;
struct evhttp_request;
struct engine;
struct board;

/*
 * A board over e's model and databases; cfg and cal are borrowed (see
 * board_reconfigure).  Free with board_free.
 */
struct board *board_new(struct event_base *base, struct engine *e,
    const struct config *cfg, const struct calendar *cal);
void board_free(struct board *b);
void board_reconfigure(struct board *b, const struct config *cfg,
    const struct calendar *cal);

/*
 * Around a deferred reply: hold() before it (the listener then does not
 * time the connection out), release() with hold's answer after it, when
 * the request itself may be gone.
 */
struct board_hold {
	uint64_t	(*hold)(void *arg, struct evhttp_request *req);
	void		(*release)(void *arg, uint64_t id);
	void		*arg;
};

/*
 * Handle one request for /board, /board.json or /ack (path says which).
 * Replies at once, or for /ack once the state database answered.
 */
void board_serve(struct board *b, struct evhttp_request *req,
    const char *path, const struct board_hold *hold);
/*
 * How the board's routing stands, for /readyz: NULL when the teams view
 * was read well last time (or the board is off), else one line in buf
 * ("not read yet: only admins see the board", or "mash.teams unreadable
 * for N s: the last good routing, read N s ago, stays in force").  The
 * board keeps serving either way: it never widens, and /readyz stays 200.
 */
const char *board_routing_note(const struct board *b, int64_t now,
    char *buf, size_t len);

#endif

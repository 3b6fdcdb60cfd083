/*
 * Process-wide counters for /metrics that belong to no one module: the
 * notifier counts the emails it sent and failed to send, the HTTP server
 * caches the outbox depth.  The daemon is one thread on one loop, so plain
 * integers are enough; increment them where the event happens.
 */
#ifndef MASHWATCH_METRICS_H
#define MASHWATCH_METRICS_H

#include <stdint.h>

struct metrics {
	uint64_t	emails_sent;	/* messages a transport accepted */
	uint64_t	emails_failed;	/* attempts a transport refused or lost */
	int64_t		outbox_depth;	/* unclaimed notifications; -1 unknown */
	int64_t		outbox_at;	/* wall clock it was counted; 0 never */
	uint64_t	reloads;	/* SIGHUP reloads applied */
	uint64_t	reload_failures;	/* SIGHUPs whose config was refused */
	int64_t		holidays_until;	/* Unix time the holiday list ends; 0 none */
	/* The HTTP listener (http.c) and the board (board.c). */
	uint64_t	http_connections;	/* open now */
	uint64_t	http_timeouts;		/* connections closed for being slow */
	uint64_t	http_accept_errors;	/* accept() failures, EMFILE and the like */
	uint64_t	http_at_capacity;	/* times max_connections was reached */
	uint64_t	http_evicted;		/* idle ones closed to admit another */
	uint64_t	board_requests;
	uint64_t	board_denied;		/* answered 401 or 403 */
	uint64_t	board_acks;		/* acknowledgements recorded */
};

extern struct metrics metrics;

#endif

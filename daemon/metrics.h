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
};

extern struct metrics metrics;

#endif

/*
 * Inside the notifier: shared by daemon/notifier*.c only.  notifier.c (the
 * loop: teams, tick, sending) calls notifier_outbox.c (the outbox, the
 * digest) and notifier_findings.c (addresses, caseloads); they call back
 * only through the struct's rearm and kick_send.
 */
#ifndef MASHWATCH_NOTIFIER_IMPL_H
#define MASHWATCH_NOTIFIER_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"
#include "mashwatch/mail.h"

#include "notifier.h"
#include "pg.h"
#include "mashwatch/route.h"
#include "transport.h"

struct event;
struct pgconn;
struct sending;

struct notifier {
	struct event_base	*base;
	const struct config	*cfg;
	const struct calendar	*cal;
	char			*holder;	/* our name in mashwatch.leases */
	bool			(*is_leader)(void *);
	void			*leader_arg;
	struct pgconn		*state;
	struct pgconn		*src;
	struct mailer		*tx;
	struct event		*ev_tick;
	bool			 was_leader;
	bool			 stopping;
	void			(*stop_cb)(void *);
	void			*stop_arg;

	struct team_list	 teams;
	bool			 teams_loaded;
	bool			 teams_busy;
	bool			 teams_failing;	/* logged; quiet until read again */
	int64_t			 teams_next_at;
	int64_t			 teams_asked_at;	/* the read in flight */

	/* When each thing is next due; notifier_rearm() sleeps till the first. */
	int64_t			 next_outbox_at;
	int			 outbox_busy;	/* statements of a round in flight */
	/* The morning digest: mashwatch.digests says which routes have had it. */
	int64_t			 digest_done_on;	/* local date as yyyymmdd */
	int64_t			 digest_day;	/* the one being sent */
	bool			 digest_busy;	/* a read or claims in flight */
	int			 digest_claims;	/* claims awaiting an answer */
	bool			 digest_failed;	/* one of them failed: retry */
	int64_t			 digest_retry_at;	/* after a failure */
	int64_t			 next_send_at;	/* look for pending emails */
	int64_t			 retry_at;	/* the first retry we scheduled */
	bool			 picking;
	struct sending		*sending;

	struct route_time {
		char		*route;
		int64_t		 at;
	}			*rtimes;	/* last email per route */
	size_t			 nrtimes;

	struct {
		uint64_t	sent;
		uint64_t	failed;
	} stats;

	/*
	 * What the parts (notifier_outbox.c) ask of the loop, set by
	 * notifier_new, so that calls point one way: notifier.c calls down
	 * into its parts, they call back only through these.
	 */
	/* Sleep until the next thing is due. */
	void			(*rearm)(struct notifier *);
	/* An email was stored: send it if nothing else is under way. */
	void			(*kick_send)(struct notifier *);

	/* The engine's model, for the digest's handover (or NULL). */
	const struct model	*(*model_of)(void *);
	void			*model_arg;
	int64_t			 handover_wait_until;	/* 0: not waiting */
};

/*
 * Whether to write: not stopping, the leader, the state database up.  Here
 * rather than in notifier.c so that the parts below it need not call up.
 */
static inline bool
notifier_active(const struct notifier *n)
{
	return !n->stopping && n->is_leader(n->leader_arg) &&
	    pgconn_is_up(n->state);
}

/* notifier_outbox.c */
void route_times_clear(struct notifier *n);
void notifier_outbox_round(struct notifier *n, int64_t now);
void notifier_digest_check(struct notifier *n, int64_t now);
int64_t notifier_digest_due(const struct notifier *n, int64_t now);
/*
 * Compose and store one email of kind for route (no outbox rows claimed):
 * a delivery failure report.  tag makes its Message-ID unique.
 */
void notifier_queue_email(struct notifier *n, const char *kind,
    const char *route, enum mail_kind mk, const struct mail_item *items,
    size_t nitems, long long tag);

/*
 * notifier_findings.c: after each read of the teams view, its bad
 * addresses become data-quality findings (and those fixed are cleared);
 * after each read of the caseloads view, workers at caseloads.red raise a
 * caseload alert and those below caseloads.amber resolve it.  Both are
 * written only while this daemon holds the lease.
 */
void notifier_address_findings(struct notifier *n);
void notifier_caseloads_refresh(struct notifier *n);

#endif

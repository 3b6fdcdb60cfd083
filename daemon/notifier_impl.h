/* Inside the notifier: shared by daemon/notifier*.c only. */
#ifndef MASHWATCH_NOTIFIER_IMPL_H
#define MASHWATCH_NOTIFIER_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"
#include "mashwatch/mail.h"

#include "notifier.h"
#include "transport.h"

struct event;
struct pgconn;
struct sending;

/* Addresses owned by the list. */
struct addr_list {
	char	**v;
	size_t	  n;
};

struct team {
	char		*id;
	char		*name;
	struct addr_list manager;
	struct addr_list escalation;
};

struct team_list {
	struct team	*v;
	size_t		 n;
};

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

	/* When each thing is next due; notifier_rearm() sleeps till the first. */
	int64_t			 next_outbox_at;
	int			 outbox_busy;	/* statements of a round in flight */
	int64_t			 digest_done_on;	/* local date as yyyymmdd */
	bool			 digest_busy;
	int64_t			 digest_retry_at;	/* after a failed read */
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
};

/* notifier.c */
bool notifier_active(const struct notifier *n);
void notifier_rearm(struct notifier *n);
void notifier_kick_send(struct notifier *n);
void team_list_clear(struct team_list *tl);

/* notifier_outbox.c */
void addr_list_split(struct addr_list *l, const char *s);
void addr_list_clear(struct addr_list *l);
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

#endif

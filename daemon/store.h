/*
 * The alert store: writes the model's transitions to mashwatch.alerts and
 * mashwatch.notifications in order, loads what has fired, and holds the
 * leader lease in the state database.
 */
#ifndef MASHWATCH_STORE_H
#define MASHWATCH_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "mashwatch/model.h"

struct pgconn;

struct store;
struct fired_key {
	char		*rule;
	char		*instance_id;
	int		 level;
};
struct store *store_new(struct pgconn *state, const char *holder,
    int lease_ttl);
void store_free(struct store *s);
/* Try to take or renew the lease; cb(arg, held) once answered (held is
 * false on any failure). */
int store_lease(struct store *s, void (*cb)(void *arg, bool held),
    void *arg);
/* Whether the last lease request failed (an error, not "held elsewhere"). */
bool store_lease_failing(const struct store *s);
/* Give the lease up; cb once answered (not called if it cannot be sent). */
int store_release(struct store *s, void (*cb)(void *arg), void *arg);
/* Unresolved alerts (and recent repeats) as fired keys. */
int store_load_fired(struct store *s,
    void (*cb)(void *arg, bool ok, struct fired_key *v, size_t n), void *arg);
void store_fired_free(struct fired_key *v, size_t n);
/* Queue transitions (ownership passes) and write them in order. */
void store_write(struct store *s, struct transition *v, size_t n);
/*
 * While set, the transitions store_write queues get outbox rows flagged
 * as the backlog found at go-live (the notifier sends those as one email
 * per route).
 */
void store_set_backlog(struct store *s, bool backlog);
/*
 * Record go-live (mashwatch.golive) unless this state database has one:
 * cb(arg, first), first when this call recorded it (the state has never
 * run before), false otherwise or on error.
 */
int store_golive(struct store *s, void (*cb)(void *arg, bool first),
    void *arg);
/* Drop whatever is queued (we are no longer leader). */
void store_discard(struct store *s);
size_t store_queued(const struct store *s);
/* Called when a write found that the lease is no longer ours. */
void store_on_lost(struct store *s, void (*cb)(void *arg), void *arg);
/* Called when the database refused a batch; the queue is empty then. */
void store_on_refused(struct store *s, void (*cb)(void *arg), void *arg);
/* Called when everything queued has been written. */
void store_on_drained(struct store *s, void (*cb)(void *arg), void *arg);

#endif

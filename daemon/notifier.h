/*
 * The notifier (mashwatchd(8)): while this daemon is the leader it
 * turns outbox rows into emails, one per route after group_wait and at
 * most one per group_interval, sends the morning digest at reminder_at,
 * and delivers every pending email at least once with backoff.
 *
 * An email row is created in the same statement that claims its outbox
 * rows, so a crash can repeat an email but never lose one; the message is
 * stored whole, so a retry sends the same bytes.
 */
#ifndef MASHWATCH_NOTIFIER_H
#define MASHWATCH_NOTIFIER_H

#include <stdbool.h>

#include "mashwatch/calendar.h"
#include "mashwatch/config.h"

struct event_base;
struct notifier;

/*
 * A notifier with its own state and source connections; cfg and cal are
 * borrowed (see notifier_reconfigure); holder (copied) is this daemon's
 * name in mashwatch.leases, which fences every claim of an email to send
 * and of a morning digest.  is_leader(arg) is asked before every step, and
 * notifier_wake() called when its answer changes.  Free with notifier_free.
 */
struct notifier *notifier_new(struct event_base *base,
    const struct config *cfg, const struct calendar *cal, const char *holder,
    bool (*is_leader)(void *arg), void *arg);
void notifier_free(struct notifier *n);
void notifier_reconfigure(struct notifier *n, const struct config *cfg,
    const struct calendar *cal);
/* Leadership changed: look at once whether there is work. */
void notifier_wake(struct notifier *n);
/*
 * The source was polled: read mash.teams again now, so that a change to a
 * team's addresses is used from the poll that follows it (a NOTIFY polls
 * at once; the teams would otherwise wait for poll_interval).
 */
void notifier_source_polled(struct notifier *n);
/*
 * Where the morning digest finds the clocks for its "Arrived out of
 * hours" section: model_of(arg) is the engine's model, asked when a digest
 * is composed (NULL, or never set: no such section).
 */
struct model;
void notifier_set_model(struct notifier *n,
    const struct model *(*model_of)(void *arg), void *arg);
/* Stop starting work; finish (and record) the message in flight; then cb. */
void notifier_stop(struct notifier *n, void (*cb)(void *arg), void *arg);

#endif

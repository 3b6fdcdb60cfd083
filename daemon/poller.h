/*
 * The poller: reads the mash views through the source reader (source.c)
 * into the model, in full or incrementally since a watermark.  Used by the
 * engine, by `mashwatchd --once` and by `mashwatchctl check-source`.
 */
#ifndef MASHWATCH_POLLER_H
#define MASHWATCH_POLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mashwatch/config.h"
#include "mashwatch/model.h"

#include "source.h"

struct pgconn;

struct poller;
struct poll_stats {
	size_t		rows;		/* rows read in the last poll */
	size_t		invalid;	/* of which invalid */
	double		seconds;	/* its duration */
	int64_t		watermark_us;	/* source clock when it began */
	/* A failed poll: which view or statement, and the SQLSTATE only. */
	char		error[160];
	/*
	 * Set when the server refused to read a view with an ERROR, the
	 * session still up (the view's own query fails, e.g. a cast on one
	 * row), as against losing the connection: the view and SQLSTATE.
	 */
	bool		refused;
	enum source_view refused_view;
	char		refused_sqlstate[6];
};
typedef void (*poller_done_cb)(void *arg, bool ok, bool full,
    const struct poll_stats *st);
struct poller *poller_new(struct pgconn *src, const struct config *cfg);
void poller_free(struct poller *p);
void poller_reconfigure(struct poller *p, const struct config *cfg);
/*
 * Read the views into m.  full: everything open or recent (as of now) in a
 * model_begin_full/model_end_full pass, except that end_full is left to
 * the caller; otherwise rows updated since watermark_us - overlap.
 */
int poller_run(struct poller *p, struct model *m, bool full, int64_t now,
    int64_t since_us, poller_done_cb cb, void *arg);
bool poller_busy(const struct poller *p);

#endif

/*
 * pgprobe: drive daemon/pg.c against a real server for the integration
 * test.  Two connections, "source" (the one under test) and "state" (sends
 * the NOTIFYs).  Prints one line per thing it proved on stdout; pgconn's
 * own log lines go to stderr.  Exits 0 only if every check passed.
 *
 *   pgprobe [-d] [-n rows] [-r] conninfo    checks; -r then waits for the
 *                                           server to restart and checks
 *                                           recovery
 *   pgprobe [-d] -b [-n rows] conninfo      COPY throughput only
 */
#include <sys/resource.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "mashwatch/copytext.h"

#include "daemon/log.h"
#include "daemon/pg.h"

#define CHANNEL		"mw_probe"
#define NSLEEPS		3
#define TIMEOUT_S	120

/* The third column exercises escapes (tab, backslash, newline, UTF-8). */
#define COL3 "repeat(E'a\\tb\\\\c\\n\\303\\251', i % 4)"

enum phase {
	PH_START,
	PH_QUERY,
	PH_COPY,
	PH_NOTIFY,
	PH_RESTART,
	PH_RECOVER,
	PH_DONE,
};

struct probe;

/* One per connection, so that on_state knows which one it is about. */
struct side {
	struct probe		*p;
	const char		*name;
};

struct probe {
	struct event_base	*base;
	struct side		 side_src;
	struct side		 side_dst;
	struct side		 side_scratch;
	struct event		*ev_timeout;
	struct pgconn		*src;
	struct pgconn		*dst;
	struct pgconn		*scratch;	/* freed from its own callback */
	bool			 scratch_freed;
	enum phase		 phase;
	const char		*conninfo;
	bool			 restart;
	bool			 bench;
	long			 nrows;
	int			 failed;

	/* COPY */
	long			 rows;
	uint64_t		 sum_i;
	uint64_t		 nulls;
	uint64_t		 sum_len;
	uint64_t		 bytes;
	int			 bad_rows;
	double			 t0;

	/* NOTIFY while busy, and restart */
	int			 sleeps_left;
	bool			 got_busy_notify;
	bool			 armed;
	int			 lost;
	bool			 refused;
};

static void	probe_step(struct probe *);

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
probe_fail(struct probe *p, const char *what, PGresult *res)
{
	printf("FAIL %s: %s\n", what, res == NULL ? "connection lost" :
	    PQresultErrorMessage(res));
	p->failed = 1;
	p->phase = PH_DONE;
	event_base_loopexit(p->base, NULL);
}

static bool
probe_ok(struct probe *p, const char *what, PGresult *res,
    ExecStatusType want)
{
	if (res != NULL && PQresultStatus(res) == want)
		return true;
	probe_fail(p, what, res);
	return false;
}

static void
probe_query(struct probe *p, struct pgconn *c, const char *sql, int n,
    const char *const *params, void (*cb)(void *, PGresult *))
{
	if (pgconn_query(c, sql, n, params, cb, p) == -1)
		probe_fail(p, "pgconn_query refused while up", NULL);
}

static void
on_query(void *arg, PGresult *res)
{
	struct probe *p = arg;

	if (!probe_ok(p, "parameterised query", res, PGRES_TUPLES_OK))
		return;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 0), "42") != 0 ||
	    !PQgetisnull(res, 0, 1) ||
	    strcmp(PQgetvalue(res, 0, 2), "O'Brien \"x\"; --") != 0) {
		probe_fail(p, "parameterised query: wrong values", res);
		return;
	}
	printf("query ok\n");
	p->phase = PH_COPY;
	probe_step(p);
}

static void
on_row(void *arg, char *line, size_t len)
{
	struct probe *p = arg;
	char *f[3];
	size_t l[3];
	unsigned nuls;

	p->rows++;
	p->bytes += len + 1;
	if (copytext_split(line, len, f, l, 3, &nuls) != 3 || nuls != 0 ||
	    f[0] == NULL || f[1] == NULL || l[1] != 32) {
		p->bad_rows++;
		return;
	}
	p->sum_i += strtoull(f[0], NULL, 10);
	if (f[2] == NULL)
		p->nulls++;
	else
		p->sum_len += l[2];
}

static void
on_copy_check(void *arg, PGresult *res)
{
	struct probe *p = arg;
	char want[128], got[128];

	if (!probe_ok(p, "copy checksum query", res, PGRES_TUPLES_OK))
		return;
	snprintf(want, sizeof(want), "%s/%s/%s", PQgetvalue(res, 0, 0),
	    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	snprintf(got, sizeof(got), "%" PRIu64 "/%" PRIu64 "/%" PRIu64,
	    p->sum_i, p->nulls, p->sum_len);
	if (strcmp(want, got) != 0 || p->bad_rows != 0 || p->rows != p->nrows) {
		printf("FAIL copy checksum: server %s, pgprobe %s, rows %ld, "
		    "bad %d\n", want, got, p->rows, p->bad_rows);
		p->failed = 1;
		event_base_loopexit(p->base, NULL);
		return;
	}
	printf("copy ok rows=%ld checksum=%s\n", p->rows, got);
	p->phase = PH_NOTIFY;
	probe_step(p);
}

/*
 * Peak RSS of this program, in kB.  Not getrusage: Linux carries the
 * parent's peak across fork and exec, so a pytest parent would show.
 */
static long
peak_rss_kb(void)
{
	FILE *f;
	char line[256];
	long kb = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void
on_copy_done(void *arg, PGresult *res)
{
	struct probe *p = arg;
	char n[32];
	const char *params[1] = { n };
	struct rusage ru;
	double dt, cpu;

	if (!probe_ok(p, "copy", res, PGRES_COMMAND_OK))
		return;
	if (p->bench) {
		dt = mono_now() - p->t0;
		/* Client CPU apart from wall time: the server is the other half. */
		getrusage(RUSAGE_SELF, &ru);
		cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
		    ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) /
		    1e6;
		printf("bench rows=%ld bytes=%" PRIu64 " seconds=%.3f "
		    "rows_per_s=%.0f mb_per_s=%.1f client_cpu_s=%.3f "
		    "peak_rss_kb=%ld\n", p->rows, p->bytes, dt,
		    (double)p->rows / dt, (double)p->bytes / dt / 1e6, cpu,
		    peak_rss_kb());
		p->phase = PH_DONE;
		probe_step(p);
		return;
	}
	snprintf(n, sizeof(n), "%ld", p->nrows);
	probe_query(p, p->src,
	    "SELECT coalesce(sum(i), 0)::text, "
	    "count(*) FILTER (WHERE i % 7 = 0)::text, "
	    "coalesce(sum(octet_length(" COL3 ")) FILTER (WHERE i % 7 <> 0), "
	    "0)::text FROM generate_series(1, $1::int) i", 1, params,
	    on_copy_check);
}

static void
on_sleep(void *arg, PGresult *res)
{
	struct probe *p = arg;

	if (!probe_ok(p, "pg_sleep", res, PGRES_TUPLES_OK))
		return;
	if (--p->sleeps_left > 0)
		return;
	if (!p->got_busy_notify) {
		probe_fail(p, "no NOTIFY while statements were queued", res);
		return;
	}
	p->phase = p->restart ? PH_RESTART : PH_DONE;
	probe_step(p);
}

static void
on_sent(void *arg, PGresult *res)
{
	probe_ok(arg, "pg_notify", res, PGRES_TUPLES_OK);
}

static void
on_lost(void *arg, PGresult *res)
{
	struct probe *p = arg;

	if (res != NULL) {
		probe_fail(p, "statement survived the restart", res);
		return;
	}
	if (++p->lost == 2)
		printf("lost queries=%d\n", p->lost);
}

static void
on_recovered(void *arg, PGresult *res)
{
	struct probe *p = arg;
	const char *params[1] = { "after-restart" };

	if (!probe_ok(p, "query after restart", res, PGRES_TUPLES_OK))
		return;
	printf("query after restart ok\n");
	probe_query(p, p->dst, "SELECT pg_notify('" CHANNEL "', $1)", 1,
	    params, on_sent);
}

static void
on_notify(void *arg, const char *channel, const char *payload)
{
	struct probe *p = arg;

	printf("notify channel=%s payload=%s while_busy=%d\n", channel,
	    payload, p->phase == PH_NOTIFY && p->sleeps_left > 0);
	if (strcmp(payload, "during-query") == 0 && p->phase == PH_NOTIFY &&
	    p->sleeps_left > 0)
		p->got_busy_notify = true;
	if (strcmp(payload, "after-restart") == 0 && p->phase == PH_RECOVER) {
		p->phase = PH_DONE;
		probe_step(p);
	}
}

static void
on_state(void *arg, bool up)
{
	struct side *sd = arg;
	struct probe *p = sd->p;

	printf("%s %s\n", up ? "up" : "down", sd->name);
	if (!up && sd == &p->side_src && p->phase == PH_RESTART) {
		/* While down, work is refused rather than queued. */
		if (pgconn_query(p->src, "SELECT 1", 0, NULL, on_lost, p) == -1) {
			p->refused = true;
			printf("refused while down\n");
		} else
			probe_fail(p, "query accepted while down", NULL);
	}
	probe_step(p);
}

static void
on_scratch_first(void *arg, PGresult *res)
{
	struct probe *p = arg;

	if (!probe_ok(p, "scratch query", res, PGRES_TUPLES_OK))
		return;
	/* The second statement is still queued: it must never be called. */
	pgconn_free(p->scratch);
	p->scratch = NULL;
	p->scratch_freed = true;
	printf("freed in callback\n");
	probe_step(p);
}

static void
on_scratch_second(void *arg, PGresult *res)
{
	probe_fail(arg, "callback of a freed connection was called", res);
}

static void
on_scratch_state(void *arg, bool up)
{
	struct probe *p = arg;

	if (!up || p->scratch == NULL)
		return;
	probe_query(p, p->scratch, "SELECT 1", 0, NULL, on_scratch_first);
	probe_query(p, p->scratch, "SELECT 2", 0, NULL, on_scratch_second);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;

	(void)fd;
	(void)what;
	printf("FAIL timeout in phase %d\n", p->phase);
	p->failed = 1;
	event_base_loopexit(p->base, NULL);
}

static void
probe_print_stats(const char *name, struct pgconn *c)
{
	struct pgconn_stats st;

	pgconn_get_stats(c, &st);
	printf("stats %s queries=%" PRIu64 " query_errors=%" PRIu64
	    " rows_copied=%" PRIu64 " conn_failures=%" PRIu64
	    " last_error_set=%d up=%d\n", name, st.queries, st.query_errors,
	    st.rows_copied, st.conn_failures, st.last_error != 0, st.up);
}

/* Move on to the next phase once both connections are up. */
static void
probe_step(struct probe *p)
{
	const char *qparams[4] = { "40", "2", NULL, "O'Brien \"x\"; --" };
	const char *nparams[1] = { "during-query" };
	char sql[512];
	int i;

	if (p->phase == PH_DONE) {
		event_base_loopexit(p->base, NULL);
		return;
	}
	if (!pgconn_is_up(p->src) || (!p->bench && !pgconn_is_up(p->dst)))
		return;
	switch (p->phase) {
	case PH_START:
		if (p->bench) {
			p->phase = PH_COPY;
			probe_step(p);
			break;
		}
		p->phase = PH_QUERY;
		p->scratch = pgconn_new(p->base, "scratch", p->conninfo,
		    on_scratch_state, p);
		break;
	case PH_QUERY:
		if (!p->scratch_freed)
			break;
		probe_query(p, p->src, "SELECT $1::int + $2::int, $3::text, "
		    "$4::text", 4, qparams, on_query);
		break;
	case PH_COPY:
		snprintf(sql, sizeof(sql), "COPY (SELECT i, md5(i::text), "
		    "CASE WHEN i %% 7 = 0 THEN NULL ELSE %s END "
		    "FROM generate_series(1, %ld) i) TO STDOUT", COL3, p->nrows);
		p->t0 = mono_now();
		if (pgconn_copy_out(p->src, sql, on_row, on_copy_done, p) == -1)
			probe_fail(p, "pgconn_copy_out refused while up", NULL);
		break;
	case PH_NOTIFY:
		/*
		 * The server delivers a NOTIFY between statements, so keep
		 * the source busy with a queue: it must arrive before the
		 * queue drains, not after.
		 */
		p->sleeps_left = NSLEEPS;
		for (i = 0; i < NSLEEPS; i++)
			probe_query(p, p->src, "SELECT pg_sleep(0.3)", 0, NULL,
			    on_sleep);
		probe_query(p, p->dst, "SELECT pg_notify('" CHANNEL "', $1)",
		    1, nparams, on_sent);
		break;
	case PH_RESTART:
		if (!p->armed) {
			p->armed = true;
			probe_query(p, p->src, "SELECT pg_sleep(600)", 0, NULL,
			    on_lost);
			probe_query(p, p->src, "SELECT 'queued'", 0, NULL,
			    on_lost);
			printf("waiting for restart\n");
			fflush(stdout);
			break;
		}
		if (p->lost < 2 || !p->refused)
			break;
		/* Both back: LISTEN was re-issued ahead of this query. */
		p->phase = PH_RECOVER;
		probe_query(p, p->src, "SELECT 1", 0, NULL, on_recovered);
		break;
	default:
		break;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: pgprobe [-bdr] [-n rows] conninfo\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct probe p;
	struct timeval tv = { TIMEOUT_S, 0 };
	bool debug = false;
	int ch;

	memset(&p, 0, sizeof(p));
	p.nrows = 1000;
	while ((ch = getopt(argc, argv, "bdn:r")) != -1) {
		switch (ch) {
		case 'b':
			p.bench = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'n':
			p.nrows = strtol(optarg, NULL, 10);
			break;
		case 'r':
			p.restart = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || p.nrows < 0)
		usage();
	p.conninfo = argv[optind];
	log_init("pgprobe", debug);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if ((p.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	p.ev_timeout = evtimer_new(p.base, on_timeout, &p);
	evtimer_add(p.ev_timeout, &tv);
	p.side_src.p = p.side_dst.p = &p;
	p.side_src.name = "source";
	p.side_dst.name = "state";
	if ((p.src = pgconn_new(p.base, "source", argv[optind], on_state,
	    &p.side_src)) == NULL)
		fatalx("bad conninfo");
	/* Registered while down: issued by the first connect. */
	if (pgconn_listen(p.src, CHANNEL, on_notify, &p) == -1)
		fatalx("pgconn_listen");
	if (!p.bench && (p.dst = pgconn_new(p.base, "state", argv[optind],
	    on_state, &p.side_dst)) == NULL)
		fatalx("bad conninfo");

	event_base_dispatch(p.base);

	probe_print_stats("source", p.src);
	if (p.dst != NULL)
		probe_print_stats("state", p.dst);
	if (!p.failed)
		printf("done\n");
	pgconn_free(p.src);
	pgconn_free(p.dst);
	pgconn_free(p.scratch);
	event_free(p.ev_timeout);
	event_base_free(p.base);
	return p.failed;
}

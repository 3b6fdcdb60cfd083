/*
 * mashwatchctl routes: the effective recipients of every team and clock,
 * and where each came from, as the router (router.c) decides them for the
 * notifier.  Also the teams reader that test-email shares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mashwatch/xmalloc.h"

#include "ctl.h"
#include "daemon/pg.h"
#include "daemon/router.h"
#include "daemon/setup.h"

int
ctl_read_teams(struct ctl *ctl, struct team_list *tl)
{
	PGconn *conn;
	PGresult *res;
	char *sql;
	int ret = -1;

	if ((conn = setup_connect(ctl->cfg->source.conninfo, "source")) == NULL)
		return -1;
	/* The schema is a CONF_IDENT, validated at load. */
	sql = xasprintf("SELECT team_id, name, manager_email, escalation_email "
	    "FROM %s.teams WHERE team_id IS NOT NULL ORDER BY team_id",
	    ctl->cfg->source.schema);
	res = PQexec(conn, sql);
	free(sql);
	/* The SQLSTATE only: PostgreSQL's text can quote a row's values. */
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "mashwatchctl: cannot read %s.teams: %s\n",
		    ctl->cfg->source.schema, pg_primary_message(res));
		goto out;
	}
	for (int i = 0; i < PQntuples(res); i++)
		team_list_add(tl, PQgetvalue(res, i, 0), PQgetisnull(res, i, 1) ?
		    NULL : PQgetvalue(res, i, 1), PQgetisnull(res, i, 2) ?
		    NULL : PQgetvalue(res, i, 2), PQgetisnull(res, i, 3) ?
		    NULL : PQgetvalue(res, i, 3), &ctl->cfg->notify.domains);
	ret = 0;
out:
	PQclear(res);
	PQfinish(conn);
	return ret;
}

static void
print_route(const char *what, const struct route *r)
{
	printf("  %-10s ", what);
	for (size_t i = 0; i < r->rcpts.n; i++)
		printf("%s%s", i ? ", " : "", r->rcpts.v[i]);
	if (r->rcpts.n == 0)
		printf("(nobody)");
	printf("  [%s; route %s]\n", r->origin, r->key);
}

static void
print_pair(const struct ctl *ctl, const struct team_list *tl,
    const char *rule, const char *team)
{
	struct route r;

	router_route(ctl->cfg, tl, rule, "overdue", team, &r);
	print_route("alerts", &r);
	route_clear(&r);
	router_route(ctl->cfg, tl, rule, "escalated", team, &r);
	print_route("escalated", &r);
	route_clear(&r);
}

int
ctl_routes(struct ctl *ctl, int argc, char **argv)
{
	struct team_list tl = { NULL, 0 };
	struct route r;
	const struct config *cfg = ctl->cfg;
	char **ids = NULL;
	size_t nids = 0;
	bool seen;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: mashwatchctl [-c FILE] routes\n");
		return EX_USAGE;
	}
	if (ctl_read_teams(ctl, &tl) < 0)
		return EX_UNAVAILABLE;
	/* Teams of the view, then those only the config names. */
	for (size_t i = 0; i < tl.n; i++) {
		ids = xreallocarray(ids, nids + 1, sizeof(*ids));
		ids[nids++] = tl.v[i].id;
	}
	for (size_t i = 0; i < cfg->routes.nteams; i++) {
		seen = false;
		for (size_t j = 0; j < nids && !seen; j++)
			seen = strcmp(ids[j], cfg->routes.teams[i].team_id) == 0;
		if (!seen) {
			ids = xreallocarray(ids, nids + 1, sizeof(*ids));
			ids[nids++] = cfg->routes.teams[i].team_id;
		}
	}
	printf("routes of the teams (repeat, check and caseload alerts "
	    "too):\n");
	for (size_t i = 0; i < nids; i++) {
		const struct team *t = team_list_find(&tl, ids[i]);

		printf("team %s%s%s\n", ids[i], t && t->name ? ", " : "",
		    t && t->name ? t->name : "");
		print_pair(ctl, &tl, NULL, ids[i]);
		for (size_t j = 0; t != NULL && j < t->nbad; j++)
			printf("  dropped    %s\n", t->bad[j]);
	}
	printf("clocks with a route of their own:\n");
	for (size_t i = 0; i < cfg->nclocks; i++) {
		if (cfg->clocks[i].route == NULL)
			continue;
		printf("clock %s (route = \"%s\"), for a team without an "
		    "escalation of its own:\n", cfg->clocks[i].name,
		    cfg->clocks[i].route);
		print_pair(ctl, &tl, cfg->clocks[i].name, NULL);
	}
	printf("other routes:\n");
	router_route(cfg, &tl, NULL, "data_quality", NULL, &r);
	print_route("data", &r);
	route_clear(&r);
	router_by_name(cfg, &tl, "default", &r);
	print_route("default", &r);
	route_clear(&r);
	router_by_name(cfg, &tl, "report", &r);
	print_route("report", &r);
	route_clear(&r);
	router_by_name(cfg, &tl, "partnership", &r);
	print_route("partnership", &r);
	route_clear(&r);
	free(ids);
	team_list_clear(&tl);
	return EX_OK;
}

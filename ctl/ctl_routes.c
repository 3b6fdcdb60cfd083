/*
 * mashwatchctl routes: the effective recipients of every team and clock,
 * and where each came from, as the router (lib/route.c) decides them for the
 * notifier.  Also the teams reader that test-email shares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mashwatch/route.h"
#include "mashwatch/termtext.h"
#include "mashwatch/xmalloc.h"

#include "ctl.h"
#include "daemon/pg.h"
#include "daemon/setup.h"
#include "daemon/source.h"

int
ctl_read_teams(struct ctl *ctl, struct team_list *tl)
{
	PGconn *conn;
	PGresult *res;
	char *sql;
	int ret = -1;

	if ((conn = setup_connect(ctl->cfg->source.conninfo, "source")) == NULL)
		return -1;
	sql = source_routing_sql(ctl->cfg->source.schema);
	res = PQexec(conn, sql);
	free(sql);
	/* The SQLSTATE only: PostgreSQL's text can quote a row's values. */
	if (source_routing_decode(res, &ctl->cfg->notify.domains, tl) < 0) {
		fprintf(stderr, "mashwatchctl: cannot read %s.teams: %s\n",
		    ctl->cfg->source.schema, pg_primary_message(res));
		goto out;
	}
	ret = 0;
out:
	PQclear(res);
	PQfinish(conn);
	return ret;
}

void
ctl_put(const char *s)
{
	char *e = termtext_escape(s);

	fputs(e, stdout);
	free(e);
}

static void
print_route(const char *what, const struct route *r)
{
	printf("  %-10s ", what);
	for (size_t i = 0; i < r->rcpts.n; i++)
		printf("%s%s", i ? ", " : "", r->rcpts.v[i]);
	if (r->rcpts.n == 0)
		printf("(nobody)");
	printf("  [%s; route ", r->origin);
	ctl_put(r->key);
	printf("]\n");
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

/*
 * routes --board USER: what USER sees on the board, team by team, and
 * why: the board's rule (route_board_sees), on the teams view as it reads
 * now.
 */
static int
routes_board(struct ctl *ctl, const struct team_list *tl, char **ids,
    size_t nids, const char *user)
{
	const struct config *cfg = ctl->cfg;
	enum route_sight all = route_board_sees(cfg, NULL, NULL, user, NULL);
	size_t seen = 0;
	const char *why;

	printf("board of %s:\n", user);
	if (all != ROUTE_SIGHT_NONE)
		printf("  every team: %s\n", route_sight_text(all));
	for (size_t i = 0; i <= nids && all == ROUTE_SIGHT_NONE; i++) {
		const char *id = i < nids ? ids[i] : "";
		const struct team *t = team_list_find(tl, id);
		enum route_sight s = route_board_sees(cfg, tl, id, user, &why);

		if (s == ROUTE_SIGHT_NONE)
			continue;
		seen++;
		if (*id == '\0')
			printf("  no team: %s [%s]\n", route_sight_text(s), why);
		else {
			printf("  team ");
			ctl_put(id);
			if (t != NULL && t->name != NULL) {
				printf(", ");
				ctl_put(t->name);
			}
			printf(": %s [%s]\n", route_sight_text(s), why);
		}
	}
	if (all == ROUTE_SIGHT_NONE && seen == 0)
		printf("  no team: %s receives no team's alerts (403 on the "
		    "board)\n", user);
	printf("  data-quality alerts: %s\n", route_board_data_quality(cfg,
	    user) ? "may acknowledge (the data-quality route or "
	    "http.board_admins)" : "may not acknowledge");
	return EX_OK;
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

	const char *user = NULL;
	int rc = EX_OK;

	if (argc == 3 && strcmp(argv[1], "--board") == 0 &&
	    strchr(argv[2], '@') != NULL)
		user = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "usage: mashwatchctl [-c FILE] routes "
		    "[--board USER@DOMAIN]\n");
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
	if (user != NULL) {
		rc = routes_board(ctl, &tl, ids, nids, user);
		goto out;
	}
	printf("routes of the teams (repeat, check and caseload alerts "
	    "too):\n");
	for (size_t i = 0; i < nids; i++) {
		const struct team *t = team_list_find(&tl, ids[i]);

		printf("team ");
		ctl_put(ids[i]);
		if (t != NULL && t->name != NULL) {
			printf(", ");
			ctl_put(t->name);
		}
		printf("\n");
		print_pair(ctl, &tl, NULL, ids[i]);
		for (size_t j = 0; t != NULL && j < t->nbad; j++) {
			printf("  dropped    ");
			ctl_put(t->bad[j]);
			printf("\n");
		}
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
out:
	free(ids);
	team_list_clear(&tl);
	return rc;
}

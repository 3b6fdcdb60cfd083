/*
 * The router (mashwatch.conf(5), ROUTING): the one place that decides who gets
 * an alert, and so who may see a team on the board.  The notifier, the
 * morning digest, `mashwatchctl test-email`, `mashwatchctl routes` and the
 * board all ask it, so they cannot disagree.  Pure: the config and the
 * rows of the teams view (read by daemon/source.c) in, recipients out.
 * (Its functions keep the names they had as daemon/router.c.)
 *
 * Precedence, first match wins (mashwatch.conf(5), ROUTING, says the same):
 *
 *   data_quality   routes.data_quality, else routes.default
 *   a clock with route = "NAME"
 *     not escalated  routes.NAME (its to list)
 *     escalated      routes.NAME.escalation if it has one, else as a team
 *   a team's alert (caseload alerts included)
 *     not escalated  routes.teams.TEAM.manager, else manager_email in the
 *                    teams view, else routes.default
 *     escalated      routes.teams.TEAM.escalation, else escalation_email in
 *                    the teams view, else routes.default
 *   no team         routes.default
 *
 * Addresses from the teams view pass the one address parser
 * (mashwatch/address.h): bad ones are left out and listed on the team, so
 * the notifier can report them; a team left with none falls back as if it
 * had none.
 */
#ifndef MASHWATCH_ROUTE_H
#define MASHWATCH_ROUTE_H

#include <stdbool.h>

#include "mashwatch/config.h"

/* Addresses owned by the list. */
struct addr_list {
	char	**v;
	size_t	  n;
};

struct team {
	char		*id;
	char		*name;
	struct addr_list manager;	/* the usable ones */
	struct addr_list escalation;
	char		**bad;		/* "manager_email: \"x\" is not ..." */
	size_t		  nbad;
};

struct team_list {
	struct team	*v;
	size_t		 n;
};

/* Who gets it, and why. */
struct route {
	char		*key;		/* as mashwatch.emails.route */
	char		*title;		/* for the email: "team T1, Front door" */
	struct addr_list rcpts;
	bool		 unrouted;	/* its team had no usable address */
	const char	*origin;	/* static: where rcpts came from */
};

/* Append a copy of a unless the list holds it already; free with clear. */
void addr_list_add(struct addr_list *l, const char *a);
void addr_list_clear(struct addr_list *l);

/*
 * Append a row of the teams view to tl: manager and escalation may hold
 * several addresses separated by commas, semicolons or blanks, each
 * checked against allowed.  Strings are copied.
 */
void team_list_add(struct team_list *tl, const char *id, const char *name,
    const char *manager, const char *escalation,
    const struct address_domains *allowed);
void team_list_clear(struct team_list *tl);
const struct team *team_list_find(const struct team_list *tl,
    const char *id);

/*
 * Where an alert of level from rule (a clock, repeat, check name, or
 * NULL) for team_id (NULL: none) goes.  out is filled (free with
 * route_clear); its rcpts may be empty only when routes.default is.
 */
void router_route(const struct config *cfg, const struct team_list *tl,
    const char *rule, const char *level, const char *team_id,
    struct route *out);
/*
 * A route by name, as `mashwatchctl test-email` takes it: default,
 * data_quality, report, partnership, team:ID, escalation:ID or
 * route:NAME.  Returns -1 for a name that is none of these.
 */
int router_by_name(const struct config *cfg, const struct team_list *tl,
    const char *name, struct route *out);
void route_clear(struct route *r);

/* Why a user may see a team on the board (route_board_sees). */
enum route_sight {
	ROUTE_SIGHT_NONE = 0,	/* not a recipient: the team is hidden */
	ROUTE_SIGHT_ADMIN,	/* http.board_admins: every team */
	ROUTE_SIGHT_REPORT,	/* routes.report: every team */
	ROUTE_SIGHT_MANAGER,	/* the team's alerts are mailed to them */
	ROUTE_SIGHT_ESCALATION,	/* the team's escalations are */
};

/*
 * Whether user (an address, any case) may see team_id ("" or NULL: the
 * alerts with no team) on the board: the board's one rule, the router's.
 * Admins (http.board_admins) and routes.report see every team; anyone
 * else a team whose alerts or escalations router_route would mail to
 * them right now, with tl the teams view as last read well (NULL before
 * any good read: then only admins and routes.report see anything).  When
 * why is not NULL it is given the route that decided (key and origin,
 * static for the admins), or NULL for none.
 */
enum route_sight route_board_sees(const struct config *cfg,
    const struct team_list *tl, const char *team_id, const char *user,
    const char **why);
/*
 * Whether user may acknowledge data-quality alerts: the data-quality
 * route's recipients (routes.data_quality, else routes.default, as the
 * router mails them) and http.board_admins.
 */
bool route_board_data_quality(const struct config *cfg, const char *user);
/* Static text for a sight: "board admin", "team manager (alerts)", ... */
const char *route_sight_text(enum route_sight s);

#endif

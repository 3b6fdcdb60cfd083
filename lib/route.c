/*
 * Who gets what: the precedence in mashwatch/route.h, applied to the
 * config and the teams view, and the board's rule that follows from it.
 * No I/O: callers read the teams and pass them in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mashwatch/address.h"
#include "mashwatch/xmalloc.h"

#include "mashwatch/route.h"

void
addr_list_clear(struct addr_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
addr_list_add(struct addr_list *l, const char *a)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], a) == 0)
			return;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrdup(a);
}

static void
addr_list_from_conf(struct addr_list *l, const struct addresses *a)
{
	for (size_t i = 0; i < a->n; i++)
		addr_list_add(l, a->v[i]);
}

static void
team_parse(struct team *t, const char *column, const char *s,
    const struct address_domains *allowed, struct addr_list *out)
{
	struct address_set set = { 0 };

	address_parse_list(s, allowed, &set);
	for (size_t i = 0; i < set.ngood; i++)
		addr_list_add(out, set.good[i]);
	for (size_t i = 0; i < set.nbad; i++) {
		t->bad = xreallocarray(t->bad, t->nbad + 1, sizeof(*t->bad));
		t->bad[t->nbad++] = xasprintf("%s: \"%s\" is %s", column,
		    set.bad[i], address_verdict_text(set.why[i]));
	}
	address_set_clear(&set);
}

void
team_list_add(struct team_list *tl, const char *id, const char *name,
    const char *manager, const char *escalation,
    const struct address_domains *allowed)
{
	struct team *t;

	tl->v = xreallocarray(tl->v, tl->n + 1, sizeof(*tl->v));
	t = &tl->v[tl->n++];
	memset(t, 0, sizeof(*t));
	t->id = xstrdup(id);
	t->name = xstrdup(name);
	team_parse(t, "manager_email", manager, allowed, &t->manager);
	team_parse(t, "escalation_email", escalation, allowed,
	    &t->escalation);
}

void
team_list_clear(struct team_list *tl)
{
	for (size_t i = 0; i < tl->n; i++) {
		free(tl->v[i].id);
		free(tl->v[i].name);
		addr_list_clear(&tl->v[i].manager);
		addr_list_clear(&tl->v[i].escalation);
		for (size_t j = 0; j < tl->v[i].nbad; j++)
			free(tl->v[i].bad[j]);
		free(tl->v[i].bad);
	}
	free(tl->v);
	tl->v = NULL;
	tl->n = 0;
}

const struct team *
team_list_find(const struct team_list *tl, const char *id)
{
	for (size_t i = 0; id != NULL && tl != NULL && i < tl->n; i++)
		if (strcmp(tl->v[i].id, id) == 0)
			return &tl->v[i];
	return NULL;
}

void
route_clear(struct route *r)
{
	free(r->key);
	free(r->title);
	addr_list_clear(&r->rcpts);
	memset(r, 0, sizeof(*r));
}

static void
route_default(const struct config *cfg, struct route *r, bool unrouted)
{
	route_clear(r);
	r->key = xstrdup("default");
	r->title = xstrdup("default route");
	addr_list_from_conf(&r->rcpts, &cfg->routes.def);
	r->unrouted = unrouted;
	r->origin = unrouted ? "routes.default (the team has no usable "
	    "address)" : "routes.default";
}

static void
route_data_quality(const struct config *cfg, struct route *r)
{
	if (cfg->routes.data_quality.n == 0) {
		route_default(cfg, r, false);
		r->origin = "routes.default (routes.data_quality is empty)";
		return;
	}
	r->key = xstrdup("data_quality");
	r->title = xstrdup("data quality");
	addr_list_from_conf(&r->rcpts, &cfg->routes.data_quality);
	r->origin = "routes.data_quality";
}

/* The team's managers or escalation: the config, then the teams view. */
static void
route_team(const struct config *cfg, const struct team_list *tl,
    const char *team_id, bool esc, struct route *r)
{
	const struct team_route *tr = config_team_route(cfg, team_id);
	const struct team *t = team_list_find(tl, team_id);

	if (tr != NULL) {
		addr_list_from_conf(&r->rcpts, esc ? &tr->escalation :
		    &tr->manager);
		r->origin = esc ? "routes.teams escalation (config)" :
		    "routes.teams manager (config)";
	}
	if (r->rcpts.n == 0 && t != NULL) {
		const struct addr_list *a = esc ? &t->escalation : &t->manager;

		for (size_t i = 0; i < a->n; i++)
			addr_list_add(&r->rcpts, a->v[i]);
		r->origin = esc ? "mash.teams escalation_email" :
		    "mash.teams manager_email";
	}
	if (r->rcpts.n == 0) {
		route_default(cfg, r, true);
		return;
	}
	r->key = xasprintf("%s:%s", esc ? "escalation" : "team", team_id);
	if (t != NULL && t->name != NULL && *t->name != '\0')
		r->title = xasprintf("%s %s, %s", esc ? "escalation for team" :
		    "team", team_id, t->name);
	else
		r->title = xasprintf("%s %s", esc ? "escalation for team" :
		    "team", team_id);
}

void
router_route(const struct config *cfg, const struct team_list *tl,
    const char *rule, const char *level, const char *team_id,
    struct route *r)
{
	const struct clock_conf *cc = rule != NULL ? config_clock(cfg, rule) :
	    NULL;
	const struct named_route *nr = cc != NULL ?
	    config_named_route(cfg, cc->route) : NULL;
	bool esc = level != NULL && strcmp(level, "escalated") == 0;

	memset(r, 0, sizeof(*r));
	if (level != NULL && strcmp(level, "data_quality") == 0) {
		route_data_quality(cfg, r);
		return;
	}
	if (nr != NULL && (!esc || nr->escalation.n > 0)) {
		addr_list_from_conf(&r->rcpts, esc ? &nr->escalation : &nr->to);
		r->key = xasprintf("%s:%s", esc ? "escalation-route" : "route",
		    nr->name);
		r->title = xasprintf("%s%s", esc ? "escalation for " : "",
		    nr->name);
		r->origin = esc ? "routes.NAME.escalation (the clock's route)" :
		    "routes.NAME (the clock's route)";
		if (r->rcpts.n > 0)
			return;
		route_clear(r);
	}
	if (team_id == NULL || *team_id == '\0') {
		route_default(cfg, r, true);
		r->origin = "routes.default (no team)";
		return;
	}
	route_team(cfg, tl, team_id, esc, r);
}

int
router_by_name(const struct config *cfg, const struct team_list *tl,
    const char *name, struct route *r)
{
	const struct named_route *nr;

	memset(r, 0, sizeof(*r));
	if (strcmp(name, "default") == 0)
		route_default(cfg, r, false);
	else if (strcmp(name, "data_quality") == 0)
		route_data_quality(cfg, r);
	else if (strcmp(name, "report") == 0) {
		r->key = xstrdup("report");
		r->title = xstrdup("report");
		addr_list_from_conf(&r->rcpts, &cfg->routes.report);
		r->origin = "routes.report";
	} else if (strcmp(name, "partnership") == 0) {
		r->key = xstrdup("partnership");
		r->title = xstrdup("partnership pack");
		addr_list_from_conf(&r->rcpts, &cfg->routes.partnership);
		r->origin = "routes.partnership";
	} else if (strncmp(name, "team:", 5) == 0 && name[5] != '\0')
		route_team(cfg, tl, name + 5, false, r);
	else if (strncmp(name, "escalation:", 11) == 0 && name[11] != '\0')
		route_team(cfg, tl, name + 11, true, r);
	else if (strncmp(name, "route:", 6) == 0 &&
	    (nr = config_named_route(cfg, name + 6)) != NULL) {
		r->key = xasprintf("route:%s", nr->name);
		r->title = xstrdup(nr->name);
		addr_list_from_conf(&r->rcpts, &nr->to);
		r->origin = "routes.NAME";
	} else
		return -1;
	return 0;
}

static bool
route_has(const struct addr_list *l, const char *user)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], user) == 0)
			return true;
	return false;
}

static bool
conf_has(const struct addresses *a, const char *user)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcasecmp(a->v[i], user) == 0)
			return true;
	return false;
}

enum route_sight
route_board_sees(const struct config *cfg, const struct team_list *tl,
    const char *team_id, const char *user, const char **why)
{
	static const char *const levels[2] = { "overdue", "escalated" };
	enum route_sight sight = ROUTE_SIGHT_NONE;
	struct route r;

	if (why != NULL)
		*why = NULL;
	if (user == NULL || *user == '\0')
		return ROUTE_SIGHT_NONE;
	if (conf_has(&cfg->http.board_admins, user)) {
		if (why != NULL)
			*why = "http.board_admins";
		return ROUTE_SIGHT_ADMIN;
	}
	if (conf_has(&cfg->routes.report, user)) {
		if (why != NULL)
			*why = "routes.report";
		return ROUTE_SIGHT_REPORT;
	}
	/* Before a good read of the teams view, nobody knows who is whose. */
	if (tl == NULL)
		return ROUTE_SIGHT_NONE;
	if (team_id != NULL && *team_id == '\0')
		team_id = NULL;
	for (int k = 0; k < 2 && sight == ROUTE_SIGHT_NONE; k++) {
		router_route(cfg, tl, NULL, levels[k], team_id, &r);
		if (route_has(&r.rcpts, user)) {
			sight = k == 0 ? ROUTE_SIGHT_MANAGER :
			    ROUTE_SIGHT_ESCALATION;
			if (why != NULL)
				*why = r.origin;
		}
		route_clear(&r);
	}
	return sight;
}

bool
route_board_data_quality(const struct config *cfg, const char *user)
{
	struct route r;
	bool ok;

	if (user == NULL || *user == '\0')
		return false;
	if (conf_has(&cfg->http.board_admins, user))
		return true;
	router_route(cfg, NULL, NULL, "data_quality", NULL, &r);
	ok = route_has(&r.rcpts, user);
	route_clear(&r);
	return ok;
}

const char *
route_sight_text(enum route_sight s)
{
	switch (s) {
	case ROUTE_SIGHT_ADMIN:
		return "board admin (http.board_admins): every team";
	case ROUTE_SIGHT_REPORT:
		return "report recipient (routes.report): every team";
	case ROUTE_SIGHT_MANAGER:
		return "receives the team's alerts";
	case ROUTE_SIGHT_ESCALATION:
		return "receives the team's escalations";
	case ROUTE_SIGHT_NONE:
		break;
	}
	return "does not receive the team's alerts";
}
